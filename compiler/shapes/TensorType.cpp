#include "shapes/TensorType.h"

namespace kiln {

bool TensorType::perSampleKnown() const {
  for (size_t i = 1; i < dims.size(); ++i)
    if (dims[i] == kNone) return false;
  return true;
}

int64_t elementCount(const std::vector<int64_t> &dims, size_t first) {
  int64_t n = 1;
  for (size_t i = first; i < dims.size(); ++i)
    if (dims[i] != kNone && __builtin_mul_overflow(n, dims[i], &n)) return INT64_MAX;
  return n;
}

int64_t TensorType::sampleElements() const { return elementCount(dims, 1); }

const char *dtypeName(DType t) { return t == DType::Float32 ? "float32" : "int32"; }

std::string shapeString(const std::vector<int64_t> &dims) {
  std::string s = "(";
  for (size_t i = 0; i < dims.size(); ++i) {
    if (i) s += ", ";
    s += dims[i] == kNone ? "None" : std::to_string(dims[i]);
  }
  if (dims.size() == 1) s += ",";
  return s + ")";
}

}  // namespace kiln
