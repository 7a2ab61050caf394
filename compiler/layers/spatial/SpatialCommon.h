// What the pooling, padding, cropping and upsampling layers share: the
// channels_last layout, their argument forms and their shape diagnostics.
//
// Kiln's spatial layers take channels_last tensors: (batch, steps, channels)
// for the 1D layers, (batch, height, width, channels) for the 2D ones,
// (batch, depth, height, width, channels) for the 3D ones. The pooling,
// padding, cropping and upsampling kernels see all three as volumes
// (abi::WindowGeometry): a 2D tensor has depth 1, a 1D one depth and height 1.
#pragma once

#include "codegen/LowerContext.h"
#include "layers/LayerKind.h"

#include <string>
#include <vector>

namespace kiln {

// `data_format`: 'channels_last' or 'channels_first'. Keras 2 defaults the 2D
// layers to None (the global image_data_format, 'channels_last' unless
// keras.backend.set_image_data_format changed it) and the 1D layers to
// 'channels_last'; pass the default as Keras declares it. The shape rules
// and lowerings below are channels_last: a channels_first call runs them
// between transposes (see channelsFirst in LayerKind.h).
ArgSpec dataFormatArg(const char *defaultValue = nullptr);

// "(batch, height, width, channels)" or, channels_first, "(batch, channels,
// height, width)": the layout a layer of that rank expects, for messages.
std::string layoutString(int spatialRank, bool channelsFirst);

// Reports entries of the integer-tuple argument `name` smaller than `min`
// (None passes).
bool checkTupleAtLeast(DiagnosticEngine &diags, const Layer &layer, const char *name, int64_t min);

// Requires a channels_last input of rank spatialRank + 2 with its channel
// axis known. A rank one short gets a hint to add the missing channel axis.
bool requireSpatialInput(ShapeContext &cx, int spatialRank);

// How messages name spatial axis `axis` (0-based) of a 1D, 2D or 3D layer:
// "length"; "height", "width"; "depth", "height", "width".
const char *spatialAxisName(int spatialRank, int axis);

// ZeroPadding/Cropping amounts: (before, after) per spatial axis, from an
// int, a tuple of ints (one per axis for 2D and 3D, (before, after) for 1D)
// or a tuple of (before, after) tuples, as Keras 2 accepts them.
struct Margin {
  int64_t before = 0, after = 0;
};
bool checkMargins(DiagnosticEngine &diags, const Layer &layer, const char *name, int spatialRank);
std::vector<Margin> margins(const LayerConfig &config, const char *name, int spatialRank);

// A channels_last tensor as the convolution and resizing kernels see it:
// height 1 for rank 3.
struct Image {
  Dim height, width, channels;
};
Image asImage(const TensorType &type);

// One spatial axis of abi::WindowGeometry; the sizes may be open axes.
struct WindowAxis {
  Dim in, out;
  Dim window = 1;
  int64_t stride = 1;
  Dim padBefore = 0;
};
// The spatial axes of a channels_last input and output of the same rank,
// with windows of 1.
std::vector<WindowAxis> windowAxes(const TensorType &in, const TensorType &out);
// abi::WindowGeometry for the spatial axes of a 1D, 2D or 3D layer (the
// volume's last axes) and the channels.
llvm::Value *emitWindowGeometry(LowerContext &cx, std::vector<WindowAxis> axes, const Dim &channels);

}  // namespace kiln
