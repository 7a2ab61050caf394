// The random image augmentation layers: they transform images only while
// training (Keras calls them with training=False in predict), so at
// inference each passes its input through and the graph passes remove it.
#include "layers/IdentityAtInference.h"
#include "layers/spatial/SpatialCommon.h"

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

}  // namespace

KILN_REGISTER_LAYER(RandomFlipKind)
KILN_REGISTER_LAYER(RandomRotationKind)
KILN_REGISTER_LAYER(RandomZoomKind)
KILN_REGISTER_LAYER(RandomTranslationKind)
KILN_REGISTER_LAYER(RandomContrastKind)
KILN_REGISTER_LAYER(RandomBrightnessKind)

}  // namespace kiln
