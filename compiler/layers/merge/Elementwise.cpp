// Add, Subtract, Multiply, Average, Maximum, Minimum: elementwise merges of a
// list of tensors with Keras's broadcasting (per-sample shapes aligned on the
// right; an axis of size 1 stretches).
#include "codegen/LowerContext.h"
#include "layers/LayerKind.h"

namespace kiln {
namespace {

class ElementwiseMergeKind : public LayerKind {
public:
  ElementwiseMergeKind(std::string name, abi::BinaryOp op, bool pair, bool average, std::string doc)
      : LayerKind(std::move(name), {}, std::move(doc)), op_(op), pair_(pair), average_(average) {}

  InputArity inputArity() const override { return {2, pair_ ? 2 : -1, true}; }

  void inferShapes(ShapeContext &cx) const override {
    std::vector<int64_t> shape(cx.input(0).dims.begin() + 1, cx.input(0).dims.end());
    for (size_t i = 1; i < cx.inputs().size(); ++i) {
      std::vector<int64_t> other(cx.input(i).dims.begin() + 1, cx.input(i).dims.end());
      std::vector<int64_t> &longer = shape.size() >= other.size() ? shape : other;
      const std::vector<int64_t> &shorter = shape.size() >= other.size() ? other : shape;
      std::vector<int64_t> merged = longer;
      size_t lead = longer.size() - shorter.size();
      for (size_t a = 0; a < shorter.size(); ++a) {
        int64_t x = longer[lead + a], y = shorter[a];
        if (x == kNone || y == kNone) merged[lead + a] = kNone;
        else if (x == 1) merged[lead + a] = y;
        else if (y != 1 && x != y) {
          cx.error(DiagID::err_shape_mismatch, cx.layer().describe(),
                   "cannot merge tensors of shapes " + shapeString(cx.input(0)) + " and " + shapeString(cx.input(i)) +
                       ": sizes " + std::to_string(x) + " and " + std::to_string(y) + " do not broadcast");
          return;
        }
      }
      shape = merged;
    }
    TensorType out{DType::Float32, {cx.input(0).dims[0]}};
    out.dims.insert(out.dims.end(), shape.begin(), shape.end());
    cx.outputs = {out};
  }

  void lower(LowerContext &cx) const override {
    const TensorType &out = cx.outputType();
    int64_t sample = out.sampleElements();
    for (size_t i = 1; i < cx.inputCount(); ++i) {
      llvm::Value *a = i == 1 ? cx.input(0) : cx.output();
      const TensorType &aType = i == 1 ? cx.inputType(0) : out;
      emitBinary(cx, a, aType, cx.input(i), cx.inputType(i), out, sample);
    }
    if (average_)
      cx.call("kiln_scale", {cx.output(), cx.batchTimes(sample), cx.f32(1.0f / float(cx.inputCount()))});
  }

private:
  // Per-sample strides of `t` seen through the output's axes (0 where it broadcasts).
  static std::vector<int64_t> broadcastStrides(const TensorType &t, const TensorType &out) {
    size_t rank = out.dims.size() - 1, own = t.dims.size() - 1;
    std::vector<int64_t> strides(rank, 0);
    int64_t stride = 1;
    for (size_t a = 0; a < own; ++a) {
      size_t axis = own - 1 - a;  // from the last axis backwards
      if (t.dims[axis + 1] != 1) strides[rank - 1 - a] = stride;
      stride *= t.dims[axis + 1];
    }
    return strides;
  }

  void emitBinary(LowerContext &cx, llvm::Value *a, const TensorType &aType, llvm::Value *b, const TensorType &bType,
                  const TensorType &out, int64_t sample) const {
    if (aType.dims == out.dims && bType.dims == out.dims) {
      cx.call("kiln_binary", {cx.output(), a, b, cx.batchTimes(sample), cx.i32(op_)});
      return;
    }
    std::vector<int64_t> dims(out.dims.begin() + 1, out.dims.end());
    cx.call("kiln_binary_broadcast",
            {cx.output(), a, b, cx.batch(), cx.i64(int64_t(dims.size())), cx.constantInts("dims", dims),
             cx.constantInts("a_strides", broadcastStrides(aType, out)),
             cx.constantInts("b_strides", broadcastStrides(bType, out)), cx.i64(aType.sampleElements()),
             cx.i64(bType.sampleElements()), cx.i64(sample), cx.i32(op_)});
  }

  abi::BinaryOp op_;
  bool pair_, average_;
};

struct AddKind : ElementwiseMergeKind {
  AddKind() : ElementwiseMergeKind("Add", abi::kAdd, false, false, "sum of a list of tensors") {}
};
struct SubtractKind : ElementwiseMergeKind {
  SubtractKind() : ElementwiseMergeKind("Subtract", abi::kSubtract, true, false, "difference of two tensors") {}
};
struct MultiplyKind : ElementwiseMergeKind {
  MultiplyKind() : ElementwiseMergeKind("Multiply", abi::kMultiply, false, false, "product of a list of tensors") {}
};
struct AverageKind : ElementwiseMergeKind {
  AverageKind() : ElementwiseMergeKind("Average", abi::kAdd, false, true, "mean of a list of tensors") {}
};
struct MaximumKind : ElementwiseMergeKind {
  MaximumKind() : ElementwiseMergeKind("Maximum", abi::kMaximum, false, false, "elementwise maximum") {}
};
struct MinimumKind : ElementwiseMergeKind {
  MinimumKind() : ElementwiseMergeKind("Minimum", abi::kMinimum, false, false, "elementwise minimum") {}
};

}  // namespace

KILN_REGISTER_LAYER(AddKind)
KILN_REGISTER_LAYER(SubtractKind)
KILN_REGISTER_LAYER(MultiplyKind)
KILN_REGISTER_LAYER(AverageKind)
KILN_REGISTER_LAYER(MaximumKind)
KILN_REGISTER_LAYER(MinimumKind)

}  // namespace kiln
