#!/usr/bin/env bash
# Builds bench/conv_layers.cpp and the convolution kernels for this machine,
# with the flags kilnc's kernels get (tests/unit/kernels), and runs it on one
# thread:
#
#   bench/conv_layers.sh PEAK_GFLOPS [RUNS]
#
# PEAK_GFLOPS: the one-thread FMA peak of a bench/run on this machine.
set -euo pipefail
cd "$(dirname "$0")/.."
work=build/bench/conv_layers
mkdir -p "$work"
kernels=compiler/kernels
flags=(-std=c++17 -O2 -march=native -fno-vectorize -fno-slp-vectorize -fno-unroll-loops -fno-exceptions -fno-rtti
       -fno-math-errno -ffp-contract=on -I"$kernels" -Iruntime/include -Wno-invalid-feature-combination)
for kernel in Conv ConvWinograd; do
  clang++-19 -nostdlibinc "${flags[@]}" -c "$kernels/$kernel.cpp" -o "$work/$kernel.o"
done
clang++-19 "${flags[@]}" bench/conv_layers.cpp "$work/Conv.o" "$work/ConvWinograd.o" -o "$work/conv_layers"
"$work/conv_layers" "$1" "${2:-20}"
