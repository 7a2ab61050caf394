// Permute: reorders the axes of each sample (dims are 1-based, as in Keras).
#include "codegen/LowerContext.h"
#include "layers/LayerKind.h"

#include <algorithm>

namespace kiln {
namespace {

class PermuteKind : public LayerKind {
public:
  PermuteKind() : LayerKind("Permute", {arg("dims", ArgType::AxisList)}, "reorders the axes of each sample") {}

  bool acceptsIntegerInput() const override { return true; }
  bool supportsOpenAxes() const override { return true; }

  void inferShapes(ShapeContext &cx) const override {
    std::vector<int64_t> dims = cx.config().ints("dims");
    const TensorType &in = cx.input();
    std::vector<int64_t> sorted = dims;
    std::sort(sorted.begin(), sorted.end());
    bool permutation = int(dims.size()) == in.rank() - 1;
    for (size_t i = 0; permutation && i < sorted.size(); ++i) permutation = sorted[i] == int64_t(i) + 1;
    if (!permutation) {
      cx.error(DiagID::err_shape_mismatch, cx.layer().describe(),
               "dims " + shapeString(dims) + " must be a permutation of the axes 1.." + std::to_string(in.rank() - 1) +
                   " of the input " + shapeString(in));
      return;
    }
    TensorType out{in.dtype, {in.dims[0]}};
    for (int64_t d : dims) out.dims.push_back(in.dims[d]);
    cx.outputs = {out};
  }

  void lower(LowerContext &cx) const override {
    std::vector<int64_t> dims = cx.config().ints("dims");
    const TensorType &in = cx.inputType(), &out = cx.outputType();
    std::vector<Dim> inStrides(in.rank(), 1);  // per-sample strides of the input, by axis
    for (int a = in.rank() - 2; a >= 1; --a) inStrides[a] = mul(inStrides[a + 1], in.dims[a + 1]);
    std::vector<Dim> outDims(out.dims.begin() + 1, out.dims.end()), strides;
    for (int64_t d : dims) strides.push_back(inStrides[d]);
    cx.call("kiln_permute", {cx.output(), cx.input(), cx.batch(), cx.i64(int64_t(outDims.size())),
                             cx.ints("dims", outDims), cx.ints("strides", strides), cx.i64(in.sampleSize())});
  }
};

class RepeatVectorKind : public LayerKind {
public:
  RepeatVectorKind()
      : LayerKind("RepeatVector", {arg("n", ArgType::PositiveInt)}, "repeats a vector n times: (f,) -> (n, f)") {}

  bool acceptsIntegerInput() const override { return true; }
  void inferShapes(ShapeContext &cx) const override {
    if (!cx.requireRank(0, 2)) return;
    cx.outputs = {TensorType{cx.input().dtype, {cx.input().dims[0], cx.config().integer("n"), cx.input().dims[1]}}};
  }

  void lower(LowerContext &cx) const override {
    cx.call("kiln_repeat", {cx.output(), cx.input(), cx.batch(), cx.i64(cx.config().integer("n")),
                            cx.i64(cx.inputType().dims[1])});
  }
};

}  // namespace

KILN_REGISTER_LAYER(PermuteKind)
KILN_REGISTER_LAYER(RepeatVectorKind)

}  // namespace kiln
