// The random image augmentation layers: they transform images only while
// training (Keras calls them with training=False in predict), so at
// inference each passes its input through and the graph passes remove it.
#include "layers/IdentityAtInference.h"
#include "layers/spatial/SpatialCommon.h"

#include <deque>

namespace kiln {
namespace {

// The arguments of the geometric augmentations after their factors.
std::vector<ArgSpec> withFillArgs(std::vector<ArgSpec> leading) {
  for (const char *name : {"fill_mode", "interpolation", "seed", "fill_value"})
    leading.push_back(arg(name, ArgType::TrainingOnly, Value::none()));
  return leading;
}

// Keras 3's augmentations also take data_format (tf.keras 2's are
// channels_last); it only says which axes they transform while training.
class AugmentationKind : public IdentityAtInferenceKind {
public:
  AugmentationKind(std::string className, std::vector<ArgSpec> args, std::string what)
      : IdentityAtInferenceKind(std::move(className), withDataFormat(std::move(args)),
                                what + " while training; identity at inference") {}
  bool transposesChannelsFirst(const Layer &) const override { return false; }

private:
  static std::vector<ArgSpec> withDataFormat(std::vector<ArgSpec> args) {
    args.push_back(dataFormatArg("channels_last"));
    return args;
  }
};

struct RandomFlipKind : AugmentationKind {
  RandomFlipKind()
      : AugmentationKind("RandomFlip",
                         {choice("mode", {"horizontal", "vertical", "horizontal_and_vertical"}, "horizontal_and_vertical"),
                          arg("seed", ArgType::TrainingOnly, Value::none())},
                         "flips images at random") {}
};
struct RandomRotationKind : AugmentationKind {
  RandomRotationKind()
      : AugmentationKind("RandomRotation", withFillArgs({arg("factor", ArgType::Any)}), "rotates images at random") {}
};
struct RandomZoomKind : AugmentationKind {
  RandomZoomKind()
      : AugmentationKind("RandomZoom",
                         withFillArgs({arg("height_factor", ArgType::Any), arg("width_factor", ArgType::Any, Value::none())}),
                         "zooms images at random") {}
};
struct RandomTranslationKind : AugmentationKind {
  RandomTranslationKind()
      : AugmentationKind("RandomTranslation",
                         withFillArgs({arg("height_factor", ArgType::Any), arg("width_factor", ArgType::Any)}),
                         "shifts images at random") {}
};
struct RandomContrastKind : AugmentationKind {
  RandomContrastKind()
      : AugmentationKind("RandomContrast",
                         {arg("factor", ArgType::Any), arg("seed", ArgType::TrainingOnly, Value::none()),
                          arg("value_range", ArgType::TrainingOnly, Value::none())},  // Keras 3's
                         "changes the contrast of images at random") {}
};
struct RandomBrightnessKind : AugmentationKind {
  RandomBrightnessKind()
      : AugmentationKind("RandomBrightness",
                         {arg("factor", ArgType::Any), arg("value_range", ArgType::TrainingOnly, Value::none()),
                          arg("seed", ArgType::TrainingOnly, Value::none())},
                         "changes the brightness of images at random") {}
};

// Keras 3's later augmentations (3.5 to 3.15), all training-only: in
// Keras 3.15 each one's output in predict is its input. Their arguments in
// Keras's order, all optional here (the saved configs of some leave out
// `factor`, which only training reads).
struct LaterAugmentation {
  const char *name;
  std::vector<const char *> args;
  const char *what;
};

const std::vector<LaterAugmentation> &laterAugmentations() {
  static const std::vector<LaterAugmentation> table = {
      {"AugMix", {"value_range", "num_chains", "chain_depth", "factor", "alpha", "all_ops", "interpolation", "seed"},
       "mixes chains of random augmentations"},
      {"CutMix", {"factor", "seed"}, "pastes patches between images at random"},
      {"MixUp", {"alpha", "seed"}, "blends pairs of images at random"},
      {"RandAugment", {"value_range", "num_ops", "factor", "interpolation", "seed"},
       "applies random augmentations"},
      {"RandomColorDegeneration", {"factor", "value_range", "seed"}, "blends images with their grayscale"},
      {"RandomColorJitter",
       {"value_range", "brightness_factor", "contrast_factor", "saturation_factor", "hue_factor", "seed"},
       "jitters brightness, contrast, saturation and hue at random"},
      {"RandomElasticTransform", {"factor", "scale", "interpolation", "fill_mode", "fill_value", "value_range", "seed"},
       "distorts images elastically at random"},
      {"RandomErasing", {"factor", "scale", "fill_value", "value_range", "seed"}, "erases patches at random"},
      {"RandomGaussianBlur", {"factor", "kernel_size", "sigma", "value_range", "seed"}, "blurs images at random"},
      {"RandomGrayscale", {"factor", "seed"}, "turns images gray at random"},
      {"RandomHue", {"factor", "value_range", "seed"}, "shifts hues at random"},
      {"RandomInvert", {"factor", "value_range", "seed"}, "inverts images at random"},
      {"RandomPerspective", {"factor", "scale", "interpolation", "fill_value", "seed"},
       "warps perspectives at random"},
      {"RandomPosterization", {"factor", "value_range", "seed"}, "reduces color bits at random"},
      {"RandomSaturation", {"factor", "value_range", "seed"}, "changes saturation at random"},
      {"RandomSharpness", {"factor", "value_range", "seed"}, "changes sharpness at random"},
      {"RandomShear", {"x_factor", "y_factor", "interpolation", "fill_mode", "fill_value", "seed"},
       "shears images at random"},
      {"Solarization", {"addition_factor", "threshold_factor", "value_range", "seed"},
       "solarizes images at random"},
  };
  return table;
}

const bool registeredLaterAugmentations = [] {
  static std::deque<AugmentationKind> kinds;
  for (const LaterAugmentation &a : laterAugmentations()) {
    std::vector<ArgSpec> args;
    for (const char *name : a.args) args.push_back(arg(name, ArgType::TrainingOnly, Value::none()));
    LayerRegistry::instance().add(&kinds.emplace_back(a.name, std::move(args), a.what));
  }
  return true;
}();

}  // namespace

KILN_REGISTER_LAYER(RandomFlipKind)
KILN_REGISTER_LAYER(RandomRotationKind)
KILN_REGISTER_LAYER(RandomZoomKind)
KILN_REGISTER_LAYER(RandomTranslationKind)
KILN_REGISTER_LAYER(RandomContrastKind)
KILN_REGISTER_LAYER(RandomBrightnessKind)

}  // namespace kiln
