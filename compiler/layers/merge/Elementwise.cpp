// Add, Subtract, Multiply, Average, Maximum, Minimum: elementwise merges of a
// list of tensors with Keras's broadcasting (per-sample shapes aligned on the
// right; an axis of size 1 stretches).
// The inputs' masks are combined as MergeMask.h says.
#include "codegen/LowerContext.h"
#include "layers/merge/MergeMask.h"

namespace kiln {
namespace {

class ElementwiseMergeKind : public LayerKind {
public:
  ElementwiseMergeKind(std::string name, abi::BinaryOp op, bool pair, bool average, std::string doc)
      : LayerKind(std::move(name), {}, std::move(doc)), op_(op), pair_(pair), average_(average) {}

  InputArity inputArity() const override { return {2, pair_ ? 2 : -1, true}; }

  bool supportsOpenAxes() const override { return true; }
  bool readsMask() const override { return true; }  // combined into the output's
  // compute_mask: ops.logical_or of the inputs' masks, one pair at a time.
  const Tensor *keras3Mask(const Node &node, size_t, MaskOps &ops) const override {
    const Tensor *combined = ops.mask(node.inputs[0]);
    for (size_t i = 1; i < node.inputs.size(); ++i) combined = ops.op({combined, ops.mask(node.inputs[i])});
    return combined;
  }

  // Keras's broadcasting over the per-sample axes. Sizes it cannot compare
  // at build time (open axes) must be equal when the model runs: a size of 1
  // there is not stretched.
  void inferShapes(ShapeContext &cx) const override {
    std::vector<Dim> shape(cx.input(0).dims.begin() + 1, cx.input(0).dims.end());
    for (size_t i = 1; i < cx.inputs().size(); ++i) {
      std::vector<Dim> other(cx.input(i).dims.begin() + 1, cx.input(i).dims.end());
      std::vector<Dim> &longer = shape.size() >= other.size() ? shape : other;
      const std::vector<Dim> &shorter = shape.size() >= other.size() ? other : shape;
      std::vector<Dim> merged = longer;
      size_t lead = longer.size() - shorter.size();
      for (size_t a = 0; a < shorter.size(); ++a) {
        const Dim &x = longer[lead + a], &y = shorter[a];
        if (x == 1) merged[lead + a] = y;
        else if (y == 1 || x == y) merged[lead + a] = x;
        else if (x.known() && y.known()) {
          cx.error(DiagID::err_shape_mismatch, cx.layer().describe(),
                   "cannot merge tensors of shapes " + shapeString(cx.input(0)) + " and " + shapeString(cx.input(i)) +
                       ": sizes " + std::to_string(x.value()) + " and " + std::to_string(y.value()) +
                       " do not broadcast");
          return;
        } else {
          int axis = int(cx.input(i).rank() - shorter.size() + a);
          cx.requireSameSize(x, y, "axis " + std::to_string(axis) + " of inputs 0 and " + std::to_string(i) +
                                       " differs (" + shapeString(cx.input(0)) + " and " + shapeString(cx.input(i)) + ")");
          merged[lead + a] = y.known() ? y : x;
        }
      }
      shape = merged;
    }
    TensorType out{DType::Float32, {cx.input(0).dims[0]}};
    out.dims.insert(out.dims.end(), shape.begin(), shape.end());
    cx.outputs = {out};
    // Keras 3's Multiply, Maximum and Minimum first put the identity (1, or
    // the other operand) at a masked input's masked entries.
    bool masksValues = op_ == abi::kMultiply || op_ == abi::kMaximum || op_ == abi::kMinimum;
    for (size_t i = 0; i < cx.inputs().size() && masksValues && cx.kerasVersion() == KerasVersion::V3; ++i)
      if (cx.inputHasMask(i)) {
        cx.error(DiagID::err_unsupported_argument_value, cx.layer().describe(),
                 "a masked input with Keras 3 (which puts " +
                     std::string(op_ == abi::kMultiply ? "1" : "the other input's values") +
                     " at its masked steps before merging)");
        return;
      }
    inferMergeMask(cx, false);
  }

  void lower(LowerContext &cx) const override {
    const TensorType &out = cx.outputType();
    Dim sample = out.sampleSize();
    for (size_t i = 1; i < cx.inputCount(); ++i) {
      llvm::Value *a = i == 1 ? cx.input(0) : cx.output();
      const TensorType &aType = i == 1 ? cx.inputType(0) : out;
      emitBinary(cx, a, aType, cx.input(i), cx.inputType(i), out, sample);
    }
    if (average_)
      cx.call("kiln_scale", {cx.output(), cx.batchTimes(sample), cx.f32(1.0f / float(cx.inputCount()))});
    lowerMergeMask(cx);
  }

private:
  // Per-sample strides of `t` seen through the output's axes (0 where it broadcasts).
  static std::vector<Dim> broadcastStrides(const TensorType &t, const TensorType &out) {
    size_t rank = out.dims.size() - 1, own = t.dims.size() - 1;
    std::vector<Dim> strides(rank, 0);
    Dim stride = 1;
    for (size_t a = 0; a < own; ++a) {
      size_t axis = own - 1 - a;  // from the last axis backwards
      if (!(t.dims[axis + 1] == 1)) strides[rank - 1 - a] = stride;
      stride = mul(stride, t.dims[axis + 1]);
    }
    return strides;
  }

  // Equal sizes (proven, or checked at run time) need no broadcasting.
  static bool sameSizes(const TensorType &t, const TensorType &out) {
    if (t.rank() != out.rank()) return false;
    for (int a = 1; a < t.rank(); ++a)
      if (!(t.dims[a] == out.dims[a]) && (t.dims[a] == 1 || out.dims[a] == 1)) return false;
    return true;
  }

  void emitBinary(LowerContext &cx, llvm::Value *a, const TensorType &aType, llvm::Value *b, const TensorType &bType,
                  const TensorType &out, const Dim &sample) const {
    if (sameSizes(aType, out) && sameSizes(bType, out)) {
      cx.call("kiln_binary", {cx.output(), a, b, cx.batchTimes(sample), cx.i32(op_)});
      return;
    }
    std::vector<Dim> dims(out.dims.begin() + 1, out.dims.end());
    cx.call("kiln_binary_broadcast",
            {cx.output(), a, b, cx.batch(), cx.i64(int64_t(dims.size())), cx.ints("dims", dims),
             cx.ints("a_strides", broadcastStrides(aType, out)), cx.ints("b_strides", broadcastStrides(bType, out)),
             cx.i64(aType.sampleSize()), cx.i64(bType.sampleSize()), cx.i64(sample), cx.i32(op_)});
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
