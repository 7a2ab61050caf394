// BatchNormalization at inference: y = (x - moving_mean) / sqrt(moving_variance
// + epsilon) * gamma + beta along one axis. After a Dense or convolution the
// graph pass folds it into that layer's weights; elsewhere it is a
// per-channel scale and shift.
#include "codegen/LowerContext.h"
#include "layers/LayerKind.h"

#include <cmath>

namespace kiln {
namespace {

class BatchNormalizationKind : public LayerKind {
public:
  BatchNormalizationKind()
      : LayerKind("BatchNormalization",
                  {arg("axis", ArgType::Axis, Value::ofInt(-1)), arg("momentum", ArgType::Float, Value::ofFloat(0.99)),
                   arg("epsilon", ArgType::Float, Value::ofFloat(0.001)), arg("center", ArgType::Bool, Value::ofBool(true)),
                   arg("scale", ArgType::Bool, Value::ofBool(true)),
                   arg("beta_initializer", ArgType::Initializer, Value::ofStr("zeros")),
                   arg("gamma_initializer", ArgType::Initializer, Value::ofStr("ones")),
                   arg("moving_mean_initializer", ArgType::Initializer, Value::ofStr("zeros")),
                   arg("moving_variance_initializer", ArgType::Initializer, Value::ofStr("ones")),
                   arg("beta_regularizer", ArgType::TrainingOnly, Value::none()),
                   arg("gamma_regularizer", ArgType::TrainingOnly, Value::none()),
                   arg("beta_constraint", ArgType::TrainingOnly, Value::none()),
                   arg("gamma_constraint", ArgType::TrainingOnly, Value::none()),
                   arg("renorm", ArgType::TrainingOnly, Value::ofBool(false)),
                   arg("renorm_clipping", ArgType::TrainingOnly, Value::none()),
                   arg("renorm_momentum", ArgType::TrainingOnly, Value::ofFloat(0.99)),
                   arg("fused", ArgType::TrainingOnly, Value::none()),
                   arg("virtual_batch_size", ArgType::TrainingOnly, Value::none()),
                   arg("adjustment", ArgType::TrainingOnly, Value::none()),
                   arg("synchronized", ArgType::TrainingOnly, Value::ofBool(false))},
                  "normalizes with the moving mean and variance learned in training") {}

  std::vector<LegacyArg> legacyArgs() const override {
    return {{"beta_init", "beta_initializer"}, {"gamma_init", "gamma_initializer"}};
  }

  static int64_t axisOf(const LayerConfig &c, int rank) {
    int64_t axis = c.integer("axis");
    return axis < 0 ? axis + rank : axis;
  }

  bool supportsMasking() const override { return true; }
  bool callTakesMaskInKeras3() const override { return true; }
  bool supportsOpenAxes() const override { return true; }

  void inferShapes(ShapeContext &cx) const override {
    const TensorType &in = cx.input();
    int64_t axis = axisOf(cx.config(), in.rank());
    if (axis <= 0 || axis >= in.rank()) {
      cx.error(DiagID::err_shape_mismatch, cx.layer().describe(),
               "axis " + std::to_string(cx.config().integer("axis")) + " is not a non-batch axis of " +
                   shapeString(in));
      return;
    }
    if (!cx.requireConstant(0, int(axis), "the moving mean and variance have an entry per element of the axis"))
      return;
    std::vector<int64_t> shape{in.dims[axis]};
    if (cx.config().flag("scale")) cx.weights.push_back({"gamma", shape, "gamma_initializer", true});
    if (cx.config().flag("center")) cx.weights.push_back({"beta", shape, "beta_initializer", true});
    cx.weights.push_back({"moving_mean", shape, "moving_mean_initializer", false});
    cx.weights.push_back({"moving_variance", shape, "moving_variance_initializer", false});
    cx.outputs = {in};
  }

  // From the weights `values(name)` gives (null for one the layer lacks).
  template <typename Values>
  static ChannelAffine affine(const LayerConfig &config, Values values) {
    const std::vector<float> &mean = *values("moving_mean"), &variance = *values("moving_variance");
    const std::vector<float> *gamma = values("gamma"), *beta = values("beta");
    double epsilon = config.real("epsilon");
    ChannelAffine a;
    for (size_t c = 0; c < mean.size(); ++c) {
      // In double, then rounded once: the folded weights are as exact as float allows.
      double scale = (gamma ? (*gamma)[c] : 1.0) / std::sqrt(double(variance[c]) + epsilon);
      a.scale.push_back(float(scale));
      a.shift.push_back(float((beta ? (*beta)[c] : 0.0) - double(mean[c]) * scale));
    }
    return a;
  }

  std::optional<ChannelAffine> channelAffine(const Layer &layer, const TensorType &input, int axis) const override {
    if (axisOf(layer.config, input.rank()) != axis) return std::nullopt;
    return affine(layer.config, [&](const char *name) { return layer.weight(name); });
  }

  void lower(LowerContext &cx) const override {
    const TensorType &t = cx.inputType();
    int64_t axis = axisOf(cx.config(), t.rank());
    Dim outer = product(std::vector<Dim>(t.dims.begin() + 1, t.dims.begin() + axis)), inner = product(t.dims, axis + 1);
    // (Through the context: a wrapper's weights hold a wrapped layer's.)
    ChannelAffine a = affine(cx.config(), [&](const char *name) { return cx.findWeight(name); });
    cx.call("kiln_channel_affine", {cx.output(), cx.input(), cx.constant("scale", a.scale),
                                    cx.constant("shift", a.shift), cx.batchTimes(outer), cx.i64(t.dims[axis]),
                                    cx.i64(inner)});
  }
};

}  // namespace

KILN_REGISTER_LAYER(BatchNormalizationKind)

}  // namespace kiln
