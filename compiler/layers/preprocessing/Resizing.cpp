// The preprocessing layers that resize or crop images (channels_last; Keras
// 3's data_format='channels_first' runs them between transposes, see
// channelsFirst in LayerKind.h) as tf.keras 2 runs them at inference: Resizing (tf.image.resize: 'bilinear',
// 'nearest', 'area'; crop_to_aspect_ratio uses smart_resize), CenterCrop
// (a centred window, or smart_resize when the image is smaller than the
// target) and RandomCrop (smart_resize at inference: it crops randomly only
// while training).
#include "layers/preprocessing/Resize.h"

#include "codegen/LowerContext.h"

#include <cmath>

namespace kiln {
namespace {

// keras.utils.smart_resize's crop: the largest centred window with the
// target's aspect ratio, computed in float32 as Keras does.
ResizeWindow aspectWindow(int64_t height, int64_t width, int64_t targetHeight, int64_t targetWidth) {
  ResizeWindow w;
  w.height = std::min<int64_t>(height, int64_t(float(width * targetHeight) / float(targetWidth)));
  w.width = std::min<int64_t>(width, int64_t(float(height * targetWidth) / float(targetHeight)));
  w.top = int64_t(float(height - w.height) / 2.0f);
  w.left = int64_t(float(width - w.width) / 2.0f);
  return w;
}

// One axis of a resize by taps (kiln_resize_taps): spans into index/weight.
struct Taps {
  std::vector<int64_t> spans, index;
  std::vector<float> weight;
};

// TF's ResizeNearestNeighbor: source floor((i + 0.5) * in / out) with
// half-pixel centres, floor(i * in / out) without, round(i * (in - 1) /
// (out - 1)) with corners aligned; clamped.
Taps nearestTaps(int64_t in, int64_t out, int64_t offset, abi::ResizeCoordinates coordinates) {
  Taps t;
  const bool corners = coordinates == abi::kResizeAlignCorners && out > 1;
  const float scale = corners ? float(in - 1) / float(out - 1) : float(in) / float(out);
  for (int64_t i = 0; i < out; ++i) {
    float at = coordinates == abi::kResizeHalfPixel ? (float(i) + 0.5f) * scale : float(i) * scale;
    int64_t src = std::min<int64_t>(int64_t(corners ? std::round(at) : std::floor(at)), in - 1);
    t.spans.insert(t.spans.end(), {int64_t(t.index.size()), int64_t(t.index.size()) + 1});
    t.index.push_back(std::max<int64_t>(src, 0) + offset);
    t.weight.push_back(1.0f);
  }
  return t;
}

// TF's ResizeArea: output cell i covers input [i * scale, (i + 1) * scale)
// with scale = in / out; each input cell weighs the part of it covered. The
// kernel multiplies the sum by 1 / (scaleH * scaleW).
Taps areaTaps(int64_t in, int64_t out, int64_t offset) {
  Taps t;
  const float scale = float(in) / float(out);
  for (int64_t i = 0; i < out; ++i) {
    const float from = float(i) * scale, to = float(i + 1) * scale;
    t.spans.push_back(int64_t(t.index.size()));
    for (int64_t k = int64_t(std::floor(from)); k < int64_t(std::ceil(to)); ++k) {
      float w = float(k) < from ? (float(k + 1) > to ? scale : float(k + 1) - from)
                                : (float(k + 1) > to ? to - float(k) : 1.0f);
      t.index.push_back(std::clamp<int64_t>(k, 0, in - 1) + offset);
      t.weight.push_back(w);
    }
    t.spans.push_back(int64_t(t.index.size()));
  }
  return t;
}

}  // namespace

void emitResize(LowerContext &cx, llvm::Value *out, llvm::Value *in, llvm::Value *batch, const Image &image,
                const ResizeWindow &window, int64_t outHeight, int64_t outWidth, const std::string &interpolation,
                abi::ResizeCoordinates coordinates) {
  if (interpolation == "bilinear") {
    cx.call("kiln_resize_bilinear",
            {out, in, batch, cx.i64(image.height), cx.i64(image.width), cx.i64(image.channels), cx.i64(window.top),
             cx.i64(window.left), cx.i64(window.height), cx.i64(window.width), cx.i64(outHeight), cx.i64(outWidth),
             cx.i64(coordinates)});
    return;
  }
  bool area = interpolation == "area";
  Taps rows = area ? areaTaps(window.height, outHeight, window.top)
                   : nearestTaps(window.height, outHeight, window.top, coordinates);
  Taps cols = area ? areaTaps(window.width, outWidth, window.left)
                   : nearestTaps(window.width, outWidth, window.left, coordinates);
  float scale = 1.0f;
  if (area) scale = float(1.0 / double(float(window.height) / float(outHeight) * (float(window.width) / float(outWidth))));
  cx.call("kiln_resize_taps",
          {out, in, batch, cx.i64(image.height), cx.i64(image.width), cx.i64(image.channels), cx.i64(outHeight),
           cx.i64(outWidth), cx.constantInts("row_spans", rows.spans), cx.constantInts("row_index", rows.index),
           cx.constant("row_weight", rows.weight), cx.constantInts("col_spans", cols.spans),
           cx.constantInts("col_index", cols.index), cx.constant("col_weight", cols.weight), cx.f32(scale)});
}

namespace {

// Resizes `window` of the layer's input to its output's size.
void lowerResize(LowerContext &cx, const ResizeWindow &window, const std::string &interpolation) {
  Image in = asImage(cx.inputType()), out = asImage(cx.outputType());
  emitResize(cx, cx.output(), cx.input(), cx.batch(), in, window, out.height.value(), out.width.value(), interpolation,
             abi::kResizeHalfPixel);
}

// What the three layers share: (height, width) arguments and the output shape.
class ImageSizeKind : public LayerKind {
public:
  using LayerKind::LayerKind;

  void inferShapes(ShapeContext &cx) const override {
    if (!requireSpatialInput(cx, 2)) return;
    TensorType out = cx.input();
    out.dims[1] = cx.config().integer("height");
    out.dims[2] = cx.config().integer("width");
    cx.outputs = {out};
  }

protected:
  static ArgSpec heightArg() { return arg("height", ArgType::PositiveInt); }
  static ArgSpec widthArg() { return arg("width", ArgType::PositiveInt); }
  // smart_resize of the whole input to the output size.
  static void lowerSmartResize(LowerContext &cx, const std::string &interpolation) {
    Image in = asImage(cx.inputType()), out = asImage(cx.outputType());
    lowerResize(cx, aspectWindow(in.height, in.width, out.height, out.width), interpolation);
  }
};

class ResizingKind : public ImageSizeKind {
public:
  ResizingKind()
      : ImageSizeKind("Resizing",
                      {heightArg(), widthArg(),
                       choice("interpolation",
                              {"bilinear", "nearest", "area", "bicubic", "lanczos3", "lanczos5", "gaussian",
                               "mitchellcubic"},
                              "bilinear"),
                       arg("crop_to_aspect_ratio", ArgType::Bool, Value::ofBool(false)),
                       // Keras 3's: the padding's fill matters only with pad_to_aspect_ratio.
                       arg("pad_to_aspect_ratio", ArgType::Bool, Value::ofBool(false)),
                       arg("fill_mode", ArgType::Str, Value::ofStr("constant")),
                       arg("fill_value", ArgType::Float, Value::ofFloat(0.0)),
                       arg("antialias", ArgType::Bool, Value::ofBool(false)), dataFormatArg("channels_last")},
                      "resizes images as tf.image.resize ('bilinear', 'nearest' or 'area')") {}

  bool checkConfig(DiagnosticEngine &diags, const Layer &layer) const override {
    bool ok = true;
    for (const char *name : {"pad_to_aspect_ratio", "antialias"})
      if (layer.config.flag(name)) {
        diags.report(DiagID::err_unsupported_argument_value, layer.config.get(name).range, layer.describe(),
                     std::string(name) + "=True");
        ok = false;
      }
    const Value &interpolation = layer.config.get("interpolation");
    if (interpolation.text == "bilinear" || interpolation.text == "nearest" || interpolation.text == "area") return ok;
    diags.report(DiagID::err_unsupported_argument_value, interpolation.range, layer.describe(),
                 "interpolation=" + repr(interpolation));
    return false;
  }

  void lower(LowerContext &cx) const override {
    const std::string &interpolation = cx.config().str("interpolation");
    if (cx.config().flag("crop_to_aspect_ratio")) return lowerSmartResize(cx, interpolation);
    Image in = asImage(cx.inputType());
    lowerResize(cx, {0, 0, in.height, in.width}, interpolation);
  }
};

class CenterCropKind : public ImageSizeKind {
public:
  CenterCropKind()
      : ImageSizeKind("CenterCrop", {heightArg(), widthArg(), dataFormatArg("channels_last")},
                      "crops the centre of each image; a smaller image is resized to cover the target") {}

  void lower(LowerContext &cx) const override {
    Image in = asImage(cx.inputType()), out = asImage(cx.outputType());
    if (in.height < out.height || in.width < out.width) return lowerSmartResize(cx, "bilinear");
    std::vector<WindowAxis> axes = windowAxes(cx.inputType(), cx.outputType());
    for (WindowAxis &a : axes) a.padBefore = -((a.in.value() - a.out.value()) / 2);
    cx.call("kiln_spatial_window",
            {cx.output(), cx.input(), cx.batch(), emitWindowGeometry(cx, axes, in.channels)});
  }
};

class RandomCropKind : public ImageSizeKind {
public:
  RandomCropKind()
      : ImageSizeKind("RandomCrop",
                      {heightArg(), widthArg(), arg("seed", ArgType::TrainingOnly, Value::none()),
                       dataFormatArg("channels_last")},
                      "crops randomly while training; at inference resizes as smart_resize (tf.keras 2)") {}

  void lower(LowerContext &cx) const override { lowerSmartResize(cx, "bilinear"); }
};

}  // namespace

KILN_REGISTER_LAYER(ResizingKind)
KILN_REGISTER_LAYER(CenterCropKind)
KILN_REGISTER_LAYER(RandomCropKind)

}  // namespace kiln
