// The static type of a tensor: element type and dimensions, each known or
// None. Axis 0 is the batch axis.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace kiln {

enum class DType { Float32, Int32 };

constexpr int64_t kNone = -1;  // a dimension not known at build time

struct TensorType {
  DType dtype = DType::Float32;
  std::vector<int64_t> dims;

  int rank() const { return static_cast<int>(dims.size()); }
  // Known iff every axis but the batch axis is known.
  bool perSampleKnown() const;
  // Elements of one sample: the product of dims[1..].
  int64_t sampleElements() const;
  bool operator==(const TensorType &) const = default;
};

const char *dtypeName(DType t);

// Keras's spelling of a shape: (None, 28, 28, 1); (784,) for one axis.
std::string shapeString(const std::vector<int64_t> &dims);
inline std::string shapeString(const TensorType &t) { return shapeString(t.dims); }

}  // namespace kiln
