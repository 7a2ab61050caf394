// GroupNormalization (Keras 2.11+, Keras 3): the channels split into
// `groups` runs, each normalized over every position of its sample (the
// mean and variance of positions x channels / groups values), then scaled by
// gamma and shifted by beta per channel. groups=-1 is instance normalization
// (a group per channel), groups=1 normalizes whole samples. Channels on
// another axis than the last (axis=1 after channels_first layers) are moved
// last around it. TensorFlow Addons' InstanceNormalization is its subclass
// with groups forced to -1 (tfa.layers, which also has GroupNormalization
// with Keras's arguments and defaults).
#include "codegen/LowerContext.h"
#include "layers/normalization/AffineArgs.h"
#include "layers/normalization/NormalizedAxes.h"

namespace kiln {
namespace {

class GroupNormalizationKind : public AxisNormalizationKind {
public:
  GroupNormalizationKind()
      : GroupNormalizationKind("GroupNormalization", 32,
                               "normalizes groups of channels over each sample's positions; groups=-1: instance "
                               "normalization") {}

protected:
  GroupNormalizationKind(const char *name, int64_t groups, const char *summary)
      : AxisNormalizationKind(name,
                              withAffineArgs({arg("groups", ArgType::Int, Value::ofInt(groups)),
                                              arg("axis", ArgType::Int, Value::ofInt(-1)),
                                              arg("epsilon", ArgType::Float, Value::ofFloat(0.001))}),
                              summary) {}
  virtual int64_t groupsOf(const LayerConfig &c, int64_t channels) const {
    return c.integer("groups") == -1 ? channels : c.integer("groups");
  }

public:

  void inferShapes(ShapeContext &cx) const override {
    const TensorType &in = cx.input();
    const LayerConfig &c = cx.config();
    std::optional<std::vector<int>> axes = checkedAxes(cx, "gamma and beta have an entry per channel");
    if (!axes) return;
    int64_t channels = in.dims.back().value();
    int64_t groups = groupsOf(c, channels);
    if (groups < 1 || groups > channels || channels % groups != 0) {
      cx.error(DiagID::err_shape_mismatch, cx.layer().describe(),
               "groups=" + std::to_string(c.integer("groups")) + " must divide the " + std::to_string(channels) +
                   " channels of its input " + cx.shown(in));
      return;
    }
    if (c.flag("scale")) cx.weights.push_back({"gamma", {channels}, "gamma_initializer", true});
    if (c.flag("center")) cx.weights.push_back({"beta", {channels}, "beta_initializer", true});
    cx.outputs = {in};
  }

  void lower(LowerContext &cx) const override {
    const TensorType &t = cx.inputType();  // channels last
    const LayerConfig &c = cx.config();
    int64_t channels = t.dims.back().value(), groups = groupsOf(c, channels);
    Dim positions = product(std::vector<Dim>(t.dims.begin() + 1, t.dims.end() - 1));
    llvm::Value *gamma = c.flag("scale") ? cx.constant("gamma", cx.weight("gamma")) : cx.null();
    llvm::Value *beta = c.flag("center") ? cx.constant("beta", cx.weight("beta")) : cx.null();
    cx.call("kiln_group_norm", {cx.output(), cx.input(), gamma, beta, cx.batch(), cx.dim(positions),
                                cx.i64(channels), cx.i64(groups), cx.f32(float(c.real("epsilon")))});
  }
};

// tfa.layers.InstanceNormalization: a group per channel whatever `groups` says.
class InstanceNormalizationKind : public GroupNormalizationKind {
public:
  InstanceNormalizationKind()
      : GroupNormalizationKind("InstanceNormalization", -1,
                               "TensorFlow Addons' instance normalization: each channel over its sample's positions") {}

protected:
  int64_t groupsOf(const LayerConfig &, int64_t channels) const override { return channels; }
};

}  // namespace

KILN_REGISTER_LAYER(GroupNormalizationKind)
KILN_REGISTER_LAYER(InstanceNormalizationKind)

}  // namespace kiln
