// What the compiler and the kernels agree on: activation codes and the
// layout of packed weights. Included by both sides; keep it plain C++.
#pragma once

#include <stdint.h>

namespace kiln::abi {

// Activation functions applied elementwise (or over the last axis for the
// softmax family) in kernel epilogues.
enum Activation : int32_t {
  kLinear = 0,
  kRelu,
  kSigmoid,
  kTanh,
  kSoftmax,
  kElu,
  kSelu,
  kSoftplus,
  kSoftsign,
  kHardSigmoid,   // Keras 2: clip(0.2x + 0.5, 0, 1)
  kHardSigmoid3,  // Keras 3: relu6(x + 3) / 6
  kExponential,
  kSwish,
  kGelu,          // exact: 0.5x(1 + erf(x / sqrt 2))
  kGeluTanh,      // gelu(approximate=True)
  kRelu6,
  kLeakyRelu,     // slope in the `alpha` argument
  kLogSoftmax,
  kMish,
  kReluClipped,   // Keras ReLU layer: threshold, max_value, negative_slope
  kActivationCount
};

inline bool isRowwise(int32_t act) { return act == kSoftmax || act == kLogSoftmax; }

// Binary elementwise operations (merge layers, PReLU).
enum BinaryOp : int32_t { kAdd = 0, kSubtract, kMultiply, kMaximum, kMinimum, kPRelu };

// Tensors of up to this many axes (batch included) in the layout kernels.
constexpr int kMaxRank = 8;

// Packed GEMM weights: the [K, N] kernel is cut into panels of kPanelWidth
// columns; panel p holds K rows of kPanelWidth floats (zero-padded past N).
constexpr int64_t kPanelWidth = 16;
// Rows of the left-hand side handled by one micro-kernel call.
constexpr int64_t kMicroRows = 6;

inline int64_t panelCount(int64_t n) { return (n + kPanelWidth - 1) / kPanelWidth; }

// The geometry of a 2-D convolution over channels_last samples, passed to the
// convolution kernels as a constant array of int64 (Conv1D is the case
// inH = kernelH = 1). For a transposed convolution `in` is its input, `out`
// its output, and the padding that of the forward convolution from out to in.
struct ConvGeometry {
  int64_t inH, inW, inC;
  int64_t outH, outW, outC;
  int64_t kernelH, kernelW;
  int64_t strideH, strideW;
  int64_t dilationH, dilationW;
  int64_t padTop, padLeft;  // implicit zeros before the first row and column
  int64_t groups;           // channel groups (Conv groups=)
  int64_t depthMultiplier;  // depthwise: output channel c * depthMultiplier + m
};

}  // namespace kiln::abi
