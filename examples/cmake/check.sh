#!/usr/bin/env bash
# The CMake package as a user meets it: installs Kiln from this build tree
# into a fresh prefix, builds this example against it, runs it on the
# reference input (tests/numerics/mlp_sequential: the same model and
# weights) and compares with Keras's output. Then checks that kilnc runs
# again when the model or its weights change and not otherwise, and, when the
# aarch64 cross toolchain and qemu are installed, builds the example with a
# cross toolchain file and runs that under qemu.
#   check.sh BUILD_DIR NPYCMP WORK_DIR
set -euo pipefail
build=$1 npycmp=$2 work=$3
root=$(cd "$(dirname "$0")/../.." && pwd)
reference=$root/tests/numerics/mlp_sequential
rm -rf "$work" && mkdir -p "$work"

cmake --install "$build" --prefix "$work/prefix" > "$work/install.log"
cp -r "$root/examples/mnist_mlp" "$work/model"  # a copy the test may touch
configure() {
  cmake -S "$root/examples/cmake" -B "$1" -G Ninja -DCMAKE_PREFIX_PATH="$work/prefix" -DMODEL_DIR="$work/model" \
    "${@:2}" > "$1.log"
}
# How many times kilnc ran in a build of the example.
kilnc_runs() { cmake --build "$work/example" | { grep -c "Compiling model" || true; }; }

configure "$work/example"
[[ $(kilnc_runs) == 1 ]]
"$work/example/digits" "$reference/in0.npy" "$work/out.npy" > /dev/null
"$npycmp" "$work/out.npy" "$reference/out0.npy" --atol 1e-5 --rtol 1e-5

for changed in "" model/model.json model/weights.bin model/mnist.kiln; do
  [[ -n $changed ]] && touch "$work/$changed"
  runs=$(kilnc_runs)
  expected=$([[ -n $changed ]] && echo 1 || echo 0)
  if [[ $runs != "$expected" ]]; then
    echo "kilnc ran $runs times after touching '${changed:-nothing}', expected $expected"
    exit 1
  fi
done

if command -v aarch64-linux-gnu-g++ > /dev/null && command -v qemu-aarch64 > /dev/null; then
  cat > "$work/aarch64.cmake" <<'TOOLCHAIN'
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
TOOLCHAIN
  configure "$work/example-aarch64" -DCMAKE_TOOLCHAIN_FILE="$work/aarch64.cmake"
  cmake --build "$work/example-aarch64" > "$work/example-aarch64-build.log"
  QEMU_LD_PREFIX=/usr/aarch64-linux-gnu qemu-aarch64 "$work/example-aarch64/digits" "$reference/in0.npy" \
    "$work/out-aarch64.npy" > /dev/null
  "$npycmp" "$work/out-aarch64.npy" "$reference/out0.npy" --atol 1e-5 --rtol 1e-5
else
  echo "cross-compiled example skipped: needs aarch64-linux-gnu-g++ and qemu-aarch64 (tools/dev/bootstrap)"
fi
