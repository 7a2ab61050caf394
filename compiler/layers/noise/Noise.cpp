// Regularization layers that only act while training: SpatialDropout1D/2D/3D,
// GaussianNoise, GaussianDropout, AlphaDropout and ActivityRegularization
// (and Keras's Identity, which never acts) pass their input through
// unchanged at inference (Keras applies them only when training=True), so
// the graph passes remove them, as they remove Dropout.
#include "layers/IdentityAtInference.h"
#include "layers/spatial/SpatialCommon.h"

namespace kiln {
namespace {

// Drops whole channels while training; Keras requires the input rank.
class SpatialDropoutKind : public IdentityAtInferenceKind {
public:
  SpatialDropoutKind(std::string className, int spatialRank)
      : IdentityAtInferenceKind(std::move(className), argsFor(spatialRank),
                                "randomly zeroes whole channels while training; identity at inference"),
        spatialRank_(spatialRank) {}

  std::vector<LegacyArg> legacyArgs() const override { return {{"p", "rate"}}; }

  // data_format only says which axis holds the channels, which matters only
  // in training: both are accepted, and nothing moves.
  bool transposesChannelsFirst(const Layer &) const override { return false; }

  void inferShapes(ShapeContext &cx) const override {
    if (cx.requireRank(0, spatialRank_ + 2)) cx.outputs = {cx.input()};
  }

private:
  static std::vector<ArgSpec> argsFor(int spatialRank) {
    if (spatialRank == 1) return {arg("rate", ArgType::Rate)};
    return {arg("rate", ArgType::Rate), dataFormatArg()};
  }

  int spatialRank_;
};

class SpatialDropout1DKind : public SpatialDropoutKind {
public:
  SpatialDropout1DKind() : SpatialDropoutKind("SpatialDropout1D", 1) {}
};
class SpatialDropout2DKind : public SpatialDropoutKind {
public:
  SpatialDropout2DKind() : SpatialDropoutKind("SpatialDropout2D", 2) {}
};
class SpatialDropout3DKind : public SpatialDropoutKind {
public:
  SpatialDropout3DKind() : SpatialDropoutKind("SpatialDropout3D", 3) {}
};

class GaussianNoiseKind : public IdentityAtInferenceKind {
public:
  GaussianNoiseKind()
      : IdentityAtInferenceKind("GaussianNoise",
                                {arg("stddev", ArgType::Float), arg("seed", ArgType::TrainingOnly, Value::none())},
                                "adds zero-mean Gaussian noise while training; identity at inference") {}
  std::vector<LegacyArg> legacyArgs() const override { return {{"sigma", "stddev"}}; }
};

class GaussianDropoutKind : public IdentityAtInferenceKind {
public:
  GaussianDropoutKind()
      : IdentityAtInferenceKind("GaussianDropout",
                                {arg("rate", ArgType::Rate), arg("seed", ArgType::TrainingOnly, Value::none())},
                                "multiplies by Gaussian noise of mean 1 while training; identity at inference") {}
  std::vector<LegacyArg> legacyArgs() const override { return {{"p", "rate"}}; }
};

class AlphaDropoutKind : public IdentityAtInferenceKind {
public:
  AlphaDropoutKind()
      : IdentityAtInferenceKind("AlphaDropout",
                                {arg("rate", ArgType::Rate), arg("noise_shape", ArgType::TrainingOnly, Value::none()),
                                 arg("seed", ArgType::TrainingOnly, Value::none())},
                                "dropout that keeps SELU's mean and variance, while training; identity at inference") {}
};

// Adds an activity penalty to the training loss: nothing at inference.
class ActivityRegularizationKind : public IdentityAtInferenceKind {
public:
  ActivityRegularizationKind()
      : IdentityAtInferenceKind("ActivityRegularization",
                                {arg("l1", ArgType::Float, Value::ofFloat(0.0)), arg("l2", ArgType::Float, Value::ofFloat(0.0))},
                                "adds an L1/L2 penalty on its input to the training loss; identity at inference") {}
};

// Keras's placeholder layer (keras.layers.Identity): its input, always.
// tf.keras 2's drops the input's mask (it does not set supports_masking).
class IdentityKind : public IdentityAtInferenceKind {
public:
  IdentityKind() : IdentityAtInferenceKind("Identity", {}, "returns its input") {}
  bool supportsMasking() const override { return false; }
  bool supportsMaskingInKeras3() const override { return true; }
};

}  // namespace

KILN_REGISTER_LAYER(ActivityRegularizationKind)
KILN_REGISTER_LAYER(IdentityKind)
KILN_REGISTER_LAYER(SpatialDropout1DKind)
KILN_REGISTER_LAYER(SpatialDropout2DKind)
KILN_REGISTER_LAYER(SpatialDropout3DKind)
KILN_REGISTER_LAYER(GaussianNoiseKind)
KILN_REGISTER_LAYER(GaussianDropoutKind)
KILN_REGISTER_LAYER(AlphaDropoutKind)

}  // namespace kiln
