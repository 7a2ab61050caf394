// Concatenate: joins a list of tensors along one axis; every other axis must
// agree. On the last axis the inputs' masks are combined (see MergeMask.h).
#include "codegen/LowerContext.h"
#include "layers/merge/MergeMask.h"

namespace kiln {
namespace {

class ConcatenateKind : public LayerKind {
public:
  ConcatenateKind()
      : LayerKind("Concatenate", {arg("axis", ArgType::Axis, Value::ofInt(-1))},
                  "joins tensors along an axis") {}

  InputArity inputArity() const override { return {1, -1, true}; }
  bool supportsOpenAxes() const override { return true; }
  bool readsMask() const override { return true; }  // combined into the output's
  // compute_mask: per input, ops.ones_like(input) where it has no mask, or
  // its mask broadcast to it (logical_or(expand_dims(mask), zeros_like(input)));
  // then ops.any(ops.concatenate(those), axis=-1).
  const Tensor *keras3Mask(const Node &node, size_t, MaskOps &ops) const override {
    std::vector<const Tensor *> masks;
    for (const Tensor *in : node.inputs) {
      const Tensor *mask = ops.mask(in);
      if (!mask) masks.push_back(ops.op({in}));
      else if (in->mask->type.rank() < in->type.rank()) masks.push_back(ops.op({ops.op({mask}), ops.op({in})}));
      else masks.push_back(mask);
    }
    return ops.op({ops.op(std::move(masks))});
  }

  void inferShapes(ShapeContext &cx) const override {
    int rank = cx.input(0).rank();
    for (size_t i = 1; i < cx.inputs().size(); ++i) {
      if (cx.input(i).rank() != rank) {
        cx.error(DiagID::err_shape_mismatch, cx.layer().describe(),
                 "cannot concatenate tensors of different ranks: " + shapeString(cx.input(0)) + " and " +
                     shapeString(cx.input(i)));
        return;
      }
    }
    int64_t axis = cx.config().integer("axis");
    if (axis < 0) axis += rank;
    if (axis <= 0 || axis >= rank) {
      cx.error(DiagID::err_shape_mismatch, cx.layer().describe(),
               "axis " + std::to_string(cx.config().integer("axis")) + " is " +
                   (axis == 0 ? "the batch axis" : "out of range for shape " + shapeString(cx.input(0))));
      return;
    }
    std::string shapes;
    for (const TensorType &s : cx.inputs()) shapes += (shapes.empty() ? "" : ", ") + shapeString(s);
    // Other axes equal: proven here, or checked when the model runs.
    TensorType out = cx.input(0);
    for (size_t i = 1; i < cx.inputs().size(); ++i) {
      const TensorType &t = cx.input(i);
      for (int a = 1; a < rank; ++a) {
        if (a == axis) continue;
        std::string what = "inputs must match on every axis except the concatenation axis " + std::to_string(axis) +
                           ", but axis " + std::to_string(a) + " differs: " + shapes;
        if (!cx.requireSameSize(out.dims[a], t.dims[a], what)) {
          cx.error(DiagID::err_shape_mismatch, cx.layer().describe(), what);
          return;
        }
        if (!out.dims[a].known()) out.dims[a] = t.dims[a];
      }
      out.dims[axis] = add(out.dims[axis], t.dims[axis]);
    }
    cx.outputs = {out};
    if (axis == rank - 1) inferMergeMask(cx, true);
    else concatenateMasks(cx, axis);
  }

  void lower(LowerContext &cx) const override {
    const TensorType &out = cx.outputType();
    int64_t axis = cx.config().integer("axis");
    if (axis < 0) axis += out.rank();
    // Rows: everything before the axis; each input contributes a chunk per row.
    Dim outerPerSample = product(std::vector<Dim>(out.dims.begin() + 1, out.dims.begin() + axis));
    Dim row = product(out.dims, axis), offset = 0;
    for (size_t i = 0; i < cx.inputCount(); ++i) {
      Dim chunk = product(cx.inputType(i).dims, axis);
      cx.call("kiln_concat_part",
              {cx.output(), cx.input(i), cx.batchTimes(outerPerSample), cx.i64(chunk), cx.i64(row), cx.i64(offset)});
      offset = add(offset, chunk);
    }
    if (axis == out.rank() - 1) {
      lowerMergeMask(cx);
      return;
    }
    if (!cx.hasOutputMask(0)) return;
    // The masks, one value per position of the leading axes, join as the data.
    Dim maskRow = product(leadingAxes(out), axis), maskOffset = 0;
    for (size_t i = 0; i < cx.inputCount(); ++i) {
      Dim chunk = product(leadingAxes(cx.inputType(i)), axis);
      cx.call("kiln_concat_part", {cx.outputMask(0), cx.inputMask(i), cx.batchTimes(outerPerSample), cx.i64(chunk),
                                   cx.i64(maskRow), cx.i64(maskOffset)});
      maskOffset = add(maskOffset, chunk);
    }
  }

private:
  // Along an axis before the last, Keras joins the inputs' masks the same
  // way (an input without one counting as all ones in Keras 3; tf.keras 2
  // fails to join them unless the last axis has size 1).
  static void concatenateMasks(ShapeContext &cx, int64_t axis) {
    bool some = false, all = true;
    for (size_t i = 0; i < cx.inputs().size(); ++i) {
      if (!cx.inputHasMask(i)) {
        all = false;
        continue;
      }
      if (cx.inputMaskType(i).dims != leadingAxes(cx.input(i))) return;
      some = true;
    }
    if (!some) return;
    if (!all) {
      cx.error(DiagID::err_unsupported_argument_value, cx.layer().describe(),
               "joining masked and unmasked inputs along axis " + std::to_string(axis));
      return;
    }
    cx.computeMask(0, TensorType{DType::Float32, leadingAxes(cx.outputs[0])});
  }
};

}  // namespace

KILN_REGISTER_LAYER(ConcatenateKind)

}  // namespace kiln
