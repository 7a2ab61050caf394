// The static type of a tensor: element type and dimensions (see Dim). Axis 0
// is the batch axis.
#pragma once

#include "shapes/Dim.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace kiln {

enum class DType { Float32, Int32 };

// The most elements a tensor (per sample) or a weight may have, and so the
// largest size anywhere: 8 GiB of float32 is more than any layer needs, and
// shape rules that multiply two sizes stay far from overflowing int64.
constexpr int64_t kMaxElements = (int64_t(1) << 31) - 1;

// The product of the known dimensions of `dims` from `first` on; INT64_MAX
// if it overflows.
int64_t elementCount(const std::vector<int64_t> &dims, size_t first = 0);
// The same over the constant dimensions (an open axis counts as 1: its size
// is checked when the model runs).
int64_t elementCount(const std::vector<Dim> &dims, size_t first = 0);

struct TensorType {
  DType dtype = DType::Float32;
  std::vector<Dim> dims;

  TensorType() = default;
  TensorType(DType dtype, std::vector<Dim> dims) : dtype(dtype), dims(std::move(dims)) {}

  int rank() const { return static_cast<int>(dims.size()); }
  // Known iff every axis but the batch axis is a constant.
  bool perSampleKnown() const;
  // True if an axis but the batch axis is sized at run time.
  bool hasOpenAxes() const;
  // Elements of one sample: the product of the constant dims[1..] (None
  // skipped; an open axis is an internal error).
  int64_t sampleElements() const;
  // The same, as an expression over the open axes.
  Dim sampleSize() const { return product(dims, 1); }
  bool operator==(const TensorType &) const = default;
};

// A relation between sizes the shape pass could not prove at build time,
// checked when the model runs: `value == equals`, or `value >= 1` when
// `equals` is None. `message` says what failed.
struct SizeCheck {
  Dim value;
  Dim equals = kNone;
  std::string message;
};

// Open axes bound to the dimensions a call gives them (a nested model's
// inputs, as its caller sizes them).
using AxisBindings = std::map<int, Dim>;
// Binds the open axes of `pattern` (an input's type) to those of `actual`;
// false if a constant differs.
bool bindAxes(const TensorType &pattern, const TensorType &actual, AxisBindings &bound);
// `t` with its bound open axes replaced.
TensorType substitute(const TensorType &t, const AxisBindings &bound);

// TimeDistributed's view of (batch, steps, ...): (batch * steps, ...), the
// same bytes with the time axis folded into the batch axis; and back, with
// the time axis `steps` and the batch axis of `outer`.
TensorType foldTimeAxis(const TensorType &t);
TensorType unfoldTimeAxis(const TensorType &step, const TensorType &outer);

const char *dtypeName(DType t);

// Keras's spelling of a shape: (None, 28, 28, 1); (784,) for one axis.
std::string shapeString(const std::vector<Dim> &dims);
inline std::string shapeString(const std::vector<int64_t> &dims) { return shapeString(std::vector<Dim>(dims.begin(), dims.end())); }
inline std::string shapeString(const TensorType &t) { return shapeString(t.dims); }

}  // namespace kiln
