// RNN over stacked cells: RNN([cell, ...]) or RNN(StackedRNNCells([...])),
// built-in cells or custom ones (CustomCellRNN.cpp).
// At each step Keras runs the cells in turn, each on the output of the one
// before, and masked steps keep every cell's state. That is the cells'
// layers stacked: every cell but the last returns its whole sequence, in
// input order (with go_backwards its sequence is in processing order and is
// flipped back), so the next cell reads the same steps under the same mask;
// the last returns what the RNN returns. Weights are per cell, in the
// cells' order, named as Keras 3 saves them (cell/cells/lstm_cell/vars):
// lstm_cell/kernel, gru_cell/kernel, lstm_cell_1/kernel.
#include "codegen/LowerContext.h"
#include "layers/core/Traced.h"
#include "layers/recurrent/Recurrent.h"

#include <map>

namespace kiln {

namespace {

// The cells as written: RNN's `cell` list, or StackedRNNCells' `cells`; a single cell alone.
std::vector<Value> cellValues(const LayerConfig &rnn) {
  const Value &cell = rnn.get("cell");
  bool container = cell.is(ValueKind::Layer) && cell.layer->kind->className() == "StackedRNNCells";
  const Value &list = container ? cell.layer->config.get("cells") : cell;
  if (!list.isSequence()) return {list};
  return std::vector<Value>(list.items.begin(), list.items.end());
}

// One cell as the layer it makes, with the RNN's arguments: its recurrent
// layer (LSTMCell: LSTM), or for a custom cell RNN over that cell alone.
struct StackedCell {
  Layer layer;
  const SequenceLayerKind *kind;
  std::string weightPrefix;  // "lstm_cell/"
};

// The copies are named `rnnName`.lstm_cell (their constants' names when lowering).
std::vector<StackedCell> cellLayers(const LayerConfig &c, const std::string &rnnName) {
  std::vector<std::pair<std::string, Layer *>> cells = stackedCells(c);
  std::vector<StackedCell> out;
  for (size_t i = 0; i < cells.size(); ++i) {
    const auto &[name, cell] = cells[i];
    bool first = i == 0, last = i + 1 == cells.size();
    StackedCell s{*cell, cellLayerKind(*cell), name + "/"};
    if (isCustomKind(cell->kind)) {
      s.kind = static_cast<const SequenceLayerKind *>(&customCellRNNKind());
      s.layer.config = c;
      s.layer.config.set("cell", Value::ofLayer(cell, {}), true);
    }
    s.layer.kind = s.kind;
    s.layer.name = rnnName + "." + name;
    LayerConfig &lc = s.layer.config;
    lc.set("return_sequences", Value::ofBool(!last || c.flag("return_sequences")), true);
    lc.set("return_state", Value::ofBool(false), false);
    lc.set("go_backwards", c.get("go_backwards"), c.given("go_backwards"));
    lc.set("unroll", c.get("unroll"), c.given("unroll"));
    lc.set("zero_output_for_mask", Value::ofBool(last && c.flag("zero_output_for_mask")), last);
    // The RNN's arguments that Kiln refuses, checked once, with the first cell.
    for (const char *refused : {"stateful", "time_major"})
      lc.set(refused, first ? c.get(refused) : Value::ofBool(false), first && c.given(refused));
    for (const char *keyword : {"input_dim", "input_length"}) lc.set(keyword, Value::none(), false);
    out.push_back(std::move(s));
  }
  return out;
}

// [the largest cell's temporary][each inner cell's sequence][a sequence flipped back, with go_backwards]
struct Layout {
  Dim cellTemporary = 0;
  std::vector<Dim> sequences;
  Dim flippedAt = 0, total = 0;
};

class StackedRNNKind : public SequenceLayerKind {
public:
  StackedRNNKind() : SequenceLayerKind("RNN", rnnArgs(), "RNN over stacked cells") {}

  std::vector<std::string> stateNames(const LayerConfig &) const override { return {}; }

  std::vector<TensorType> outputTypes(const LayerConfig &c, const TensorType &input) const override {
    TensorType x = input;
    for (const StackedCell &cell : cellLayers(c, "")) x = cell.kind->outputTypes(cell.layer.config, x)[0];
    return {x};
  }

  bool checkConfig(DiagnosticEngine &diags, const Layer &layer) const override {
    std::vector<Value> cells = cellValues(layer.config);
    bool ok = true;
    for (const Value &cell : cells) {
      if (cell.is(ValueKind::Error) || (cell.is(ValueKind::Layer) && cell.layer->invalid)) return false;
      if (!cell.is(ValueKind::Layer) || !(cellLayerKind(*cell.layer) || isCustomKind(cell.layer->kind))) {
        diags.report(DiagID::err_model_arg, cell.range,
                     layer.describe() + ": each stacked cell must be a SimpleRNNCell, LSTMCell, GRUCell or a custom "
                                        "cell, got " + describe(cell));
        ok = false;
      }
    }
    if (cells.empty()) {
      diags.report(DiagID::err_model_arg, layer.config.get("cell").range, layer.describe() + ": the list of cells is empty");
      ok = false;
    }
    if (layer.config.flag("return_state")) {
      // Keras returns each cell's states as a nested list: [output, [h, c], [h, c], ...].
      diags.report(DiagID::err_unsupported_argument_value, layer.config.get("return_state").range, layer.describe(),
                   "return_state=True with stacked cells");
      ok = false;
    }
    if (!ok) return false;
    for (const StackedCell &cell : cellLayers(layer.config, layer.name)) ok = cell.kind->checkConfig(diags, cell.layer) && ok;
    return ok;
  }

  void inferShapes(ShapeContext &cx) const override {
    if (cx.inputs().size() > 1) {
      cx.error(DiagID::err_unsupported_argument_value, cx.layer().describe(), "initial_state with stacked cells");
      return;
    }
    TensorType x = cx.input();
    for (const StackedCell &cell : cellLayers(cx.config(), cx.layer().name)) {
      ShapeContext inner = cx.wrapped(cell.layer, {x});
      inner.infer(*cell.kind);
      if (inner.failed()) return;
      for (WeightSpec w : inner.weights) {
        w.name = cell.weightPrefix + w.name;
        cx.weights.push_back(std::move(w));
      }
      x = inner.outputs[0];
    }
    cx.outputs = {x};
    if (!cx.config().flag("return_sequences")) cx.dropMask(0);
  }

  Layout layout(const Layer &layer, const TensorType &input) const {
    Layout l;
    Dim flipped = 0;
    TensorType x = input;
    std::vector<StackedCell> cells = cellLayers(layer.config, layer.name);
    for (size_t i = 0; i < cells.size(); ++i) {
      std::vector<TensorType> outs = cells[i].kind->outputTypes(cells[i].layer.config, x);
      l.cellTemporary = max(l.cellTemporary, roundUp(cells[i].kind->temporaryBytesPerSample(cells[i].layer, {x}, outs), 64));
      x = outs[0];
      if (i + 1 == cells.size()) break;
      l.sequences.push_back(roundUp(mul(x.sampleSize(), 4), 64));
      if (layer.config.flag("go_backwards")) flipped = max(flipped, l.sequences.back());
    }
    l.flippedAt = l.cellTemporary;
    for (const Dim &s : l.sequences) l.flippedAt = add(l.flippedAt, s);
    l.total = add(l.flippedAt, flipped);
    return l;
  }

  Dim temporaryBytesPerSample(const Layer &layer, const std::vector<TensorType> &inputs,
                              const std::vector<TensorType> &) const override {
    return layout(layer, inputs[0]).total;
  }

  // The cells run one after the other: the largest workspace of them.
  Dim workspaceBytes(const Layer &layer, const std::vector<TensorType> &inputs, const std::vector<TensorType> &,
                     const Algorithms &algorithms) const override {
    Dim most = 0;
    TensorType x = inputs[0];
    for (const StackedCell &cell : cellLayers(layer.config, layer.name)) {
      std::vector<TensorType> outs = cell.kind->outputTypes(cell.layer.config, x);
      most = max(most, cell.kind->workspaceBytes(cell.layer, {x}, outs, algorithms));
      x = outs[0];
    }
    return most;
  }

  void lower(LowerContext &cx) const override {
    std::vector<StackedCell> cells = cellLayers(cx.config(), cx.layer().name);
    Layout l = layout(cx.layer(), cx.inputType());
    auto at = [&](const Dim &offset) {
      return offset == 0 ? cx.temporary()
                         : cx.ir().CreateInBoundsGEP(cx.ir().getInt8Ty(), cx.temporary(), cx.batchTimes(offset));
    };
    bool backwards = cx.config().flag("go_backwards");
    Dim next = l.cellTemporary;  // where the next inner sequence goes
    llvm::Value *x = cx.input();
    TensorType type = cx.inputType();
    for (size_t i = 0; i < cells.size(); ++i) {
      bool last = i + 1 == cells.size();
      LowerBindings b;
      b.layer = &cells[i].layer;
      b.weightLayer = cx.bindings().weightLayer;
      b.weightPrefix = cx.bindings().weightPrefix + cells[i].weightPrefix;
      b.inputs = {x};
      b.inputTypes = {type};
      b.inputMasks = {cx.hasInputMask() ? cx.inputMask() : nullptr};
      b.inputMaskTypes = {cx.hasInputMask() ? cx.inputMaskType() : TensorType{}};
      b.outputTypes = cells[i].kind->outputTypes(cells[i].layer.config, type);
      llvm::Value *sequence = last ? cx.output() : at(next);
      b.outputs = {last || !backwards ? sequence : at(l.flippedAt)};
      b.batch = cx.batch();
      b.temporary = cx.temporary();
      cx.lowerInner(b);
      type = b.outputTypes[0];
      if (last) break;
      if (backwards)
        cx.call("kiln_reverse_steps", {sequence, b.outputs[0], cx.batch(), cx.i64(type.dims[1]), cx.i64(type.dims[2])});
      x = sequence;
      next = add(next, l.sequences[i]);
    }
  }
};

}  // namespace

const LayerKind &stackedRNNKind() {
  static const StackedRNNKind kind;
  return kind;
}

std::vector<std::pair<std::string, Layer *>> stackedCells(const LayerConfig &rnn) {
  std::vector<std::pair<std::string, Layer *>> cells;
  std::map<std::string, int> seen;  // Keras 3 names a list's items by class, counted per class
  for (const Value &v : cellValues(rnn)) {
    if (!v.is(ValueKind::Layer)) continue;
    std::string name = toSnakeCase(v.layer->className());
    if (int n = seen[name]++) name.append(1, '_').append(std::to_string(n));
    cells.push_back({name, v.layer});
  }
  return cells;
}

namespace {

// StackedRNNCells(cells): an argument of RNN only.
class StackedRNNCellsKind : public LayerKind {
public:
  StackedRNNCellsKind()
      : LayerKind("StackedRNNCells", {arg("cells", ArgType::Any)}, "cells run in turn at each step, by RNN(...)") {}
  bool supportsOpenAxes() const override { return true; }
  void inferShapes(ShapeContext &cx) const override {
    cx.error(DiagID::err_model_arg, "StackedRNNCells runs inside a recurrent layer: call RNN(StackedRNNCells(...)) on "
                                    "the sequence");
  }
  void lower(LowerContext &) const override {}
};

}  // namespace

KILN_REGISTER_LAYER(StackedRNNCellsKind)

}  // namespace kiln
