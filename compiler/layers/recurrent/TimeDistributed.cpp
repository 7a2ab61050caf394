// TimeDistributed(layer): the wrapped layer applied to every timestep. It
// sees its input (batch, timesteps, ...) as (batch * timesteps, ...), the
// same bytes, so it is lowered unchanged with a batch `timesteps` times
// larger. As in Keras 2 the weights are the wrapper's
// (time_distributed/kernel). Masks as tf.keras 2.15 computes them: the
// wrapped layer gets the input's mask as (batch * timesteps, ...); the output
// mask is the one the wrapped layer gives (its input's, or one it computes),
// and where it gives none, the input's mask reduced with `any` to (batch,
// timesteps). A wrapped layer that does not support masking is an error in
// Keras 2; Keras 3 passes it no mask, computes none in the wrapped layer and
// keeps the input's (which recurrent layers reduce with `any` too).
//
// A wrapped model (the CNN of a CNN-LSTM) makes the wrapper a model inside
// (Evaluator::callTimeDistributedModel): its layers are inlined and run on
// batch * timesteps samples (graph/Program.cpp), and nothing here lowers it.
#include "codegen/LowerContext.h"
#include "layers/LayerKind.h"

namespace kiln {
namespace {

const Layer &wrappedLayer(const LayerConfig &c) { return *c.get("layer").layer; }

bool wrapsLayer(const Layer &layer) { return layer.config.get("layer").is(ValueKind::Layer); }

TensorType perStep(const TensorType &t) { return foldTimeAxis(t); }

class TimeDistributedKind : public LayerKind {
public:
  TimeDistributedKind()
      : LayerKind("TimeDistributed", {arg("layer", ArgType::Any)},
                  "applies `layer` to every timestep: (batch, timesteps, ...) as (batch * timesteps, ...)") {}

  bool checkConfig(DiagnosticEngine &diags, const Layer &layer) const override {
    const Value &inner = layer.config.get("layer");
    if (inner.is(ValueKind::Error)) return false;
    if (inner.is(ValueKind::Model)) return !inner.model->layer->invalid;
    if (!inner.is(ValueKind::Layer) || !inner.layer->kind || inner.layer->kind->className() == "InputLayer") {
      diags.report(DiagID::err_argument_type, inner.range, "layer", layer.describe(), "a layer", describe(inner));
      return false;
    }
    InputArity arity = inner.layer->kind->inputArity();
    if (arity.list || arity.min > 1) {
      diags.report(DiagID::err_unsupported_argument_value, inner.range, layer.describe(),
                   "wrapping " + inner.layer->describe() + ", which takes several inputs,");
      return false;
    }
    return !inner.layer->invalid;
  }

  bool supportsMasking() const override { return true; }
  bool readsMask() const override { return true; }
  bool callTakesMaskInKeras3() const override { return true; }
  // The time axis may be open; the wrapped layer's own rule decides the rest.
  bool supportsOpenAxes() const override { return true; }
  // Token ids are fine if the wrapped layer takes them (checked in inferShapes).
  bool acceptsIntegerInput() const override { return true; }
  // A channels_first wrapped layer: the transposes go around the wrapper,
  // with the channels one axis further in, behind the time axis.
  bool transposesChannelsFirst(const Layer &layer) const override {
    const Value &inner = layer.config.get("layer");
    return inner.is(ValueKind::Layer) && channelsFirst(*inner.layer);
  }
  std::vector<int> movedAxes(const Layer &layer, int rank) const override {
    if (!wrapsLayer(layer)) return LayerKind::movedAxes(layer, rank);
    const Layer &inner = wrappedLayer(layer.config);
    std::vector<int> axes = inner.kind->movedAxes(inner, rank - 1);
    for (int &a : axes) ++a;
    return axes;
  }
  const Layer &activationHost(const Layer &layer) const override {
    if (!wrapsLayer(layer)) return layer;
    const Layer &inner = wrappedLayer(layer.config);
    return inner.kind->activationHost(inner);
  }
  bool isIdentityAtInference(const Layer &layer) const override {
    if (!wrapsLayer(layer)) return false;
    const Layer &inner = wrappedLayer(layer.config);
    return inner.kind->isIdentityAtInference(inner);
  }

  void inferShapes(ShapeContext &cx) const override {
    const TensorType &in = cx.input();
    const Layer &inner = wrappedLayer(cx.config());
    if (in.rank() < 3) {
      cx.error(DiagID::err_time_distributed_rank, shapeString(in));
      return;
    }
    if (in.dtype == DType::Int32 && !inner.kind->acceptsIntegerInput()) {
      cx.error(DiagID::err_integer_input, inner.describe(), cx.shown(in));
      return;
    }
    bool keras2 = cx.kerasVersion() == KerasVersion::V2;
    std::optional<TensorType> mask;
    if (cx.inputHasMask()) mask = cx.inputMaskType(0);
    ShapeContext step = cx.wrapped(inner, {perStep(in)}, {mask ? std::optional(perStep(*mask)) : std::nullopt});
    step.infer(*inner.kind);
    if (step.failed()) return;
    if (step.outputs.size() != 1) {
      cx.error(DiagID::err_unsupported_argument_value, cx.layer().describe(),
               "wrapping " + inner.describe() + ", which has several outputs,");
      return;
    }
    ShapeContext::MaskKind innerMask = step.maskKind(0);
    bool computes = innerMask == ShapeContext::MaskKind::Computed;
    // Keras 2 asks the wrapped layer for its output mask (compute_mask),
    // which a layer without masking support refuses; Embedding and Masking
    // compute their own.
    if (mask && keras2 && !inner.kind->supportsMasking() && !computes) {
      cx.error(DiagID::err_time_distributed_mask, inner.describe(), cx.layer().describe(), shapeString(*mask));
      return;
    }
    cx.outputs = {unfoldTimeAxis(step.outputs[0], in)};
    cx.weights = step.weights;
    if (computes) {
      if (keras2) {
        cx.computeMask(0, unfoldTimeAxis(step.maskType(0), in));
      } else if (!mask) {
        cx.dropMask(0);  // Keras 3 passes the input's mask on, and there is none
      }
    } else if (mask && mask->rank() > 2 &&
               (innerMask == ShapeContext::MaskKind::None || !inner.kind->supportsMasking(cx.kerasVersion()))) {
      cx.computeMask(0, TensorType{DType::Float32, {in.dims[0], in.dims[1]}});
    }
    // Otherwise the output carries the input's mask (if any), as the wrapped
    // layer's, reshaped back, is.
  }

  Dim temporaryBytesPerSample(const Layer &layer, const std::vector<TensorType> &inputs,
                                  const std::vector<TensorType> &outputs) const override {
    const Layer &inner = wrappedLayer(layer.config);
    return mul(inputs[0].dims[1], inner.kind->temporaryBytesPerSample(inner, {perStep(inputs[0])}, {perStep(outputs[0])}));
  }
  Dim workspaceBytes(const Layer &layer, const std::vector<TensorType> &inputs,
                         const std::vector<TensorType> &outputs, const Algorithms &algorithms) const override {
    const Layer &inner = wrappedLayer(layer.config);
    return inner.kind->workspaceBytes(inner, {perStep(inputs[0])}, {perStep(outputs[0])}, algorithms);
  }

  void lower(LowerContext &cx) const override {
    // Named after the wrapper, whose weights its constants hold.
    Layer step = wrappedLayer(cx.config());
    step.name = cx.layer().name;
    // The output mask is the input's reduced over the steps (rank 2 from a
    // longer one) or the one the wrapped layer computes (rank 3 or more).
    bool reduces = cx.hasOutputMask() && cx.hasInputMask() && cx.outputMaskType().rank() == 2 &&
                   cx.inputMaskType().rank() > 2;
    LowerBindings b;
    b.layer = &step;
    b.weightLayer = cx.bindings().weightLayer;
    b.weightPrefix = cx.bindings().weightPrefix;
    b.inputs = {cx.input()};
    b.outputs = {cx.output()};
    b.inputTypes = {perStep(cx.inputType())};
    b.outputTypes = {perStep(cx.outputType())};
    if (cx.hasInputMask()) {
      b.inputMasks = {cx.inputMask()};
      b.inputMaskTypes = {perStep(cx.inputMaskType())};
    }
    if (cx.hasOutputMask() && !reduces) {
      b.outputMasks = {cx.outputMask()};
      b.outputMaskTypes = {perStep(cx.outputMaskType())};
    }
    b.batch = cx.batchTimes(cx.inputType().dims[1]);
    b.fusedActivation = cx.bindings().fusedActivation;
    b.temporary = cx.temporary();
    cx.lowerInner(std::move(b));
    if (reduces) {
      const TensorType &mask = cx.inputMaskType();
      cx.call("kiln_mask_any", {cx.outputMask(), cx.inputMask(), cx.batchTimes(mask.dims[1]),
                                cx.dim(product(mask.dims, 2))});
    }
  }
};

}  // namespace

KILN_REGISTER_LAYER(TimeDistributedKind)

}  // namespace kiln
