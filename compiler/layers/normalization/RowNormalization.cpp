// Normalizations of each row of the last axis by one number:
// UnitNormalization (Keras 2.9+, Keras 3) divides it by its L2 norm;
// RMSNormalization (Keras 3.9+) by its root mean square, then scales it.
#include "codegen/LowerContext.h"
#include "layers/LayerKind.h"

namespace kiln {
namespace {

class RowNormalizationKind : public LayerKind {
public:
  RowNormalizationKind(std::string className, std::vector<ArgSpec> args, std::string summary, bool unit)
      : LayerKind(std::move(className), std::move(args), std::move(summary)), unit_(unit) {}

  bool supportsMasking() const override { return true; }
  bool supportsOpenAxes() const override { return true; }

  void inferShapes(ShapeContext &cx) const override {
    const TensorType &in = cx.input();
    const Value &axis = cx.config().get("axis");
    std::vector<int64_t> axes = axis.is(ValueKind::Int) ? std::vector<int64_t>{axis.integer} : cx.config().ints("axis");
    if (in.rank() < 2 || axes.size() != 1 || (axes[0] != -1 && axes[0] != in.rank() - 1)) {
      cx.error(DiagID::err_unsupported_argument_value, cx.layer().describe(),
               "axis=" + repr(axis) + " on " + shapeString(in) + " (Kiln normalizes the last axis)");
      return;
    }
    if (!cx.requireConstant(0, in.rank() - 1, "the normalized axis")) return;
    if (!unit_) cx.weights.push_back({"scale", {in.dims.back().value()}, "=ones", true});
    cx.outputs = {in};
  }

  void lower(LowerContext &cx) const override {
    const TensorType &t = cx.inputType();
    Dim rows = product(std::vector<Dim>(t.dims.begin() + 1, t.dims.end() - 1));
    // tf.keras 2's l2_normalize floors the sum of squares at 1e-12; Keras 3
    // caps the inverse norm at 1e12 (a floor of 1e-24).
    float epsilon = unit_ ? (cx.kerasVersion() == KerasVersion::V3 ? 1e-24f : 1e-12f)
                          : float(cx.config().real("epsilon"));
    llvm::Value *scale = unit_ ? cx.null() : cx.constant("scale", cx.weight("scale"));
    cx.call("kiln_rms_norm", {cx.output(), cx.input(), scale, cx.batchTimes(rows), cx.i64(t.dims.back().value()),
                              cx.f32(epsilon), cx.i32(unit_)});
  }

private:
  bool unit_;
};

class UnitNormalizationKind : public RowNormalizationKind {
public:
  UnitNormalizationKind()
      : RowNormalizationKind("UnitNormalization", {arg("axis", ArgType::AxisList, Value::ofInt(-1))},
                             "divides each vector of the last axis by its L2 norm", true) {}
};

class RMSNormalizationKind : public RowNormalizationKind {
public:
  RMSNormalizationKind()
      : RowNormalizationKind("RMSNormalization",
                             {arg("axis", ArgType::AxisList, Value::ofInt(-1)),
                              arg("epsilon", ArgType::Float, Value::ofFloat(1e-6))},
                             "divides each vector of the last axis by its root mean square, then scales it", false) {}
};

}  // namespace

KILN_REGISTER_LAYER(UnitNormalizationKind)
KILN_REGISTER_LAYER(RMSNormalizationKind)

}  // namespace kiln
