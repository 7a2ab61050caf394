#!/usr/bin/env bash
# Compiles one reference case with kilnc, runs it on the case's inputs and
# compares every output with the reference output within the case's tolerance.
#   check_case.sh KILNC NPYCMP CASE_DIR WORK_DIR
# For another target (tests/cross): KILN_TARGET=TRIPLE builds for it, and
# KILN_RUNNER (e.g. qemu-aarch64) runs the built model.
set -euo pipefail
kilnc=$1 npycmp=$2 case_dir=$3 work=$4
mkdir -p "$work"
field() { sed -n "s/.*\"$1\": *\([0-9.eE+-]*\).*/\1/p" "$case_dir/case.json"; }
atol=$(field atol) rtol=$(field rtol)

# Weights: model.json (+ shards), or, when case.json has "init_weights": SEED
# (no weights file; e.g. vgg16), Kiln's own seeded draw, which the generator
# reproduces bit for bit (tools/reference/lib/init_weights.mjs).
seed=$(field init_weights)
if [[ -n $seed ]]; then
  weights=(--init-weights "$seed")
else
  weights=(--weights "$case_dir/model.json")
fi
"$kilnc" build "$case_dir/model.kiln" "${weights[@]}" ${KILN_TARGET:+--target "$KILN_TARGET"} -o "$work/model"

inputs=() outputs=()
for i in $(seq 0 15); do [[ -f $case_dir/in$i.npy ]] && inputs+=("$case_dir/in$i.npy"); done
for i in $(seq 0 15); do [[ -f $case_dir/out$i.npy ]] && outputs+=(-o "$work/got$i.npy"); done
${KILN_RUNNER:-} "$work/model" "${inputs[@]}" "${outputs[@]}"

status=0
for i in $(seq 0 15); do
  [[ -f $case_dir/out$i.npy ]] || continue
  "$npycmp" "$work/got$i.npy" "$case_dir/out$i.npy" --atol "$atol" --rtol "$rtol" || status=1
done
exit $status
