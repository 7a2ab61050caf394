#!/usr/bin/env bash
# Runs each fuzz target for a set time, growing its corpus, and appends the
# run's statistics to BUILD_DIR/fuzz/runs.log.
#   tests/fuzz/run.sh BUILD_DIR SECONDS [TARGET...]
# BUILD_DIR is configured with clang and -DKILN_FUZZ=ON (see README.md); the
# targets default to every fuzz_* executable in it. Each grows its corpus in
# BUILD_DIR/fuzz/corpus/TARGET, seeded from tests/fuzz/corpus/TARGET; a crash
# or hang is written to BUILD_DIR/fuzz/findings/ and stops its target; a leak
# fails the run at its end (the log has the allocation's stack).
# An input is a hang after 30 s: at nice 19 on a busy machine a fast input
# can wait seconds for a core (rerun a finding alone before calling it one).
set -uo pipefail
build=$(realpath "$1") seconds=$2
shift 2
here=$(dirname "$(realpath "$0")")
targets=("$@")
if ((${#targets[@]} == 0)); then
  for exe in "$build"/bin/fuzz_*; do targets+=("$(basename "$exe" | sed 's/^fuzz_//')"); done
fi
mkdir -p "$build/fuzz/findings"
# The compiler runs its front end on a 1 GB stack (driver/main.cpp); so does this.
ulimit -s 1048576
# The targets write each input to a file: in memory where there is a place for it.
if [[ -z ${TMPDIR:-} && -w /dev/shm ]]; then export TMPDIR=/dev/shm; fi
status=0
for target in "${targets[@]}"; do
  corpus=$build/fuzz/corpus/$target
  mkdir -p "$corpus"
  dict=()
  [[ -f $here/$target.dict ]] && dict=(-dict="$here/$target.dict")
  # Leaks are left to LeakSanitizer's check at exit, which fails the run:
  # libFuzzer's own check after an input that frees less than it allocates
  # scans the heap, and ANTLR's prediction cache grows on most new inputs,
  # so it ran after most of them and took half the front end's time.
  mode=(-timeout=30 -detect_leaks=0)
  log=$build/fuzz/$target.$(date +%Y%m%d-%H%M%S).log
  nice -n 19 "$build/bin/fuzz_$target" "$corpus" "$here/corpus/$target" "${dict[@]}" "${mode[@]}" \
    -max_total_time="$seconds" -rss_limit_mb=2560 -max_len=65536 -print_final_stats=1 \
    -artifact_prefix="$build/fuzz/findings/$target-" >"$log" 2>&1
  rc=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  echo "$(date -Iseconds) $target seconds=$seconds executions=${runs:-0} exit=$rc corpus=$(ls "$corpus" | wc -l)" |
    tee -a "$build/fuzz/runs.log"
  ((rc == 0)) || status=1
done
exit $status
