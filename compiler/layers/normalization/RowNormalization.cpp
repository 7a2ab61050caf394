// Normalizations of each row of the given axes by one number:
// UnitNormalization (Keras 2.9+, Keras 3) divides it by its L2 norm;
// RMSNormalization (Keras 3.9+) by its root mean square, then scales it.
// Axes other than the last ones are moved last around it.
#include "codegen/LowerContext.h"
#include "layers/normalization/NormalizedAxes.h"

namespace kiln {
namespace {

class RowNormalizationKind : public AxisNormalizationKind {
public:
  RowNormalizationKind(std::string className, std::vector<ArgSpec> args, std::string summary, bool unit)
      : AxisNormalizationKind(std::move(className), std::move(args), std::move(summary)), unit_(unit) {}

  void inferShapes(ShapeContext &cx) const override {
    const TensorType &in = cx.input();
    std::optional<std::vector<int>> axes = checkedAxes(cx, "the normalized axes");
    if (!axes) return;
    // RMSNormalization's scale has an entry per element of the axes, which
    // Keras broadcasts against the input from the last axis.
    std::vector<int> written = normalizedAxes(cx.config(), in.rank());
    if (!unit_ && written.front() != in.rank() - int(written.size())) {
      cx.error(DiagID::err_unsupported_argument_value, cx.layer().describe(),
               "axis=" + repr(cx.config().get("axis")) + " on " + cx.shown(in) +
                   " (Keras multiplies by the scale from the last axis; Kiln normalizes the last axes)");
      return;
    }
    std::vector<int64_t> shape;
    for (int a : *axes) shape.push_back(in.dims[a].value());
    if (!unit_) cx.weights.push_back({"scale", shape, "=ones", true});
    cx.outputs = {in};
  }

  void lower(LowerContext &cx) const override {
    const TensorType &t = cx.inputType();  // the normalized axes last
    size_t split = t.rank() - normalizedAxes(cx.config(), t.rank()).size();
    Dim rows = product(std::vector<Dim>(t.dims.begin() + 1, t.dims.begin() + split));
    // tf.keras 2's l2_normalize floors the sum of squares at 1e-12; Keras 3
    // caps the inverse norm at 1e12 (a floor of 1e-24).
    float epsilon = unit_ ? (cx.kerasVersion() == KerasVersion::V3 ? 1e-24f : 1e-12f)
                          : float(cx.config().real("epsilon"));
    llvm::Value *scale = unit_ ? cx.null() : cx.constant("scale", cx.weight("scale"));
    cx.call("kiln_rms_norm", {cx.output(), cx.input(), scale, cx.batchTimes(rows),
                              cx.i64(product(t.dims, split).value()), cx.f32(epsilon), cx.i32(unit_)});
  }

private:
  bool unit_;
};

class UnitNormalizationKind : public RowNormalizationKind {
public:
  UnitNormalizationKind()
      : RowNormalizationKind("UnitNormalization", {arg("axis", ArgType::AxisList, Value::ofInt(-1))},
                             "divides each vector of the given axes by its L2 norm", true) {}
};

class RMSNormalizationKind : public RowNormalizationKind {
public:
  RMSNormalizationKind()
      : RowNormalizationKind("RMSNormalization",
                             {arg("axis", ArgType::AxisList, Value::ofInt(-1)),
                              arg("epsilon", ArgType::Float, Value::ofFloat(1e-6))},
                             "divides each vector of the given axes by its root mean square, then scales it", false) {}
};

}  // namespace

KILN_REGISTER_LAYER(UnitNormalizationKind)
KILN_REGISTER_LAYER(RMSNormalizationKind)

}  // namespace kiln
