// The preprocessing layers that map values: Rescaling (x * scale + offset)
// and Normalization ((x - mean) / max(sqrt(variance), epsilon) along the
// kept axes, or its inverse). Both are two elementwise steps with constants
// broadcast over the input, evaluated in Keras's order.
#include "codegen/LowerContext.h"
#include "layers/LayerKind.h"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

namespace kiln {
namespace {

// The numbers of a scalar or a (nested) list or tuple, flattened.
bool flatNumbers(const Value &v, std::vector<float> &out) {
  if (v.isNumber()) {
    out.push_back(static_cast<float>(v.number()));
    return true;
  }
  if (!v.isSequence()) return false;
  for (const Value &item : v.items)
    if (!flatNumbers(item, out)) return false;
  return true;
}

// `values` spread over a constant of `shape` as NumPy broadcasts them: one
// value everywhere, a full set, or one value per index of the last axis.
std::optional<std::vector<float>> broadcastTo(const std::vector<float> &values, const std::vector<int64_t> &shape) {
  int64_t total = 1;
  for (int64_t d : shape) total *= d;
  int64_t last = shape.empty() ? 1 : shape.back();
  if (int64_t(values.size()) != 1 && int64_t(values.size()) != total && int64_t(values.size()) != last)
    return std::nullopt;
  std::vector<float> out(total);
  for (int64_t i = 0; i < total; ++i) out[i] = values[i % int64_t(values.size())];
  return out;
}

class RescalingKind : public LayerKind {
public:
  RescalingKind()
      : LayerKind("Rescaling", {arg("scale", ArgType::Any), arg("offset", ArgType::Any, Value::ofFloat(0.0))},
                  "x * scale + offset (a number, or one per channel)") {}

  bool checkConfig(DiagnosticEngine &diags, const Layer &layer) const override {
    bool ok = true;
    for (const char *name : {"scale", "offset"}) {
      std::vector<float> values;
      const Value &v = layer.config.get(name);
      if (!flatNumbers(v, values) || values.empty()) {
        diags.report(DiagID::err_argument_type, v.range, name, layer.describe(), "a number or a list of numbers",
                     describe(v));
        ok = false;
      }
    }
    return ok;
  }

  bool supportsOpenAxes() const override { return true; }
  bool supportsMaskingInKeras3() const override { return true; }  // Keras 2 drops the mask

  void inferShapes(ShapeContext &cx) const override {
    for (const char *name : {"scale", "offset"})
      if (values(cx.config(), name).size() > 1 &&
          !cx.requireConstant(0, -1, fmt::format("a list of {} values has one per channel", name)))
        return;
    for (const char *name : {"scale", "offset"})
      if (!constantShape(cx.config(), name, cx.input())) {
        cx.error(DiagID::err_shape_mismatch, cx.layer().describe(),
                 fmt::format("{} has {} values, which do not broadcast over {}", name, values(cx.config(), name).size(),
                             shapeString(cx.input())));
        return;
      }
    cx.outputs = {cx.input()};
  }

  void lower(LowerContext &cx) const override {
    const TensorType &in = cx.inputType();
    auto step = [&](const char *name, llvm::Value *from, abi::BinaryOp op) {
      std::vector<int64_t> shape = *constantShape(cx.config(), name, in);
      std::vector<float> data = *broadcastTo(values(cx.config(), name), shape);
      cx.binaryWithConstant(cx.output(), from, in, shape, cx.constant(name, data), op);
    };
    step("scale", cx.input(), abi::kMultiply);
    step("offset", cx.output(), abi::kAdd);
  }

private:
  static std::vector<float> values(const LayerConfig &config, const char *name) {
    std::vector<float> out;
    flatNumbers(config.get(name), out);
    return out;
  }
  // A number applies to every element; a list to the channels (last axis).
  static std::optional<std::vector<int64_t>> constantShape(const LayerConfig &config, const char *name,
                                                           const TensorType &in) {
    std::vector<int64_t> shape(in.dims.size() - 1, 1);
    size_t count = values(config, name).size();
    if (count == 1 || shape.empty()) return count == 1 ? std::optional(shape) : std::nullopt;
    if (int64_t(count) != in.dims.back()) return std::nullopt;
    shape.back() = in.dims.back();
    return shape;
  }
};

class NormalizationKind : public LayerKind {
public:
  NormalizationKind()
      : LayerKind("Normalization",
                  {arg("axis", ArgType::Any, Value::ofInt(-1)), arg("mean", ArgType::Any, Value::none()),
                   arg("variance", ArgType::Any, Value::none()), arg("invert", ArgType::Bool, Value::ofBool(false))},
                  "(x - mean) / sqrt(variance) per index of the kept axes, from arguments or adapted weights") {}

  bool checkConfig(DiagnosticEngine &diags, const Layer &layer) const override {
    // axis: an axis, a tuple of them, or None (one mean and variance for all).
    const Value &axis = layer.config.get("axis");
    bool axes = axis.is(ValueKind::None) || axis.is(ValueKind::Int) ||
                (axis.isSequence() && std::all_of(axis.items.begin(), axis.items.end(),
                                                   [](const Value &a) { return a.is(ValueKind::Int); }));
    if (!axes) {
      diags.report(DiagID::err_argument_type, axis.range, "axis", layer.describe(), "an axis, a tuple of axes or None",
                   describe(axis));
      return false;
    }
    const Value &mean = layer.config.get("mean"), &variance = layer.config.get("variance");
    if (mean.is(ValueKind::None) != variance.is(ValueKind::None)) {
      const Value &given = mean.is(ValueKind::None) ? variance : mean;
      diags.report(DiagID::err_model_arg, given.range,
                   layer.describe() + " takes both mean and variance, or neither (then they are weights)");
      return false;
    }
    bool ok = true;
    for (const Value *v : {&mean, &variance}) {
      std::vector<float> values;
      if (!v->is(ValueKind::None) && (!flatNumbers(*v, values) || values.empty())) {
        diags.report(DiagID::err_argument_type, v->range, v == &mean ? "mean" : "variance", layer.describe(),
                     "a number or a list of numbers", describe(*v));
        ok = false;
      }
    }
    return ok;
  }

  bool supportsOpenAxes() const override { return true; }
  bool supportsMaskingInKeras3() const override { return true; }  // Keras 2 drops the mask

  void inferShapes(ShapeContext &cx) const override {
    const TensorType &in = cx.input();
    std::vector<int64_t> kept = keptAxes(cx.config(), in.rank());
    std::vector<int64_t> shape;  // of the mean and variance: the kept axes' sizes
    for (int64_t axis : kept) {
      if (axis < 1 || axis >= in.rank()) {
        cx.error(DiagID::err_shape_mismatch, cx.layer().describe(),
                 fmt::format("axis {} is not a non-batch axis of {}", axis, shapeString(in)));
        return;
      }
      if (!cx.requireConstant(0, int(axis), "the mean and variance have an entry per index of the kept axes"))
        return;
      shape.push_back(in.dims[axis]);
    }
    if (cx.config().isNone("mean")) {
      cx.weights.push_back({"mean", shape, "=zeros", false});
      cx.weights.push_back({"variance", shape, "=ones", false});
      cx.weights.push_back({"count", {}, "=zeros", false});
    } else {
      for (const char *name : {"mean", "variance"}) {
        std::vector<float> values;
        flatNumbers(cx.config().get(name), values);
        if (!broadcastTo(values, shape)) {
          cx.error(DiagID::err_shape_mismatch, cx.layer().describe(),
                   fmt::format("{} has {} values, which do not broadcast to the kept axes' shape {}", name,
                               values.size(), shapeString(TensorType{DType::Float32, toDims(shape)})));
          return;
        }
      }
    }
    cx.outputs = {in};
  }

  void lower(LowerContext &cx) const override {
    const TensorType &in = cx.inputType();
    std::vector<int64_t> kept = keptAxes(cx.config(), in.rank());
    std::vector<int64_t> keptShape, shape(in.dims.size() - 1, 1);  // shape: broadcast over the sample
    for (int64_t axis : kept) {
      keptShape.push_back(in.dims[axis]);
      shape[axis - 1] = in.dims[axis];
    }
    auto parameter = [&](const char *name) {
      if (cx.config().isNone("mean")) return cx.weight(name);
      std::vector<float> values;
      flatNumbers(cx.config().get(name), values);
      return *broadcastTo(values, keptShape);
    };
    std::vector<float> mean = parameter("mean"), deviation = parameter("variance");
    // Keras: max(sqrt(variance), epsilon), in float32, with backend.epsilon() = 1e-7.
    for (float &d : deviation) d = std::max(std::sqrt(d), 1e-7f);
    llvm::Value *meanConstant = cx.constant("mean", mean), *deviationConstant = cx.constant("deviation", deviation);
    if (cx.config().flag("invert")) {  // mean + x * deviation
      cx.binaryWithConstant(cx.output(), cx.input(), in, shape, deviationConstant, abi::kMultiply);
      cx.binaryWithConstant(cx.output(), cx.output(), in, shape, meanConstant, abi::kAdd);
    } else {
      cx.binaryWithConstant(cx.output(), cx.input(), in, shape, meanConstant, abi::kSubtract);
      cx.binaryWithConstant(cx.output(), cx.output(), in, shape, deviationConstant, abi::kDivide);
    }
  }

private:
  // The axes with their own mean and variance, ascending; none for axis=None.
  static std::vector<int64_t> keptAxes(const LayerConfig &config, int rank) {
    if (config.isNone("axis")) return {};
    const Value &axis = config.get("axis");
    std::vector<int64_t> axes;
    if (axis.is(ValueKind::Int)) axes.push_back(axis.integer);
    else
      for (const Value &a : axis.items) axes.push_back(a.integer);
    for (int64_t &a : axes)
      if (a < 0) a += rank;
    std::sort(axes.begin(), axes.end());
    axes.erase(std::unique(axes.begin(), axes.end()), axes.end());
    return axes;
  }
};

}  // namespace

KILN_REGISTER_LAYER(RescalingKind)
KILN_REGISTER_LAYER(NormalizationKind)

}  // namespace kiln
