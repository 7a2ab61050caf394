// keras.applications model constructors: VGG16 and VGG19, built layer by
// layer with Keras's layer names so that trained weights map onto them.
#include "sema/Evaluator.h"

#include "layers/LayerKind.h"

namespace kiln {

namespace {

CallArgument keyword(const char *name, Value v) { return {name, {}, std::move(v)}; }

}  // namespace

Value Evaluator::makeVGG(const Builtin &builtin, CallSite &call) {
  static const std::vector<ArgSpec> specs = {
      arg("include_top", ArgType::Bool, Value::ofBool(true)),
      arg("weights", ArgType::Any, Value::ofStr("imagenet")),
      arg("input_tensor", ArgType::Any, Value::none()),
      arg("input_shape", ArgType::Shape, Value::none()),
      choice("pooling", {"avg", "max"}, ""),
      arg("classes", ArgType::PositiveInt, Value::ofInt(1000)),
      arg("classifier_activation", ArgType::Activation, Value::ofStr("softmax")),
  };
  std::vector<ArgSpec> withPooling = specs;
  withPooling[4] = arg("pooling", ArgType::Any, Value::none());
  LayerConfig config;
  const std::string &name = builtin.name;
  if (!bindArguments(withPooling, {}, call, name, diags_, config)) return Value::error(call.range);

  // Keras downloads 'imagenet' or loads a path; Kiln takes either file from
  // --weights, where it binds by layer name as Keras's save_weights layout.
  const Value &weights = config.get("weights");
  if (!weights.is(ValueKind::None) && !weights.is(ValueKind::Str)) {
    diags_.report(DiagID::err_argument_value, weights.range.valid() ? weights.range : call.range, "weights", name,
                  "must be None, 'imagenet' or the path of a weights file");
    return Value::error(call.range);
  }
  if (weights.is(ValueKind::Str)) {
    std::string file;
    if (weights.text == "imagenet") {
      std::string lower = name == "VGG16" ? "vgg16" : "vgg19";
      file = ", such as Keras's " + lower + "_weights_tf_dim_ordering_tf_kernels" +
             (config.flag("include_top") ? "" : "_notop") + ".h5";
    }
    diags_.report(DiagID::note_application_weights, weights.range.valid() ? weights.range : call.range, name,
                  repr(weights), file);
  }
  const Value &pooling = config.get("pooling");
  if (!pooling.is(ValueKind::None) && !(pooling.is(ValueKind::Str) && (pooling.text == "avg" || pooling.text == "max"))) {
    diags_.report(DiagID::err_argument_value, pooling.range, "pooling", name, "must be None, 'avg' or 'max'");
    return Value::error(call.range);
  }
  bool top = config.flag("include_top");

  // The input: input_tensor, else Input(shape=input_shape), as Keras's
  // obtain_input_shape decides it.
  Tensor *input = nullptr;
  const Value &inputTensor = config.get("input_tensor");
  if (inputTensor.is(ValueKind::Tensor)) {
    input = inputTensor.tensor;
  } else if (!inputTensor.is(ValueKind::None)) {
    diags_.report(DiagID::err_argument_type, inputTensor.range, "input_tensor", name, "a tensor", describe(inputTensor));
    return Value::error(call.range);
  } else {
    std::vector<int64_t> shape = {224, 224, 3};
    if (!config.isNone("input_shape")) {
      shape = config.ints("input_shape");
      bool ok = shape.size() == 3 && shape[2] != kNone;
      for (size_t i = 0; ok && i < 2; ++i) ok = shape[i] == kNone || shape[i] >= 32;
      if (!ok) {
        diags_.report(DiagID::err_argument_value, config.get("input_shape").range, "input_shape", name,
                      "must be (height, width, channels) with height and width at least 32, got " +
                          shapeString(shape));
        return Value::error(call.range);
      }
    } else if (!top) {
      shape = {kNone, kNone, 3};
    }
    TensorType type{DType::Float32, {kNone}};
    type.dims.insert(type.dims.end(), shape.begin(), shape.end());
    input = newInputTensor(uniqueName("input", false), type, call.range, nullptr);
  }

  // Applies a new layer of `cls` built from `args`; null after reporting.
  Tensor *x = input;
  auto apply = [&](const char *cls, std::vector<CallArgument> args) {
    if (!x) return;
    CallSite construct{call.range, call.calleeRange, std::move(args)};
    Value layer = constructLayer(LayerRegistry::instance().find(cls), construct);
    Value out = layer.is(ValueKind::Layer) ? applyLayer(layer.layer, {x}, call.range, false) : Value::error();
    x = out.is(ValueKind::Tensor) ? out.tensor : nullptr;
  };
  const std::vector<std::pair<int, int>> blocks =
      builtin.name == "VGG19" ? std::vector<std::pair<int, int>>{{64, 2}, {128, 2}, {256, 4}, {512, 4}, {512, 4}}
                              : std::vector<std::pair<int, int>>{{64, 2}, {128, 2}, {256, 3}, {512, 3}, {512, 3}};
  for (size_t b = 0; b < blocks.size(); ++b) {
    for (int c = 0; c < blocks[b].second; ++c)
      apply("Conv2D", {{"", {}, Value::ofInt(blocks[b].first)},
                       {"", {}, Value::ofTuple({Value::ofInt(3), Value::ofInt(3)})},
                       keyword("activation", Value::ofStr("relu")), keyword("padding", Value::ofStr("same")),
                       keyword("name", Value::ofStr(fmt::format("block{}_conv{}", b + 1, c + 1)))});
    apply("MaxPooling2D", {keyword("pool_size", Value::ofTuple({Value::ofInt(2), Value::ofInt(2)})),
                           keyword("strides", Value::ofTuple({Value::ofInt(2), Value::ofInt(2)})),
                           keyword("name", Value::ofStr(fmt::format("block{}_pool", b + 1)))});
  }
  if (top) {
    apply("Flatten", {keyword("name", Value::ofStr("flatten"))});
    apply("Dense", {{"", {}, Value::ofInt(4096)}, keyword("activation", Value::ofStr("relu")),
                    keyword("name", Value::ofStr("fc1"))});
    apply("Dense", {{"", {}, Value::ofInt(4096)}, keyword("activation", Value::ofStr("relu")),
                    keyword("name", Value::ofStr("fc2"))});
    apply("Dense", {{"", {}, config.get("classes")}, keyword("activation", config.get("classifier_activation")),
                    keyword("name", Value::ofStr("predictions"))});
  } else if (pooling.is(ValueKind::Str)) {
    apply(pooling.text == "avg" ? "GlobalAveragePooling2D" : "GlobalMaxPooling2D", {});
  }
  if (!x) return Value::error(call.range);

  std::string modelName = builtin.name == "VGG19" ? "vgg19" : "vgg16";
  Model *model = graph_.newModel(modelName, false, call.range);
  model->inputs = {input};
  model->outputs = {x};
  if (!collectModelLayers(model, call.range)) return Value::error(call.range);
  models_.push_back({"", model});
  return Value::ofModel(model, call.range);
}

}  // namespace kiln
