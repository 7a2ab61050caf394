#!/usr/bin/env bash
# Cross-compilation checked on the target: builds models for TRIPLE (kilnc
# compiles the kernels and the runtime for it), runs them under qemu-user and
# compares every output with the Keras reference and with the same model
# built for this machine, within the case's tolerance.
#   check_target.sh KILNC NPYCMP TRIPLE TOOLCHAIN QEMU NATIVE_DIR WORK_DIR
# NATIVE_DIR holds the native runs of the cases (NATIVE_DIR/<case>/got*.npy,
# written by the numerics/<case> tests).
# TOOLCHAIN is the Debian cross toolchain's prefix (arm-linux-gnueabihf);
# without it or qemu the check is skipped (exit status 77).
set -euo pipefail
kilnc=$1 npycmp=$2 triple=$3 toolchain=$4 qemu=$5 native=$6 work=$7
root=$(cd "$(dirname "$0")/../.." && pwd)
if ! command -v "$toolchain-gcc" >/dev/null || ! command -v "$qemu" >/dev/null || [[ ! -d /usr/$toolchain ]]; then
  echo "skipped: needs $toolchain-gcc, its C library (/usr/$toolchain) and $qemu;" \
       "tools/dev/bootstrap installs them"
  exit 77
fi
export QEMU_LD_PREFIX=/usr/$toolchain
rm -rf "$work" && mkdir -p "$work"
# kilnc compiles the runtime for the target once, into this cache.
export KILN_CACHE_DIR=$work/cache

mapfile -t cases < <(grep '^[^#]' "$root/tests/cross/cases.txt")
field() { sed -n "s/.*\"$1\": *\([0-9.eE+-]*\).*/\1/p" "$2/case.json"; }
failed=()
for c in "${cases[@]}"; do
  dir=$root/tests/numerics/$c
  ok=1
  KILN_TARGET=$triple KILN_RUNNER=$qemu "$root/tests/numerics/check_case.sh" "$kilnc" "$npycmp" "$dir" \
    "$work/$c/target" > "$work/$c.log" 2>&1 || ok=0
  for got in "$work/$c/target"/got*.npy; do
    "$npycmp" "$got" "$native/$c/${got##*/}" --atol "$(field atol "$dir")" --rtol "$(field rtol "$dir")" \
      >> "$work/$c.log" 2>&1 || ok=0
  done
  ((ok)) || { failed+=("$c"); cat "$work/$c.log"; }
done

archives=("$KILN_CACHE_DIR"/libkiln_rt-*.a)
if [[ ${#archives[@]} -ne 1 || ! -f ${archives[0]} ]]; then
  echo "expected one runtime archive in $KILN_CACHE_DIR for all the builds, found: ${archives[*]}"
  failed+=(cache)
fi

# The trained digits model, on its committed input; built without a usable
# cache, kilnc compiles the runtime's sources into the executable.
mnist=$root/examples/mnist_mlp
"$kilnc" build "$mnist/mnist.kiln" --weights "$mnist/model.json" -o "$work/digits-native"
KILN_CACHE_DIR=/dev/null/cache "$kilnc" build "$mnist/mnist.kiln" --weights "$mnist/model.json" --target "$triple" \
  -o "$work/digits-target"
"$work/digits-native" "$mnist/digit.npy" -o "$work/digits-native.npy"
"$qemu" "$work/digits-target" "$mnist/digit.npy" -o "$work/digits-target.npy"
"$npycmp" "$work/digits-target.npy" "$work/digits-native.npy" --atol 1e-5 --rtol 1e-5 || failed+=(digits)

if ((${#failed[@]})); then
  echo "$triple: ${#failed[@]} model(s) differ: ${failed[*]}"
  exit 1
fi
echo "$triple: $((${#cases[@]} + 1)) models match the reference and the native build under $qemu"
