// A layer is declared once, in one file under layers/: its Keras name, its
// arguments (types, defaults, Keras 1 aliases), its shape rule, its weights
// and its lowering. Everything else — argument checking, the summary, weight
// mapping, the docs table — reads that declaration through this interface.
#pragma once

#include "diagnostics/Diagnostics.h"
#include "graph/Graph.h"
#include "kernels/KernelABI.h"
#include "layers/Activations.h"
#include "layers/LayerConfig.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace kiln {

class LayerKind;
class LowerContext;

// The ops Keras 3 runs on KerasTensors to compute a layer's mask
// (LayerKind::keras3Mask), as kerasGraphOrder records them.
class MaskOps {
public:
  // A new op node taking `args` (tensors or masks), and its output.
  virtual const Tensor *op(std::vector<const Tensor *> args) = 0;
  // The mask Keras 3 attaches to `t`, null if none.
  virtual const Tensor *mask(const Tensor *t) = 0;

protected:
  ~MaskOps() = default;
};

// A per-channel scale and shift (inference-time batch normalization).
struct ChannelAffine {
  std::vector<float> scale, shift;
};

enum class ArgType {
  Int,          // any integer
  PositiveInt,  // an integer >= 1
  Float,        // any number
  Rate,         // a number in [0, 1]
  Bool,
  Str,          // any string
  Choice,       // one of the spec's choices (strings)
  Activation,   // an activation name or None
  IntTuple,     // an integer or a tuple of `arity` integers
  Shape,        // a tuple of positive integers or None
  Axis,         // an integer axis; negative counts from the end
  AxisList,     // an axis or a tuple/list of axes
  Initializer,  // a Keras initializer: name or object
  TrainingOnly, // regularizers, constraints: no effect on inference
  DType,        // 'float32', 'int32', ...
  Any,
};

struct ArgSpec {
  std::string name;
  ArgType type;
  Value defaultValue;      // ignored when required
  bool required = false;
  std::vector<std::string> choices;
  int arity = 0;           // IntTuple length
  std::string doc;         // one line for the docs table
  // Keras 3's default where it differs (--keras-version 3).
  std::optional<Value> keras3Default = std::nullopt;
};

// Shorthands for declarations: arg("units", ArgType::PositiveInt) is required;
// arg("use_bias", ArgType::Bool, Value::ofBool(true)) has a default.
ArgSpec arg(std::string name, ArgType type, int arity = 0);
ArgSpec arg(std::string name, ArgType type, Value defaultValue, int arity = 0);
ArgSpec choice(std::string name, std::vector<std::string> choices, std::string defaultValue);
// `spec` with the default Keras 3 gives it instead.
inline ArgSpec keras3Changed(ArgSpec spec, Value keras3Default) {
  spec.keras3Default = std::move(keras3Default);
  return spec;
}
// `leading` followed by the arguments every kernel-and-bias layer ends with,
// in Keras's order: kernel/bias initializers, regularizers, constraints.
std::vector<ArgSpec> withKernelArgs(std::vector<ArgSpec> leading);

// A Keras 1 argument name and the Keras 2 argument it became.
struct LegacyArg {
  std::string oldName;
  std::string newName;
};

// What a shape rule sees, and how it complains.
class ShapeContext {
public:
  ShapeContext(DiagnosticEngine &diags, const Layer &layer, const Node &node, std::vector<TensorType> inputs,
               KerasVersion version)
      : diags_(diags), layer_(layer), node_(node), inputs_(std::move(inputs)), version_(version) {
    for (const Tensor *t : node_.inputs) inputMasks_.push_back(t->mask ? std::optional(t->mask->type) : std::nullopt);
  }

  const Layer &layer() const { return layer_; }
  // The Keras whose semantics the model is built with (--keras-version).
  KerasVersion kerasVersion() const { return version_; }
  const LayerConfig &config() const { return layer_.config; }
  const std::vector<TensorType> &inputs() const { return inputs_; }
  const TensorType &input(size_t i = 0) const { return inputs_[i]; }

  std::vector<TensorType> outputs;
  std::vector<WeightSpec> weights;

  // Masks (see Tensor::mask). By default the outputs of a layer that
  // supports masking carry its first input's mask.
  bool inputHasMask(size_t i = 0) const { return i < inputMasks_.size() && inputMasks_[i]; }
  const TensorType &inputMaskType(size_t i) const { return *inputMasks_[i]; }
  // The layer computes a new mask of `type` for output `output`.
  void computeMask(size_t output, TensorType type);
  // Output `output` carries no mask (the layer consumed it).
  void dropMask(size_t output);
  enum class MaskKind { Inherit, None, Computed };
  MaskKind maskKind(size_t output) const { return output < masks_.size() ? masks_[output] : MaskKind::Inherit; }
  const TensorType &maskType(size_t output) const { return maskTypes_[output]; }

  // A context for the layer a wrapper (Bidirectional, TimeDistributed)
  // wraps, called with `inputs` as that layer sees them (with the wrapper's
  // input masks, or `masks`): its errors are reported at this call and fail
  // this context too.
  ShapeContext wrapped(const Layer &inner, std::vector<TensorType> inputs) {
    return wrapped(inner, std::move(inputs), inputMasks_);
  }
  ShapeContext wrapped(const Layer &inner, std::vector<TensorType> inputs,
                       std::vector<std::optional<TensorType>> masks) {
    ShapeContext cx(diags_, inner, node_, std::move(inputs), version_);
    cx.inputMasks_ = std::move(masks);
    cx.parent_ = this;
    return cx;
  }

  // An error at the call, with a note per input showing where its shape came from.
  template <class... Args>
  Diagnostic &error(DiagID id, const Args &...args) {
    failed_ = true;
    if (parent_) parent_->failed_ = true;
    Diagnostic &d = diags_.report(id, node_.range, args...);
    addInputNotes(d);
    return d;
  }
  // "(None, 3) and (None, 5)": the input shapes, for messages.
  bool failed() const { return failed_; }
  // Requires every axis but the batch axis of every input to be a constant.
  bool requireKnown();
  // Requires `axis` of input `i` to be a constant; `why` completes "axis 1
  // of shape (None, None) is sized at run time (None), but ...".
  bool requireConstant(size_t i, int axis, const std::string &why);
  // Requires two sizes of the inputs to be equal (a merge's axes): false
  // if they are constants that differ; over open axes that are not provably
  // equal, the check is left to run time with `what` as its message.
  bool requireSameSize(const Dim &a, const Dim &b, const std::string &what);
  std::vector<SizeCheck> sizeChecks;
  // Runs `kind`'s shape rule on this context; a layer that does not support
  // open axes gets an error instead when an input has one.
  void infer(const LayerKind &kind);
  // Requires input `i` to have rank `rank` (or at least `rank` if atLeast).
  bool requireRank(size_t i, int rank, bool atLeast = false);

  // A channels_first call's shape rule sees its inputs channels_last (and
  // its outputs are moved back); messages show shapes and axes as the user
  // wrote them.
  bool channelsFirst() const { return channelsFirst_; }
  TensorType asWritten(const TensorType &type) const;  // a channels_last view in the call's layout
  std::string shown(const TensorType &type) const { return shapeString(asWritten(type)); }
  int shownAxis(int axis, int rank) const;          // an axis of a channels_last view, in the call's layout

private:
  void addInputNotes(Diagnostic &d) const;

  DiagnosticEngine &diags_;
  const Layer &layer_;
  const Node &node_;
  std::vector<TensorType> inputs_;
  KerasVersion version_;
  std::vector<std::optional<TensorType>> inputMasks_;  // by input; none where it has no mask
  std::vector<MaskKind> masks_;
  std::vector<TensorType> maskTypes_;
  bool failed_ = false;
  bool channelsFirst_ = false;
  ShapeContext *parent_ = nullptr;  // the wrapper's context (see wrapped)
};

// The range of input tensors a layer accepts in one call.
struct InputArity {
  int min = 1;
  int max = 1;  // -1: any number
  bool list = false;  // takes a list of tensors (merge layers)
};

// One parameter of a layer's call, as in Keras's call signature, e.g.
// MultiHeadAttention.call(query, value, key=None, attention_mask=None,
// return_attention_scores=False, use_causal_mask=False). The node's inputs
// are the tensors of the tensor parameters in declaration order (the first
// parameter holds the inputs that InputArity counts); a value parameter is
// checked against `spec` and kept in the layer's config under its name, so
// every call of a shared layer must pass the same value. Every call also
// accepts `training`.
struct CallParam {
  std::string name;
  bool tensor = true;       // false: a value (`spec`)
  int count = 0;            // tensors: 0 a tensor or a list of any length, 1 one tensor, n > 1 a list of n
  bool positional = false;  // may be passed by position, in declaration order
  bool required = false;
  std::string defaultsTo;   // a tensor parameter not passed takes this earlier parameter's tensors
  ArgSpec spec{};           // a value's type and default
};

inline CallParam tensorParam(std::string name, int count, bool positional, bool required = false,
                             std::string defaultsTo = {}) {
  return {std::move(name), true, count, positional, required, std::move(defaultsTo), {}};
}
inline CallParam valueParam(ArgSpec spec) { return {spec.name, false, 0, false, false, {}, std::move(spec)}; }

// The build's choices between algorithms that compute a layer's result with
// different rounding (kilnc build options); the same for every layer.
struct Algorithms {
  // --winograd: 3x3 convolutions of stride 1 by Winograd's F(2x2, 3x3)
  // (kernels/ConvWinograd.cpp) rather than tap by tap.
  bool winograd = false;
};

class LayerKind {
public:
  LayerKind(std::string className, std::vector<ArgSpec> args, std::string summary);
  virtual ~LayerKind() = default;

  const std::string &className() const { return className_; }
  // Keras's default name stem: to_snake_case(class name), e.g. "conv2d", "re_lu".
  const std::string &defaultName() const { return defaultName_; }
  const std::vector<ArgSpec> &args() const { return args_; }
  const std::string &summary() const { return summary_; }
  const ArgSpec *findArg(std::string_view name) const;

  virtual std::vector<LegacyArg> legacyArgs() const { return {}; }
  // How many sizes Keras 1 gave the kernel as, one argument each
  // (Convolution2D(32, 3, 3), nb_row/nb_col; Convolution3D's kernel_dim1-3),
  // where Keras 2.0-2.3 still converted such calls; 0 if it never did.
  virtual int keras1KernelSizes() const { return 0; }
  // The input shape (with batch axis) a first layer declares through its own
  // arguments, beyond the common input_shape/input_dim/batch_input_shape.
  virtual std::optional<std::vector<int64_t>> declaredInputShape(const LayerConfig &) const { return std::nullopt; }
  // The element type of the input a first layer declares (Embedding: int32).
  virtual DType declaredInputType(const LayerConfig &) const { return DType::Float32; }
  virtual InputArity inputArity() const { return {}; }
  // Call keyword arguments that take tensors (a recurrent layer's
  // initial_state=[h, c]): their tensors become further inputs of the node,
  // after the regular inputs, in the order of this list.
  virtual std::vector<std::string> callTensorArguments() const { return {}; }
  // The whole call signature (see CallParam). By default: `inputs`, then the
  // callTensorArguments() as keywords.
  virtual std::vector<CallParam> callSignature() const {
    std::vector<CallParam> params{tensorParam("inputs", 0, true, true)};
    for (std::string &name : callTensorArguments()) params.push_back(tensorParam(std::move(name), 0, false));
    return params;
  }
  // Checks argument values beyond their types (e.g. units > 0); reports and
  // returns false if the layer cannot be built.
  virtual bool checkConfig(DiagnosticEngine &, const Layer &) const { return true; }
  // Completes the arguments as bound (RNN takes its cell's: units, activation, ...).
  virtual void completeConfig(LayerConfig &) const {}
  // The kind of layer the completed arguments make: this one, or another of
  // the same Keras class (RNN over a list of cells is a stack of layers).
  virtual const LayerKind *kindFor(const LayerConfig &) const { return this; }
  // The shape rule: fills cx.outputs (and cx.weights on the first call).
  virtual void inferShapes(ShapeContext &cx) const = 0;
  // Emits the layer's computation.
  virtual void lower(LowerContext &cx) const = 0;
  // Bytes per sample of temporary memory the lowering needs for the whole
  // batch (LowerContext::temporary()), e.g. a recurrent layer's input
  // projection for every timestep.
  virtual Dim temporaryBytesPerSample(const Layer &, const std::vector<TensorType> & /*inputs*/,
                                          const std::vector<TensorType> & /*outputs*/) const {
    return 0;
  }
  // Bytes of temporary memory each thread running the layer's kernel needs
  // (abi::RunContext::workspace), the same for every batch size: it is
  // shared by all layers.
  virtual Dim workspaceBytes(const Layer &, const std::vector<TensorType> & /*inputs*/,
                             const std::vector<TensorType> & /*outputs*/, const Algorithms &) const {
    return 0;
  }

  // What a call returns, for messages about unpacking it, e.g.
  // "[output, state_h, state_c]"; empty: messages count the tensors.
  virtual std::string describeOutputs(const Layer &) const { return {}; }

  // True if the shape rule and the lowering handle axes sized at run time
  // (Dim expressions) other than the batch axis.
  virtual bool supportsOpenAxes() const { return false; }
  // Keras's supports_masking: unless its shape rule says otherwise the layer
  // passes its input's mask on; other layers drop it, as tf.keras 2 does.
  virtual bool supportsMasking() const { return false; }
  // Keras 3's supports_masking, where it differs (Rescaling, Normalization).
  virtual bool supportsMaskingInKeras3() const { return supportsMasking(); }
  bool supportsMasking(KerasVersion v) const {
    return v == KerasVersion::V3 ? supportsMaskingInKeras3() : supportsMasking();
  }
  // True if its computation reads its inputs' masks (recurrent layers,
  // attention, masked pooling, merging masks), not only passes them on.
  virtual bool readsMask() const { return false; }
  // True if the layer takes int32 tensors (token ids): Embedding, and the
  // layers that only move values around.
  virtual bool acceptsIntegerInput() const { return false; }
  // True if the layer was called with data_format='channels_first' and its
  // shape rule and lowering, written for channels_last, run between
  // transposes (see channelsFirst below). By default a layer with a
  // data_format argument; not one whose data_format reorders nothing Kiln
  // computes (SpatialDropout2D is the identity at inference). Also a
  // normalization over other than the last axes, computed over the last.
  virtual bool transposesChannelsFirst(const Layer &layer) const;
  // The axes such a layer's input or output of `rank` (batch axis included)
  // has moved last, in order: the channels, at 1 or at 2 behind a time axis
  // (ConvLSTM2D's sequences, TimeDistributed's steps), or the axes a
  // normalization runs over.
  virtual std::vector<int> movedAxes(const Layer &, int /*rank*/) const { return {1}; }

  // Graph passes ask these.
  // True if the output's bytes are the input's (Dropout at inference, Reshape):
  // the layer becomes a view of its input and emits no code.
  virtual bool isIdentityAtInference(const Layer &) const { return false; }
  // Part of another layer's call in Keras (a call's mask=), not a layer of
  // its own: the summary and Keras's layer order look through it.
  virtual bool isCallArgument() const { return false; }
  // Keras 3 passes the mask of a layer's only tensor argument to call() as
  // `mask=` when call() has that parameter (recurrent layers, wrappers,
  // BatchNormalization, Softmax, masked pooling, nested models): the mask's
  // node is then a parent of the layer's, which moves Keras's layer order.
  virtual bool callTakesMaskInKeras3() const { return false; }
  // The KerasTensor that Keras 3 holds as the mask of output `output` of
  // `node`, which Kiln gives a mask. Keras 3 builds a new mask
  // (compute_mask) with ops, each a node of the functional graph before the
  // layers that read it; `ops` records them. By default ownOrPassedMask.
  virtual const Tensor *keras3Mask(const Node &node, size_t output, MaskOps &ops) const {
    return ownOrPassedMask(node, output, ops);
  }
  // The mask Kiln computes in the layer, or the input's it passes on.
  static const Tensor *ownOrPassedMask(const Node &node, size_t output, MaskOps &ops);
  // True if the layer's `activation` argument is applied in its lowering, so
  // that a following Activation layer can be folded into it.
  virtual bool hasFusibleActivation() const { return false; }
  // For an Activation layer: the canonical activation name it applies.
  virtual std::optional<std::string> standaloneActivation(const Layer &) const { return std::nullopt; }
  // True for an activation layer without weights that maps each element on
  // its own (LeakyReLU, ELU): given as another layer's activation
  // (activation=layers.LeakyReLU(0.2)), it runs on that layer's output.
  virtual bool isElementwiseActivation() const { return false; }
  // True if the `activation` argument applies to the layer's whole output
  // (Dense, the convolutions, Activation), not inside a cell as in a
  // recurrent layer: only there may it be a layer object.
  virtual bool activationOnOutput() const { return hasFusibleActivation(); }
  // The layer whose `activation` argument applies to this layer's output:
  // itself, or the layer a wrapper (TimeDistributed) runs. Its lowering
  // honours a fused activation in place of that argument.
  virtual const Layer &activationHost(const Layer &layer) const { return layer; }
  // True if the lowering applies Step::channelAffine to its weights (the
  // layer's output channels are its last axis): a following
  // BatchNormalization can then be folded into it at build time.
  virtual bool acceptsChannelAffine() const { return false; }
  // For BatchNormalization: y = x * scale + shift per channel of `axis` of
  // the input, from its (bound) weights; nothing if it normalizes another axis.
  virtual std::optional<ChannelAffine> channelAffine(const Layer &, const TensorType & /*input*/, int /*axis*/) const {
    return std::nullopt;
  }
  // For a layer whose lowering first multiplies each input row by a kernel
  // (a recurrent layer's x_t W) and can instead read its input projected
  // already (Step::inputProjected): that kernel, [features, width], with its
  // columns where the lowering keeps them. An Embedding before such a layer
  // then looks up rows of its table multiplied by it at build time. Empty
  // for other layers.
  virtual std::vector<float> inputProjection(const Layer &) const { return {}; }

private:
  std::string className_;
  std::string defaultName_;
  std::vector<ArgSpec> args_;
  std::string summary_;
};

// All layer kinds, by Keras class name (aliases included).
class LayerRegistry {
public:
  static LayerRegistry &instance();
  void add(const LayerKind *kind);
  void alias(std::string name, std::string target);
  const LayerKind *find(std::string_view name) const;
  std::vector<std::string> names() const;
  std::vector<const LayerKind *> kinds() const;

private:
  std::map<std::string, const LayerKind *, std::less<>> kinds_;
  std::map<std::string, std::string, std::less<>> aliases_;  // resolved at lookup: registration order is free
};

// Registers a layer kind at start-up: KILN_REGISTER_LAYER(DenseLayer).
// Further Keras names of the same class: KILN_REGISTER_LAYER(Conv2DLayer, "Convolution2D").
#define KILN_REGISTER_LAYER(Type, ...)                                   \
  namespace {                                                            \
  const bool registered##Type = [] {                                     \
    static const Type kind;                                              \
    ::kiln::LayerRegistry::instance().add(&kind);                        \
    for (const char *alias : std::initializer_list<const char *>{__VA_ARGS__}) \
      ::kiln::LayerRegistry::instance().alias(alias, kind.className());  \
    return true;                                                         \
  }();                                                                   \
  }

// data_format='channels_first' on a layer whose kind transposes it: the
// layer computes channels_last between a transpose of each input that moves
// its channel axis (LayerKind::movedAxes) last and one of each output that
// moves it back. Shapes, summaries and the caller's buffers stay
// channels_first; graph passes insert the transposes and cancel those that
// undo each other.
bool channelsFirst(const Layer &layer);
// The permutation of the transpose of `layer`'s tensors of `rank` to
// channels_last, over all axes with the batch axis: the other axes in order,
// then the moved ones (those within `rank`); and its inverse, back. The
// identity when the moved axes are the last ones already.
std::vector<int64_t> toChannelsLast(const Layer &layer, int rank);
std::vector<int64_t> toChannelsFirst(const Layer &layer, int rank);
TensorType permuted(const TensorType &type, const std::vector<int64_t> &perm);

// Keras's to_snake_case.
std::string toSnakeCase(const std::string &className);

}  // namespace kiln
