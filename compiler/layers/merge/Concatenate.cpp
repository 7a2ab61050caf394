// Concatenate: joins a list of tensors along one axis; every other axis must
// agree.
#include "codegen/LowerContext.h"
#include "layers/LayerKind.h"

namespace kiln {
namespace {

class ConcatenateKind : public LayerKind {
public:
  ConcatenateKind()
      : LayerKind("Concatenate", {arg("axis", ArgType::Axis, Value::ofInt(-1))},
                  "joins tensors along an axis") {}

  InputArity inputArity() const override { return {1, -1, true}; }

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
    TensorType out = cx.input(0);
    for (size_t i = 1; i < cx.inputs().size(); ++i) {
      const TensorType &t = cx.input(i);
      for (int a = 1; a < rank; ++a) {
        if (a == axis || t.dims[a] == out.dims[a]) continue;
        std::string shapes;
        for (const TensorType &s : cx.inputs()) shapes += (shapes.empty() ? "" : ", ") + shapeString(s);
        cx.error(DiagID::err_shape_mismatch, cx.layer().describe(),
                 "inputs must match on every axis except the concatenation axis " + std::to_string(axis) +
                     ", but axis " + std::to_string(a) + " differs: " + shapes);
        return;
      }
      out.dims[axis] = out.dims[axis] == kNone || t.dims[axis] == kNone ? kNone : out.dims[axis] + t.dims[axis];
    }
    cx.outputs = {out};
  }

  void lower(LowerContext &cx) const override {
    const TensorType &out = cx.outputType();
    int64_t axis = cx.config().integer("axis");
    if (axis < 0) axis += out.rank();
    // Rows: everything before the axis; each input contributes a chunk per row.
    int64_t outerPerSample = 1, row = 1;
    for (int a = 1; a < axis; ++a) outerPerSample *= out.dims[a];
    for (int a = axis; a < out.rank(); ++a) row *= out.dims[a];
    int64_t offset = 0;
    for (size_t i = 0; i < cx.inputCount(); ++i) {
      int64_t chunk = cx.inputType(i).sampleElements() / outerPerSample;
      cx.call("kiln_concat_part",
              {cx.output(), cx.input(i), cx.batchTimes(outerPerSample), cx.i64(chunk), cx.i64(row), cx.i64(offset)});
      offset += chunk;
    }
  }
};

}  // namespace

KILN_REGISTER_LAYER(ConcatenateKind)

}  // namespace kiln
