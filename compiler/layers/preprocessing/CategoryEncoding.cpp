// CategoryEncoding: integer ids in [0, num_tokens) as vectors of num_tokens.
// 'one_hot' encodes each id on its own (an input (batch, 1) or (batch,) gives
// (batch, num_tokens); Keras 3 also encodes (batch, ..., k) ids into (batch,
// ..., k, num_tokens)); 'multi_hot' (Keras 2's 'binary') marks and 'count'
// counts the ids of each sample's last axis, (batch, k) -> (batch,
// num_tokens). Ids outside the range count nowhere (Keras stops with an
// error); sparse=True gives the same values, dense.
#include "codegen/LowerContext.h"
#include "layers/LayerKind.h"

namespace kiln {
namespace {

class CategoryEncodingKind : public LayerKind {
public:
  CategoryEncodingKind()
      : LayerKind("CategoryEncoding",
                  {arg("num_tokens", ArgType::PositiveInt),
                   choice("output_mode", {"multi_hot", "one_hot", "count", "binary"}, "multi_hot"),
                   arg("sparse", ArgType::Bool, Value::ofBool(false))},
                  "integer ids as one_hot rows, or each sample's ids as multi_hot marks or counts") {}

  std::vector<LegacyArg> legacyArgs() const override { return {{"max_tokens", "num_tokens"}}; }
  bool acceptsIntegerInput() const override { return true; }
  bool supportsOpenAxes() const override { return true; }

  static bool oneHot(const LayerConfig &c) { return c.str("output_mode") == "one_hot"; }

  void inferShapes(ShapeContext &cx) const override {
    const TensorType &in = cx.input();
    const LayerConfig &c = cx.config();
    std::vector<Dim> dims = in.dims;
    Dim tokens(c.integer("num_tokens"));
    if (oneHot(c)) {
      // (batch, ..., 1) loses its last axis first.
      if (dims.size() > 1 && dims.back() == Dim(1)) dims.pop_back();
      if (dims.size() > 1 && cx.kerasVersion() == KerasVersion::V2) {
        cx.error(DiagID::err_shape_mismatch, cx.layer().describe(),
                 "output_mode='one_hot' takes one id per sample in Keras 2, (batch,) or (batch, 1), but the input "
                 "has shape " + shapeString(in));
        return;
      }
      dims.push_back(tokens);
    } else {
      if (in.rank() != 2) {
        cx.error(DiagID::err_shape_mismatch, cx.layer().describe(),
                 "output_mode='" + c.str("output_mode") + "' encodes each sample's ids, of shape (batch, ids), but "
                 "the input has shape " + shapeString(in));
        return;
      }
      dims.back() = tokens;
    }
    cx.outputs = {TensorType{DType::Float32, dims}};
  }

  void lower(LowerContext &cx) const override {
    const TensorType &in = cx.inputType();
    const LayerConfig &c = cx.config();
    int64_t tokens = c.integer("num_tokens");
    llvm::Value *intIds = cx.i32(in.dtype == DType::Int32);
    if (oneHot(c)) {
      cx.call("kiln_one_hot", {cx.output(), cx.input(), cx.batchTimes(in.sampleSize()), cx.i64(tokens), intIds,
                               cx.f32(1.0f), cx.f32(0.0f)});
      return;
    }
    cx.call("kiln_token_counts", {cx.output(), cx.input(), cx.batch(), cx.i64(in.dims[1]), cx.i64(tokens), intIds,
                                  cx.i32(c.str("output_mode") != "count")});
  }
};

}  // namespace

KILN_REGISTER_LAYER(CategoryEncodingKind)

}  // namespace kiln
