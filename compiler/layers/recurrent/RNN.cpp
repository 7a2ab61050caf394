// RNN(cell): Keras's generic recurrent layer over one cell, SimpleRNNCell,
// LSTMCell or GRUCell, is the layer of that cell (SimpleRNN, LSTM, GRU) with
// the cell's arguments: the same weights, shapes and kernel. The cells are
// arguments of RNN only; Kiln does not run one on its own. RNN over a list
// of cells, or StackedRNNCells, is StackedRNN.cpp's.
#include "layers/recurrent/Recurrent.h"

#include "layers/core/Traced.h"

#include <algorithm>

namespace kiln {
namespace {

// A cell takes its layer's arguments but the RNN's: those are RNN(...)'s.
bool rnnArgument(const std::string &name) {
  static const char *const rnn[] = {"return_sequences", "return_state", "go_backwards", "stateful", "time_major",
                                    "unroll", "input_dim", "input_length", "zero_output_for_mask",
                                    "activity_regularizer"};
  return std::any_of(std::begin(rnn), std::end(rnn), [&](const char *n) { return name == n; });
}

std::vector<ArgSpec> cellArgs(std::vector<ArgSpec> layerArgs) {
  std::vector<ArgSpec> args;
  for (ArgSpec &a : layerArgs)
    if (!rnnArgument(a.name)) args.push_back(std::move(a));
  args.push_back(arg("seed", ArgType::Any, Value::none()));  // Keras 3: dropout's, training only
  return args;
}

class CellKind : public LayerKind {
public:
  CellKind(std::string className, std::vector<ArgSpec> args, std::string layerClass)
      : LayerKind(std::move(className), std::move(args),
                  "the cell of " + layerClass + ", run over a sequence by RNN(cell)"),
        layerClass_(std::move(layerClass)) {}

  // The recurrent layer this cell makes inside RNN.
  const RecurrentKind &layerKind() const {
    return *static_cast<const RecurrentKind *>(LayerRegistry::instance().find(layerClass_));
  }
  bool supportsOpenAxes() const override { return true; }  // to say so whatever the input
  void inferShapes(ShapeContext &cx) const override {
    cx.error(DiagID::err_model_arg, className() + " runs inside a recurrent layer: call RNN(" + className() +
                                        "(...)) on the sequence, or " + layerClass_ + "(...)");
  }
  void lower(LowerContext &) const override {}

private:
  std::string layerClass_;
};

class SimpleRNNCellKind : public CellKind {
public:
  SimpleRNNCellKind() : CellKind("SimpleRNNCell", cellArgs(simpleRNNArgs()), "SimpleRNN") {}
};
class LSTMCellKind : public CellKind {
public:
  LSTMCellKind() : CellKind("LSTMCell", cellArgs(lstmArgs()), "LSTM") {}
};
class GRUCellKind : public CellKind {
public:
  GRUCellKind() : CellKind("GRUCell", cellArgs(gruArgs()), "GRU") {}
};

}  // namespace

std::vector<ArgSpec> rnnArgs() {
  std::vector<ArgSpec> args = {arg("cell", ArgType::Any)};
  for (const char *name : {"return_sequences", "return_state", "go_backwards", "stateful", "unroll", "time_major"})
    args.push_back(arg(name, ArgType::Bool, Value::ofBool(false)));
  args.push_back(arg("zero_output_for_mask", ArgType::Bool, Value::ofBool(false)));
  args.push_back(arg("input_dim", ArgType::PositiveInt, Value::none()));
  args.push_back(arg("input_length", ArgType::PositiveInt, Value::none()));
  return args;
}

const RecurrentKind *cellLayerKind(const Layer &cell) {
  const auto *kind = dynamic_cast<const CellKind *>(cell.kind);
  return kind ? &kind->layerKind() : nullptr;
}

namespace {

const CellKind *cellKind(const LayerConfig &c) {
  const Value &cell = c.get("cell");
  return cell.is(ValueKind::Layer) ? dynamic_cast<const CellKind *>(cell.layer->kind) : nullptr;
}

// A list of cells, or StackedRNNCells.
bool stacked(const Value &cell) {
  return cell.isSequence() || (cell.is(ValueKind::Layer) && cell.layer->kind->className() == "StackedRNNCells");
}

class RNNKind : public RecurrentKind {
public:
  RNNKind() : RecurrentKind("RNN", rnnArgs(),
                                "RNN(cell) over SimpleRNNCell, LSTMCell or GRUCell: that cell's layer; over a "
                                "custom cell (state_size, call(inputs, states)): its call() at every step; over a "
                                "list of cells or StackedRNNCells: the cells' layers stacked") {}

  const LayerKind *kindFor(const LayerConfig &c) const override {
    const Value &cell = c.get("cell");
    if (cell.is(ValueKind::Layer) && isCustomKind(cell.layer->kind)) return &customCellRNNKind();
    return stacked(cell) ? &stackedRNNKind() : this;
  }
  // The cell's arguments become the layer's, as its layer has them.
  void completeConfig(LayerConfig &c) const override {
    const CellKind *kind = cellKind(c);
    if (!kind) return;
    const LayerConfig &cell = c.get("cell").layer->config;
    for (const ArgSpec &a : kind->args())
      if (cell.has(a.name) && a.name != "seed") c.set(a.name, cell.get(a.name), cell.given(a.name));
  }
  bool checkConfig(DiagnosticEngine &diags, const Layer &layer) const override {
    const Value &cell = layer.config.get("cell");
    if (!cellKind(layer.config)) {
      diags.report(DiagID::err_model_arg, cell.range,
                   layer.describe() + ": the cell must be a SimpleRNNCell, LSTMCell or GRUCell, got " + describe(cell));
      return false;
    }
    return RecurrentKind::checkConfig(diags, layer);
  }
  abi::RecurrentCell cell(const LayerConfig &c) const override { return cellKind(c)->layerKind().cell(c); }
};

}  // namespace

KILN_REGISTER_LAYER(SimpleRNNCellKind)
KILN_REGISTER_LAYER(LSTMCellKind)
KILN_REGISTER_LAYER(GRUCellKind)
KILN_REGISTER_LAYER(RNNKind)

}  // namespace kiln
