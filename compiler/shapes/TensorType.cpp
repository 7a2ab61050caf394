#include "shapes/TensorType.h"

namespace kiln {

bool TensorType::perSampleKnown() const {
  for (size_t i = 1; i < dims.size(); ++i)
    if (!dims[i].known()) return false;
  return true;
}

int64_t elementCount(const std::vector<int64_t> &dims, size_t first) {
  int64_t n = 1;
  for (size_t i = first; i < dims.size(); ++i)
    if (dims[i] != kNone && __builtin_mul_overflow(n, dims[i], &n)) return INT64_MAX;
  return n;
}

int64_t elementCount(const std::vector<Dim> &dims, size_t first) {
  int64_t n = 1;
  for (size_t i = first; i < dims.size(); ++i)
    if (dims[i].known() && __builtin_mul_overflow(n, dims[i].value(), &n)) return INT64_MAX;
  return n;
}

bool TensorType::hasOpenAxes() const {
  for (size_t i = 1; i < dims.size(); ++i)
    if (dims[i].symbolic()) return true;
  return false;
}

int64_t TensorType::sampleElements() const {
  int64_t n = 1;
  for (size_t i = 1; i < dims.size(); ++i)
    if (!dims[i].none()) n *= dims[i].value();
  return n;
}

bool bindAxes(const TensorType &pattern, const TensorType &actual, AxisBindings &bound) {
  if (pattern.rank() != actual.rank() || pattern.dtype != actual.dtype) return false;
  for (int a = 1; a < pattern.rank(); ++a) {
    const Dim &want = pattern.dims[a];
    if (want.op() == Dim::Op::Axis) bound[want.axisId()] = actual.dims[a];
    else if (!want.none() && !(want == actual.dims[a])) return false;
  }
  return true;
}

TensorType substitute(const TensorType &t, const AxisBindings &bound) {
  if (bound.empty()) return t;
  TensorType out = t;
  for (Dim &d : out.dims)
    d = d.substitute([&](int id) {
      auto it = bound.find(id);
      return it == bound.end() ? Dim::axis(id) : it->second;
    });
  return out;
}

TensorType foldTimeAxis(const TensorType &t) {
  TensorType step = t;
  step.dims.erase(step.dims.begin() + 1);
  step.dims[0] = kNone;
  return step;
}

TensorType unfoldTimeAxis(const TensorType &step, const TensorType &outer) {
  TensorType t = step;
  t.dims.insert(t.dims.begin() + 1, outer.dims[1]);
  t.dims[0] = outer.dims[0];
  return t;
}

const char *dtypeName(DType t) { return t == DType::Float32 ? "float32" : "int32"; }

std::string shapeString(const std::vector<Dim> &dims) {
  std::string s = "(";
  for (size_t i = 0; i < dims.size(); ++i) {
    if (i) s += ", ";
    s += dims[i].known() ? std::to_string(dims[i].value()) : "None";
  }
  if (dims.size() == 1) s += ",";
  return s + ")";
}

}  // namespace kiln
