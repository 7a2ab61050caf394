// Image resizing as tf.image.resize computes it, shared by the Resizing
// layers and the resize of a Lambda's or a custom layer's tensor math.
#pragma once

#include "kernels/KernelABI.h"
#include "layers/spatial/SpatialCommon.h"

#include <string>

namespace kiln {

// A window of the input image, resized to the output size.
struct ResizeWindow {
  int64_t top = 0, left = 0, height = 0, width = 0;
};

// Resizes `window` of each of `batch` channels_last images at `in` (of
// `image`'s size) to outHeight x outWidth at `out`, with 'bilinear',
// 'nearest' or 'area' interpolation, sampling as `coordinates` says.
void emitResize(LowerContext &cx, llvm::Value *out, llvm::Value *in, llvm::Value *batch, const Image &image,
                const ResizeWindow &window, int64_t outHeight, int64_t outWidth, const std::string &interpolation,
                abi::ResizeCoordinates coordinates);

}  // namespace kiln
