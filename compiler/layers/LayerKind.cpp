#include "layers/LayerKind.h"

#include <algorithm>
#include <regex>

namespace kiln {

ArgSpec arg(std::string name, ArgType type, int arity) {
  ArgSpec spec{std::move(name), type, Value::none(), true, {}, arity, {}};
  return spec;
}

ArgSpec arg(std::string name, ArgType type, Value defaultValue, int arity) {
  ArgSpec spec{std::move(name), type, std::move(defaultValue), false, {}, arity, {}};
  return spec;
}

ArgSpec choice(std::string name, std::vector<std::string> choices, std::string defaultValue) {
  ArgSpec spec{std::move(name), ArgType::Choice, Value::ofStr(std::move(defaultValue)), false, std::move(choices), 0, {}};
  return spec;
}

std::vector<ArgSpec> withKernelArgs(std::vector<ArgSpec> leading) {
  for (ArgSpec a : {arg("kernel_initializer", ArgType::Initializer, Value::ofStr("glorot_uniform")),
                    arg("bias_initializer", ArgType::Initializer, Value::ofStr("zeros")),
                    arg("kernel_regularizer", ArgType::TrainingOnly, Value::none()),
                    arg("bias_regularizer", ArgType::TrainingOnly, Value::none()),
                    arg("activity_regularizer", ArgType::TrainingOnly, Value::none()),
                    arg("kernel_constraint", ArgType::TrainingOnly, Value::none()),
                    arg("bias_constraint", ArgType::TrainingOnly, Value::none())})
    leading.push_back(std::move(a));
  return leading;
}

bool LayerKind::transposesChannelsFirst(const Layer &layer) const {
  if (!findArg("data_format") || !layer.config.has("data_format")) return false;
  const std::string &format = layer.config.str("data_format");
  return format == "channels_first" || format == "th";  // Keras 1's dim_ordering='th'
}

const Tensor *LayerKind::ownOrPassedMask(const Node &node, size_t output, MaskOps &ops) {
  if (output < node.masks.size() && node.masks[output]) return node.masks[output];
  for (const Tensor *in : node.inputs)
    if (in->mask == node.outputs[output]->mask) return ops.mask(in);
  return nullptr;
}

bool channelsFirst(const Layer &layer) { return layer.kind && layer.kind->transposesChannelsFirst(layer); }

std::vector<int64_t> toChannelsLast(const Layer &layer, int rank) {
  std::vector<int> moved = layer.kind->movedAxes(layer, rank);
  std::vector<int64_t> perm;
  for (int a = 0; a < rank; ++a)
    if (std::find(moved.begin(), moved.end(), a) == moved.end()) perm.push_back(a);
  for (int a : moved)
    if (a < rank) perm.push_back(a);
  return perm;
}

std::vector<int64_t> toChannelsFirst(const Layer &layer, int rank) {
  std::vector<int64_t> forward = toChannelsLast(layer, rank), perm(rank);
  for (int a = 0; a < rank; ++a) perm[forward[a]] = a;
  return perm;
}

TensorType permuted(const TensorType &type, const std::vector<int64_t> &perm) {
  TensorType out{type.dtype, {}};
  for (int64_t a : perm) out.dims.push_back(type.dims[a]);
  return out;
}

// tf.keras 2.15's (and Keras 3's) regexes; Keras 2.2 also counted digits
// into a word ([a-z0-9]+), which named ConvLSTM2D conv_lst_m2d.
std::string toSnakeCase(const std::string &className) {
  static const std::regex wordStart("(.)([A-Z][a-z]+)");
  static const std::regex lowerUpper("([a-z])([A-Z])");
  std::string s = std::regex_replace(className, wordStart, "$1_$2");
  s = std::regex_replace(s, lowerUpper, "$1_$2");
  for (char &c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return !s.empty() && s[0] == '_' ? "private" + s : s;
}

LayerKind::LayerKind(std::string className, std::vector<ArgSpec> args, std::string summary)
    : className_(std::move(className)), defaultName_(toSnakeCase(className_)), args_(std::move(args)),
      summary_(std::move(summary)) {}

const ArgSpec *LayerKind::findArg(std::string_view name) const {
  for (const ArgSpec &a : args_)
    if (a.name == name) return &a;
  return nullptr;
}

LayerRegistry &LayerRegistry::instance() {
  static LayerRegistry registry;
  return registry;
}

void LayerRegistry::add(const LayerKind *kind) { kinds_[kind->className()] = kind; }

void LayerRegistry::alias(std::string name, std::string target) { aliases_[std::move(name)] = std::move(target); }

const LayerKind *LayerRegistry::find(std::string_view name) const {
  if (auto a = aliases_.find(name); a != aliases_.end()) name = a->second;
  auto it = kinds_.find(name);
  return it == kinds_.end() ? nullptr : it->second;
}

std::vector<std::string> LayerRegistry::names() const {
  std::vector<std::string> out;
  for (const auto &[name, kind] : kinds_) out.push_back(name);
  for (const auto &[name, target] : aliases_) out.push_back(name);
  return out;
}

std::vector<const LayerKind *> LayerRegistry::kinds() const {
  std::vector<const LayerKind *> out;
  for (const auto &[name, kind] : kinds_) out.push_back(kind);
  return out;
}

void ShapeContext::computeMask(size_t output, TensorType type) {
  masks_.resize(std::max(masks_.size(), output + 1), MaskKind::Inherit);
  maskTypes_.resize(masks_.size());
  masks_[output] = MaskKind::Computed;
  maskTypes_[output] = std::move(type);
}

void ShapeContext::dropMask(size_t output) {
  masks_.resize(std::max(masks_.size(), output + 1), MaskKind::Inherit);
  maskTypes_.resize(masks_.size());
  masks_[output] = MaskKind::None;
}

bool ShapeContext::requireKnown() {
  for (const TensorType &t : inputs_) {
    for (int axis = 1; axis < t.rank(); ++axis) {
      if (t.dims[axis].symbolic()) {
        error(DiagID::err_open_axis_layer, layer_.describe(), shownAxis(axis, t.rank()), shown(t));
        return false;
      }
      if (!t.dims[axis].known()) {
        error(DiagID::err_none_dimension, layer_.describe(), shownAxis(axis, t.rank()), shown(t));
        return false;
      }
    }
  }
  return true;
}

bool ShapeContext::requireConstant(size_t i, int axis, const std::string &why) {
  const TensorType &t = inputs_[i];
  if (axis < 0) axis += t.rank();
  if (t.dims[axis].known()) return true;
  int at = shownAxis(axis, t.rank());
  if (t.dims[axis].symbolic()) error(DiagID::err_open_axis_constant, layer_.describe(), at, shown(t), why);
  else error(DiagID::err_none_dimension, layer_.describe(), at, shown(t));
  return false;
}

bool ShapeContext::requireSameSize(const Dim &a, const Dim &b, const std::string &what) {
  if (a == b) return true;
  if (a.known() && b.known()) return false;
  sizeChecks.push_back({a, b, layer_.describe() + ": " + what});
  return true;
}

void ShapeContext::infer(const LayerKind &kind) {
  // Layers whose shape rule and lowering do not handle open axes see only
  // constants (or report None axes themselves).
  if (!kind.supportsOpenAxes()) {
    for (const TensorType &t : inputs_)
      for (size_t axis = 1; axis < t.dims.size(); ++axis)
        if (t.dims[axis].symbolic()) {
          error(DiagID::err_open_axis_layer, layer_.describe(), axis, shapeString(t));
          return;
        }
  }
  // A channels_first layer wrapped in a channels_first wrapper
  // (TimeDistributed) sees its steps channels_last already: the wrapper's
  // transposes move them.
  bool transposes = false;
  if (kiln::channelsFirst(layer_)) {
    // The transposes are graph steps: only those around the wrapper run.
    if (parent_ && !parent_->channelsFirst_) {
      error(DiagID::err_unsupported_argument_value, parent_->layer_.describe(),
            "wrapping " + layer_.describe() + " with data_format='channels_first'");
      return;
    }
    channelsFirst_ = true;
    transposes = !parent_;
  }
  if (transposes)
    for (TensorType &t : inputs_) t = permuted(t, toChannelsLast(layer_, t.rank()));
  kind.inferShapes(*this);
  if (transposes)
    for (TensorType &t : outputs) t = permuted(t, toChannelsFirst(layer_, t.rank()));
}

bool ShapeContext::requireRank(size_t i, int rank, bool atLeast) {
  int actual = inputs_[i].rank();
  if (atLeast ? actual >= rank : actual == rank) return true;
  error(atLeast ? DiagID::err_shape_rank_min : DiagID::err_shape_rank, layer_.describe(), rank, shown(inputs_[i]));
  return false;
}

TensorType ShapeContext::asWritten(const TensorType &type) const {
  return channelsFirst_ ? permuted(type, toChannelsFirst(layer_, type.rank())) : type;
}

int ShapeContext::shownAxis(int axis, int rank) const {
  return channelsFirst_ ? int(toChannelsLast(layer_, rank)[axis]) : axis;
}

void ShapeContext::addInputNotes(Diagnostic &d) const {
  for (size_t i = 0; i < node_.inputs.size(); ++i) {
    const Tensor *t = node_.inputs[i];
    const Node *from = t->producer;
    std::string what = node_.inputs.size() == 1 ? "the input" : "input " + std::to_string(i);
    d.note(DiagID::note_tensor_shape, from->range, what, shapeString(t->type), from->layer->describe());
  }
}

}  // namespace kiln
