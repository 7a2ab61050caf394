// The static type of a tensor: element type and dimensions, each known or
// None. Axis 0 is the batch axis.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace kiln {

enum class DType { Float32, Int32 };

constexpr int64_t kNone = -1;  // a dimension not known at build time

// The most elements a tensor (per sample) or a weight may have, and so the
// largest size anywhere: 8 GiB of float32 is more than any layer needs, and
// shape rules that multiply two sizes stay far from overflowing int64.
constexpr int64_t kMaxElements = (int64_t(1) << 31) - 1;

// The product of the known dimensions of `dims` from `first` on; INT64_MAX
// if it overflows.
int64_t elementCount(const std::vector<int64_t> &dims, size_t first = 0);

struct TensorType {
  DType dtype = DType::Float32;
  std::vector<int64_t> dims;

  int rank() const { return static_cast<int>(dims.size()); }
  // Known iff every axis but the batch axis is known.
  bool perSampleKnown() const;
  // Elements of one sample: the product of the known dims[1..].
  int64_t sampleElements() const;
  bool operator==(const TensorType &) const = default;
};

const char *dtypeName(DType t);

// Keras's spelling of a shape: (None, 28, 28, 1); (784,) for one axis.
std::string shapeString(const std::vector<int64_t> &dims);
inline std::string shapeString(const TensorType &t) { return shapeString(t.dims); }

}  // namespace kiln
