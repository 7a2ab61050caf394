// Image resizing in tensor math: tf.image.resize (TensorFlow 2: half-pixel
// centres), TensorFlow 1's tf.compat.v1.image.resize, resize_images,
// resize_bilinear, resize_nearest_neighbor and resize_area (the asymmetric
// sampling unless align_corners or half_pixel_centers), keras.ops.image.resize
// and K.resize_images (by integer factors). Inside a Lambda or a custom
// layer's call() it is traced; on a model's tensor it is a layer of its own,
// named as Keras names the function's layer.
#include "sema/Evaluator.h"

#include "graph/TensorProgram.h"
#include "kernels/KernelABI.h"

namespace kiln {

Value Evaluator::resizeImages(const Builtin &builtin, CallSite &call, const std::string &what) {
  SourceRange r = call.range;
  const std::string &name = builtin.name;
  const bool backend = builtin.detail == "keras.backend", keras = builtin.detail == "keras.ops.image";
  // TensorFlow 1's functions, also where TensorFlow 2 keeps them (tf.compat.v1.image).
  const bool v1 = builtin.detail == "tensorflow.compat.v1.image" || name != "resize";
  auto fail = [&](SourceRange where, const std::string &why) {
    diags_.report(DiagID::err_tensor_op, where, what, why);
    return Value::error(r);
  };
  if ((backend && name != "resize_images") || (keras && name != "resize"))
    return fail(r, "is not one of the resize functions Kiln knows");
  // Parameters by position, as each function declares them.
  std::vector<std::string> order;
  if (backend) order = {"x", "height_factor", "width_factor", "data_format", "interpolation"};
  else if (keras) order = {"images", "size", "interpolation", "antialias", "crop_to_aspect_ratio", "pad_to_aspect_ratio",
                           "fill_mode", "fill_value", "data_format"};
  else if (name == "resize" || name == "resize_images")
    order = v1 ? std::vector<std::string>{"images", "size", "method", "align_corners", "preserve_aspect_ratio", "name"}
               : std::vector<std::string>{"images", "size", "method", "preserve_aspect_ratio", "antialias", "name"};
  else order = {"images", "size", "align_corners", "name", "half_pixel_centers"};
  std::map<std::string, const Value *> args;
  size_t next = 0;
  for (const CallArgument &a : call.args) {
    std::string key = a.keyword.empty() ? (next < order.size() ? order[next++] : "") : a.keyword;
    if (std::find(order.begin(), order.end(), key) == order.end() && key != "name")
      return fail(a.value.range, key.empty() ? "too many arguments" : "unknown argument '" + key + "'");
    args[key] = &a.value;
  }
  auto given = [&](const std::string &key) { return args.count(key) && !args[key]->is(ValueKind::None); };
  auto flag = [&](const std::string &key) { return given(key) && args[key]->is(ValueKind::Bool) && args[key]->boolean; };
  const Value *images = args.count(order[0]) ? args[order[0]] : nullptr;
  if (!images) {
    diags_.report(DiagID::err_missing_argument, r, what, order[0]);
    return Value::error(r);
  }
  size_t visited = 0;
  if (const Value *s = findSkipped(*images, &visited)) return unshaped(*s);  // on data: skipped with it
  if (!images->is(ValueKind::Tensor) && !images->is(ValueKind::Traced))
    return fail(images->range, "resizes a tensor of images, not " + describe(*images));
  std::vector<Dim> dims = images->is(ValueKind::Tensor) ? images->tensor->type.dims : std::vector<Dim>{};
  if (images->is(ValueKind::Traced))
    for (int64_t d : images->program->nodes[images->integer].dims) dims.push_back(Dim(d));
  if (dims.size() != 4 || !dims[1].known() || !dims[2].known())
    return fail(images->range, "takes images of shape (None, height, width, channels) with their height and width "
                               "known at build time, not " + shapeString(dims));

  // The output's size.
  int64_t height = 0, width = 0;
  if (backend) {
    const Value *h = given("height_factor") ? args["height_factor"] : nullptr;
    const Value *w = given("width_factor") ? args["width_factor"] : nullptr;
    if (!h || !w || !h->isInteger() || !w->isInteger() || h->asInt() < 1 || w->asInt() < 1)
      return fail(r, "takes height_factor and width_factor, positive integers");
    height = dims[1].value() * h->asInt(), width = dims[2].value() * w->asInt();
  } else {
    const Value *size = given("size") ? args["size"] : nullptr;
    if (!size || !size->isSequence() || size->items.size() != 2 || !size->items[0].isInteger() ||
        !size->items[1].isInteger())
      return fail(size ? size->range : r, "takes the size as two integers known at build time (new_height, new_width)");
    height = size->items[0].asInt(), width = size->items[1].asInt();
  }

  // How: the interpolation and where each output pixel samples.
  std::string method = backend ? "nearest" : "bilinear";
  const char *methodKey = keras || backend ? "interpolation" : "method";
  if (given(methodKey)) {
    const Value &m = *args[methodKey];
    static const char *const v1Methods[] = {"bilinear", "nearest", "bicubic", "area"};
    if (m.is(ValueKind::Str)) method = m.text;
    else if (v1 && m.isInteger() && m.asInt() >= 0 && m.asInt() < 4) method = v1Methods[m.asInt()];
    else return fail(m.range, "the method is a name such as 'bilinear', not " + describe(m));
  }
  if (name == "resize_nearest_neighbor") method = "nearest";
  if (name == "resize_area") method = "area";
  if (method == "nearest_neighbor") method = "nearest";
  using Interpolation = TensorProgram::Interpolation;
  std::optional<Interpolation> interpolation = method == "bilinear" ? std::optional(Interpolation::Bilinear)
                                               : method == "nearest" ? std::optional(Interpolation::Nearest)
                                               : method == "area"    ? std::optional(Interpolation::Area)
                                                                     : std::nullopt;
  if (!interpolation) return fail(r, "Kiln resizes with 'bilinear', 'nearest' and 'area', not '" + method + "'");
  for (const char *unsupported : {"preserve_aspect_ratio", "antialias", "crop_to_aspect_ratio", "pad_to_aspect_ratio"})
    if (flag(unsupported)) return fail(args[unsupported]->range, std::string(unsupported) + "=True is not supported");
  if (given("data_format") && !(args["data_format"]->is(ValueKind::Str) && args["data_format"]->text == "channels_last"))
    return fail(args["data_format"]->range, "Kiln resizes channels_last images");
  int64_t coordinates = abi::kResizeHalfPixel;
  if (v1 && !backend) {
    coordinates = flag("align_corners") ? abi::kResizeAlignCorners
                  : flag("half_pixel_centers") ? abi::kResizeHalfPixel
                                               : abi::kResizeAsymmetric;
    if (*interpolation == Interpolation::Area && coordinates == abi::kResizeAlignCorners)
      return fail(args["align_corners"]->range, "'area' with align_corners=True is not supported");
    if (*interpolation == Interpolation::Area) coordinates = abi::kResizeHalfPixel;  // area does not sample
  }

  Value x = *images;
  auto compute = [&] {
    std::string error;
    std::optional<int> result = trace_->resize(int(x.integer), height, width, *interpolation, coordinates, error);
    if (!result) return fail(r, error);
    return traced(*result, r);
  };
  if (x.is(ValueKind::Traced)) return compute();
  std::string keras2 = backend || keras ? "tf.image.resize" : "tf" + builtin.detail.substr(10) + "." + name;
  std::string layerName = given("name") && args["name"]->is(ValueKind::Str) ? args["name"]->text : "";
  std::optional<Value> layer = onModelTensors(keras2, name, {&x}, r, compute, layerName);
  return layer ? *layer : fail(r, "needs a model's tensor");
}

}  // namespace kiln
