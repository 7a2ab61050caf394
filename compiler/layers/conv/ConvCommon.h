// What the convolution layers share: their window arguments, Keras's output
// sizes (keras.utils.conv_utils) with TensorFlow's padding, the input checks
// and the plumbing of the kernel calls.
//
// Convolutions compute on channels_last tensors (channels_first calls run
// between transposes, see channelsFirst in LayerKind.h), which the kernels
// see as volumes (batch, depth, height, width, channels): 2D ones of depth 1,
// 1D ones also of height 1; they read the window from an abi::ConvGeometry.
#pragma once

#include "codegen/LowerContext.h"
#include "layers/spatial/SpatialCommon.h"

#include <optional>
#include <string>
#include <vector>

namespace kiln::conv {

// The window along one spatial axis.
struct AxisWindow {
  int64_t kernel = 1, stride = 1, dilation = 1;
  // The extent of the kernel with its holes: (kernel - 1) * dilation + 1.
  int64_t dilated() const { return (kernel - 1) * dilation + 1; }
};

// kernel_size, strides and dilation_rate per spatial axis, and `padding`.
struct Window {
  std::vector<AxisWindow> axes;
  std::string padding;  // 'valid', 'same' or 'causal'
};
Window windowOf(const LayerConfig &config, int spatialRank);

// Keras's conv_output_length: valid (n - dilated) // s + 1, same and causal
// ceil(n / s).
Dim outputLength(const Dim &in, const AxisWindow &w, const std::string &padding);
// The zeros before the first input element of a convolution from `in` to
// `out` elements: 'same' splits the missing max((out - 1) * s + dilated - in,
// 0) as TensorFlow does, the odd one after; 'causal' pads dilated - 1 before.
Dim padBefore(const Dim &in, const Dim &out, const AxisWindow &w, const std::string &padding);

// Arguments in Keras's order: `padding` ('causal' only for 1D layers), the
// window tuples, Keras 1's names for the Conv-like layers.
ArgSpec paddingArg(bool causal);
ArgSpec formatArg(int spatialRank);  // data_format, Keras's default for the rank
ArgSpec windowArg(const char *name, int spatialRank);  // kernel_size (required), strides, dilation_rate
std::vector<LegacyArg> keras1Args(int spatialRank);

// Checks the arguments every convolution has: positive window tuples, and
// no strides > 1 together with dilation_rate > 1 (which TensorFlow rejects).
// Reports and returns false on a problem.
bool checkWindowArgs(DiagnosticEngine &diags, const Layer &layer, int spatialRank);

// Requires a channels_last input of rank spatialRank + 2 (a 2D layer fed flat
// vectors is told how to reshape them) with a known channel axis and every
// other axis known.
bool requireConvInput(ShapeContext &cx, int spatialRank);

// The output's spatial sizes for `in` (batch, spatial..., channels): the
// layer's input, or one frame of a sequence. Nothing after reporting a kernel
// larger than its input (over an open axis that is checked at run time).
std::optional<std::vector<Dim>> outputSpatialSizes(ShapeContext &cx, const Window &w, const TensorType &in);

// abi::ConvGeometry with every field a Dim: the sizes may be open axes.
struct Geometry {
  Dim inH, inW, inC;
  Dim outH, outW, outC;
  Dim kernelH, kernelW;
  Dim strideH, strideW;
  Dim dilationH, dilationW;
  Dim padTop, padLeft;
  Dim groups;
  Dim depthMultiplier;
  Dim inD, outD, kernelD, strideD, dilationD, padFront;
};
// The kernels' view of a convolution from `in` to `out` (rank 3, 4 or 5).
Geometry geometry(const TensorType &in, const TensorType &out, const Window &w, int64_t groups = 1,
                  int64_t depthMultiplier = 1);
llvm::Value *emitGeometry(LowerContext &cx, const Geometry &g);

// Packs a row-major [k, n] kernel whose columns form `groups` equal groups:
// each group's [k, n / groups] block in panels, one group after the other.
std::vector<float> packGroupPanels(const std::vector<float> &kernel, int64_t k, int64_t n, int64_t groups);
// A bias of n values padded like packGroupPanels's columns.
std::vector<float> padGroupBias(const std::vector<float> &bias, int64_t n, int64_t groups);
// A depthwise kernel of `taps` rows of `channels` weights, each row
// zero-padded to whole panels.
std::vector<float> padTaps(const std::vector<float> &kernel, int64_t taps, int64_t channels);

// A 3x3 kernel [3, 3, inC, outC] in row-major order as kiln_conv2d_winograd
// reads it: per position of the 4x4 transformed domain, U = G g G^T of
// every channel pair as an [inC, outC] matrix in panels.
std::vector<float> winogradKernel(const std::vector<float> &kernel, int64_t inC, int64_t outC);

// Workspace of kiln_conv2d for an input of `groupChannels` channels per group.
inline int64_t convWorkspaceBytes(int64_t groupChannels) {
  return abi::convWorkspaceFloats(groupChannels) * int64_t(sizeof(float));
}
// Workspace for one register tile's rows (on any target) of `n` floats.
inline int64_t tileBytes(int64_t n) { return abi::kMaxTileRows * n * int64_t(sizeof(float)); }

}  // namespace kiln::conv
