// Keras 1's Merge layer and merge() function: merge([a, b], mode='concat',
// concat_axis=-1) is the merge layer of that mode (Keras 2's Add, Multiply,
// Concatenate, Average, Maximum, Dot) with the Keras 1 arguments in its
// names. Merging models (Merge([left, right]) as a Sequential's first layer)
// and the modes 'cos' and a function are errors.
#include "layers/LayerKind.h"

#include <map>

namespace kiln {
namespace {

// The Keras 2 layer of each mode.
const LayerKind *modeKind(const LayerConfig &c) {
  static const std::map<std::string, std::string> modes = {{"sum", "Add"},   {"mul", "Multiply"}, {"concat", "Concatenate"},
                                                           {"ave", "Average"}, {"max", "Maximum"}, {"dot", "Dot"}};
  const Value &mode = c.get("mode");
  auto it = mode.is(ValueKind::Str) ? modes.find(mode.text) : modes.end();
  return it == modes.end() ? nullptr : LayerRegistry::instance().find(it->second);
}

class MergeKind : public LayerKind {
public:
  MergeKind()
      : LayerKind("Merge",
                  {arg("layers", ArgType::Any, Value::none()), arg("mode", ArgType::Any, Value::ofStr("sum")),
                   arg("concat_axis", ArgType::Axis, Value::ofInt(-1)), arg("dot_axes", ArgType::AxisList, Value::ofInt(-1)),
                   arg("output_shape", ArgType::Any, Value::none()), arg("output_mask", ArgType::Any, Value::none()),
                   arg("arguments", ArgType::Any, Value::none()), arg("node_indices", ArgType::Any, Value::none()),
                   arg("tensor_indices", ArgType::Any, Value::none()),
                   // How a saved Keras 1 config stores mode and output_shape: 'raw', or a function's.
                   arg("mode_type", ArgType::Any, Value::ofStr("raw")),
                   arg("output_shape_type", ArgType::Any, Value::ofStr("raw")),
                   arg("output_mask_type", ArgType::Any, Value::ofStr("raw"))},
                  "Keras 1's merge of a list of tensors by mode ('sum', 'mul', 'concat', 'ave', 'max', 'dot'): "
                  "that mode's layer") {}

  InputArity inputArity() const override { return {2, -1, true}; }
  const LayerKind *kindFor(const LayerConfig &c) const override {
    const LayerKind *kind = modeKind(c);
    return kind && c.isNone("layers") ? kind : this;
  }
  // The mode's layer reads its own names: Concatenate's axis, Dot's axes.
  void completeConfig(LayerConfig &c) const override {
    c.set("axis", c.get("concat_axis"), c.given("concat_axis"));
    c.set("axes", c.get("dot_axes"), c.given("dot_axes"));
    c.set("normalize", Value::ofBool(false), false);
  }
  bool checkConfig(DiagnosticEngine &diags, const Layer &layer) const override {
    const LayerConfig &c = layer.config;
    if (!c.isNone("layers")) {
      diags.report(DiagID::err_unsupported_argument_value, c.get("layers").range, layer.describe(),
                   "merging models or layers (Keras 1's Merge([left, right]) in a Sequential; with the functional "
                   "API: concatenate([left.output, right.output]))");
      return false;
    }
    const Value &mode = c.get("mode");
    diags.report(DiagID::err_argument_value, mode.range, "mode", layer.describe(),
                 "must be 'sum', 'mul', 'concat', 'ave', 'max' or 'dot' (Kiln does not compile 'cos' or a function), "
                 "got " + repr(mode));
    return false;
  }
  void inferShapes(ShapeContext &) const override {}
  void lower(LowerContext &) const override {}
};

}  // namespace

KILN_REGISTER_LAYER(MergeKind)

}  // namespace kiln
