// Bidirectional(layer): a copy of the recurrent layer (an RNN or a ConvLSTM)
// run forwards ('forward_' + its name) and one with go_backwards flipped
// ('backward_' + its name, or the given backward_layer), merged. As Keras
// does: the backward output sequence, which is in processing order, is
// flipped back before merging; 'concat' joins the last axis as written (a
// channels_first ConvLSTM's width); with return_sequences both copies output
// 0 at masked steps (zero_output_for_mask); return_state gives [merged,
// forward states..., backward states...]. Weights are the wrapper's:
// bidirectional/forward_lstm/kernel.
#include "codegen/LowerContext.h"
#include "layers/recurrent/Recurrent.h"

#include <array>

namespace kiln {
namespace {

const SequenceLayerKind *recurrent(const Value &v) {
  return v.is(ValueKind::Layer) ? dynamic_cast<const SequenceLayerKind *>(v.layer->kind) : nullptr;
}

const Layer &wrappedLayer(const LayerConfig &c) { return *c.get("layer").layer; }

abi::MergeMode mergeMode(const LayerConfig &c) {
  const std::string &m = c.str("merge_mode");
  return m == "sum" ? abi::kMergeSum : m == "mul" ? abi::kMergeMul : m == "ave" ? abi::kMergeAve : abi::kMergeConcat;
}

// One direction: a copy of the wrapped layer as Keras makes it.
struct Direction {
  Layer layer;
  std::string weightPrefix;  // "forward_lstm/"
  const SequenceLayerKind *kind;
  size_t firstInput = 0, inputCount = 0;  // its initial states among the call's inputs
};

// The width of a recurrent direction's projected input (see
// RecurrentKind::projectionKernel).
int64_t projectionWidth(const Direction &d) {
  const auto &kind = dynamic_cast<const RecurrentKind &>(*d.kind);
  return abi::recurrentGateWidth(abi::recurrentGates(kind.cell(d.layer.config)), d.layer.config.integer("units"));
}

// `qualifier` prefixes the copies' names (their constants' names when lowering).
std::array<Direction, 2> directions(const LayerConfig &c, size_t callInputs, const std::string &qualifier) {
  const Layer &wrapped = *c.get("layer").layer;
  bool given = !c.isNone("backward_layer");
  const Layer &backward = given ? *c.get("backward_layer").layer : wrapped;
  std::array<Direction, 2> d{Direction{wrapped, "forward_" + wrapped.name + "/", recurrent(c.get("layer"))},
                             Direction{backward, "backward_" + backward.name + "/",
                                       given ? recurrent(c.get("backward_layer")) : recurrent(c.get("layer"))}};
  d[0].layer.name = qualifier + "forward_" + wrapped.name;
  d[1].layer.name = qualifier + "backward_" + backward.name;
  if (!given) d[1].layer.config.set("go_backwards", Value::ofBool(!wrapped.config.flag("go_backwards")), true);
  // Initial states: the forward layer's, then the backward layer's.
  size_t states = callInputs - 1;
  d[0].firstInput = 1, d[0].inputCount = states / 2;
  d[1].firstInput = 1 + states / 2, d[1].inputCount = states - states / 2;
  for (Direction &dir : d)
    dir.layer.config.set("zero_output_for_mask", Value::ofBool(dir.layer.config.flag("return_sequences")), true);
  return d;
}

template <class T>
std::vector<T> inputsOf(const Direction &d, const std::vector<T> &all) {
  std::vector<T> out = {all[0]};
  out.insert(out.end(), all.begin() + d.firstInput, all.begin() + d.firstInput + d.inputCount);
  return out;
}

class BidirectionalKind : public LayerKind {
public:
  BidirectionalKind()
      : LayerKind("Bidirectional",
                  {arg("layer", ArgType::Any), arg("merge_mode", ArgType::Any, Value::ofStr("concat")),
                   arg("weights", ArgType::Any, Value::none()), arg("backward_layer", ArgType::Any, Value::none())},
                  "runs a recurrent layer (an RNN or a ConvLSTM) forwards and backwards; merge_mode 'concat', "
                  "'sum', 'mul', 'ave' or None (two outputs)") {}

  std::vector<std::string> callTensorArguments() const override { return {"initial_state"}; }
  bool supportsMasking() const override { return true; }
  bool readsMask() const override { return true; }
  bool callTakesMaskInKeras3() const override { return true; }
  bool supportsOpenAxes() const override { return true; }
  // A channels_first ConvLSTM: the transposes go around the wrapper.
  bool transposesChannelsFirst(const Layer &layer) const override {
    const Value &inner = layer.config.get("layer");
    return inner.is(ValueKind::Layer) && channelsFirst(*inner.layer);
  }
  std::vector<int> movedAxes(const Layer &layer, int rank) const override {
    const Layer &inner = wrappedLayer(layer.config);
    return inner.kind->movedAxes(inner, rank);
  }

  std::string describeOutputs(const Layer &layer) const override {
    const LayerConfig &c = layer.config;
    std::array<Direction, 2> d = directions(c, 1, "");
    bool states = d[0].layer.config.flag("return_state");
    if (!c.isNone("merge_mode") && !states) return "one tensor, the merged output";
    std::string all = c.isNone("merge_mode") ? "[forward_output, backward_output" : "[output";
    if (states)
      for (int i = 0; i < 2; ++i)
        for (const std::string &state : d[i].kind->stateNames(d[i].layer.config))
          all += std::string(i == 0 ? ", forward_" : ", backward_") + (state == "state" ? "h" : state.substr(6));
    return all + "]";
  }

  bool checkConfig(DiagnosticEngine &diags, const Layer &layer) const override {
    const LayerConfig &c = layer.config;
    bool ok = true;
    for (const char *name : {"layer", "backward_layer"}) {
      const Value &v = c.get(name);
      if (v.is(ValueKind::Error) || (v.is(ValueKind::Layer) && v.layer->invalid)) return false;
      if (!recurrent(v) && !(v.is(ValueKind::None) && name[0] == 'b')) {
        diags.report(DiagID::err_bidirectional_layer, v.range, describe(v));
        ok = false;
      }
    }
    const Value &merge = c.get("merge_mode");
    bool knownMerge = merge.is(ValueKind::None) || (merge.is(ValueKind::Str) && (merge.text == "concat" ||
                                                   merge.text == "sum" || merge.text == "mul" || merge.text == "ave"));
    if (!knownMerge) {
      diags.report(DiagID::err_argument_value, merge.range, "merge_mode", layer.describe(),
                   "must be one of 'sum', 'mul', 'concat', 'ave' or None, got " + repr(merge));
      ok = false;
    }
    if (!c.isNone("weights")) {
      diags.report(DiagID::err_unsupported_argument_value, c.get("weights").range, layer.describe(),
                   "weights= (give trained weights with --weights)");
      ok = false;
    }
    if (!ok || c.isNone("backward_layer")) return ok;
    // Keras's checks of an explicit backward layer.
    const LayerConfig &f = c.get("layer").layer->config, &b = c.get("backward_layer").layer->config;
    std::string problem;
    if (f.flag("go_backwards") == b.flag("go_backwards"))
      problem = "must have a go_backwards different from the forward layer's";
    for (const char *same : {"return_sequences", "return_state"})
      if (f.flag(same) != b.flag(same)) problem = std::string("must have the forward layer's ") + same;
    if (channelsFirst(*c.get("layer").layer) != channelsFirst(*c.get("backward_layer").layer))
      problem = "must have the forward layer's data_format";
    if (!problem.empty()) {
      diags.report(DiagID::err_argument_value, c.get("backward_layer").range, "backward_layer", layer.describe(),
                   problem);
      return false;
    }
    return true;
  }

  void inferShapes(ShapeContext &cx) const override {
    const LayerConfig &c = cx.config();
    std::array<Direction, 2> d = directions(c, cx.inputs().size(), "");
    std::array<std::vector<TensorType>, 2> outputs;
    for (int i = 0; i < 2; ++i) {
      ShapeContext inner = cx.wrapped(d[i].layer, inputsOf(d[i], cx.inputs()));
      inner.infer(*d[i].kind);
      if (inner.failed()) return;
      outputs[i] = inner.outputs;
      for (WeightSpec w : inner.weights) {
        w.name = d[i].weightPrefix + w.name;
        cx.weights.push_back(std::move(w));
      }
    }
    TensorType y = outputs[0][0], backward = outputs[1][0];
    bool sequences = d[0].layer.config.flag("return_sequences");
    if (c.isNone("merge_mode")) {
      cx.outputs = {y, backward};
    } else if (mergeMode(c) == abi::kMergeConcat) {
      int axis = joinAxis(cx.layer(), y.rank());
      TensorType rest = y;
      rest.dims[axis] = backward.dims[axis];
      if (rest != backward) {
        cx.error(DiagID::err_shape_mismatch, cx.layer().describe(),
                 "merge_mode='concat' joins the last axis of outputs that match on the others, but the forward "
                 "layer gives " + cx.shown(y) + " and the backward layer " + cx.shown(backward));
        return;
      }
      y.dims[axis] = add(y.dims[axis], backward.dims[axis]);
      cx.outputs = {y};
    } else if (y == backward) {
      cx.outputs = {y};
    } else {
      cx.error(DiagID::err_shape_mismatch, cx.layer().describe(),
               "merge_mode='" + c.str("merge_mode") + "' needs outputs of one shape, but the forward layer gives " +
                   cx.shown(y) + " and the backward layer " + cx.shown(backward));
      return;
    }
    size_t merged = cx.outputs.size();
    for (int i = 0; i < 2; ++i) cx.outputs.insert(cx.outputs.end(), outputs[i].begin() + 1, outputs[i].end());
    for (size_t i = sequences ? merged : 0; i < cx.outputs.size(); ++i) cx.dropMask(i);
  }

  // The axis 'concat' joins in the channels_last view the shape rule and the
  // lowering see: the last as written, a channels_first layer's width.
  static int joinAxis(const Layer &layer, int rank) { return channelsFirst(layer) ? rank - 2 : rank - 1; }

  // [forward temporary][backward temporary][forward output][backward output]
  std::array<Dim, 5> layout(const Layer &layer, const std::vector<TensorType> &inputs) const {
    std::array<Direction, 2> d = directions(layer.config, inputs.size(), "");
    std::array<Dim, 5> offsets{0, 0, 0, 0, 0};
    for (int i = 0; i < 2; ++i) {
      std::vector<TensorType> outs = d[i].kind->outputTypes(d[i].layer.config, inputs[0]);
      offsets[i + 1] =
          add(offsets[i], roundUp(d[i].kind->temporaryBytesPerSample(d[i].layer, inputsOf(d[i], inputs), outs), 64));
    }
    for (int i = 0; i < 2; ++i) {
      TensorType out = d[i].kind->outputTypes(d[i].layer.config, inputs[0])[0];
      offsets[i + 3] = add(offsets[i + 2], roundUp(mul(out.sampleSize(), 4), 64));
    }
    return offsets;
  }

  Dim temporaryBytesPerSample(const Layer &layer, const std::vector<TensorType> &inputs,
                                  const std::vector<TensorType> &) const override {
    return layout(layer, inputs)[4];
  }

  // The directions run one after the other: the larger workspace of the two.
  Dim workspaceBytes(const Layer &layer, const std::vector<TensorType> &inputs,
                     const std::vector<TensorType> &, const Algorithms &algorithms) const override {
    std::array<Direction, 2> d = directions(layer.config, inputs.size(), "");
    Dim most = 0;
    for (const Direction &dir : d)
      most = max(most, dir.kind->workspaceBytes(dir.layer, inputsOf(dir, inputs),
                                                dir.kind->outputTypes(dir.layer.config, inputs[0]), algorithms));
    return most;
  }

  // Both directions' kernels side by side, when both project their input
  // (RecurrentKind::projectionKernel): a projected input row holds the
  // forward projection, then the backward one.
  std::vector<float> inputProjection(const Layer &layer) const override {
    std::array<Direction, 2> d = directions(layer.config, 1, "");
    std::array<std::vector<float>, 2> kernels;
    std::array<int64_t, 2> widths{};
    for (int i = 0; i < 2; ++i) {
      const auto *kind = dynamic_cast<const RecurrentKind *>(d[i].kind);
      if (kind) kernels[i] = kind->projectionKernel(d[i].layer.config, layer.weight(d[i].weightPrefix + "kernel"));
      if (kernels[i].empty()) return {};
      widths[i] = projectionWidth(d[i]);
    }
    int64_t features = int64_t(kernels[0].size()) / widths[0];
    std::vector<float> joined;
    for (int64_t f = 0; f < features; ++f)
      for (int i = 0; i < 2; ++i)
        joined.insert(joined.end(), kernels[i].begin() + f * widths[i], kernels[i].begin() + (f + 1) * widths[i]);
    return joined;
  }

  void lower(LowerContext &cx) const override {
    const LayerConfig &c = cx.config();
    std::array<Direction, 2> d = directions(c, cx.inputCount(), cx.layer().name + ".");
    std::array<Dim, 5> offsets = layout(cx.layer(), cx.bindings().inputTypes);
    auto temporary = [&](int i) {
      return offsets[i] == 0 ? cx.temporary()
                             : cx.ir().CreateInBoundsGEP(cx.ir().getInt8Ty(), cx.temporary(), cx.batchTimes(offsets[i]));
    };
    bool sequences = d[0].layer.config.flag("return_sequences"), separate = c.isNone("merge_mode");
    size_t states = separate ? 2 : 1;  // the first state output
    std::array<llvm::Value *, 2> outputs{};
    for (int i = 0; i < 2; ++i) {
      // Separate outputs are written in place, except a backward sequence,
      // which is flipped back into input order after.
      bool inPlace = separate && (i == 0 || !sequences);
      outputs[i] = inPlace ? cx.output(i) : temporary(2 + i);
      LowerBindings b;
      b.layer = &d[i].layer;
      b.weightLayer = cx.bindings().weightLayer;
      b.weightPrefix = cx.bindings().weightPrefix + d[i].weightPrefix;
      b.inputs = inputsOf(d[i], cx.bindings().inputs);
      b.inputTypes = inputsOf(d[i], cx.bindings().inputTypes);
      b.inputProjected = cx.bindings().inputProjected;
      if (b.inputProjected && i == 1)  // the backward projection, after the forward one in each row
        b.inputs[0] = cx.ir().CreateInBoundsGEP(cx.ir().getFloatTy(), b.inputs[0], cx.i64(projectionWidth(d[0])));
      b.inputMasks = {cx.hasInputMask() ? cx.inputMask() : nullptr};
      b.inputMaskTypes = {cx.hasInputMask() ? cx.inputMaskType() : TensorType{}};
      b.outputTypes = d[i].kind->outputTypes(d[i].layer.config, cx.inputType());
      b.outputs = {outputs[i]};
      for (size_t s = 1; s < b.outputTypes.size(); ++s) b.outputs.push_back(cx.output(states++));
      b.batch = cx.batch();
      b.temporary = temporary(i);
      cx.lowerInner(std::move(b));
    }
    // A step of an output: `positions` rows (the axes before the joined one)
    // of a width (the joined axis and those after it).
    int lead = sequences ? 2 : 1;
    Dim steps = sequences ? cx.inputType().dims[1] : Dim(1);
    std::array<TensorType, 2> types;
    for (int i = 0; i < 2; ++i) types[i] = d[i].kind->outputTypes(d[i].layer.config, cx.inputType())[0];
    auto axes = [](const TensorType &t, int from, int to) {
      return product(std::vector<Dim>(t.dims.begin() + from, t.dims.begin() + to));
    };
    if (separate) {
      if (sequences)
        cx.call("kiln_reverse_steps", {cx.output(1), outputs[1], cx.batch(), cx.i64(steps),
                                       cx.i64(axes(types[1], lead, types[1].rank()))});
      return;
    }
    int join = mergeMode(c) == abi::kMergeConcat ? joinAxis(cx.layer(), types[0].rank()) : types[0].rank() - 1;
    cx.call("kiln_bidirectional_merge",
            {cx.output(), outputs[0], outputs[1], cx.batch(), cx.i64(steps), cx.i64(axes(types[0], lead, join)),
             cx.i64(axes(types[0], join, types[0].rank())), cx.i64(axes(types[1], join, types[1].rank())),
             cx.i32(mergeMode(c)), cx.i32(sequences)});
  }
};

}  // namespace

KILN_REGISTER_LAYER(BidirectionalKind)

}  // namespace kiln
