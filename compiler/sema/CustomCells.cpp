// A custom cell in RNN(cell) or among stacked cells (the MinimalRNNCell of
// Keras's RNN docs): at
// every step Keras calls cell.call(inputs, states), `inputs` one step of the
// sequence, (batch, features), `states` a list of one tensor (batch, size)
// per entry of the cell's state_size, zeros at the first step; call()
// returns the step's output and the new states. The cell's build() and
// call() are traced once on such tensors (CustomCellRNN.cpp runs the
// program at every step): its inputs are the step and the states, its
// outputs the output and the new states, in order.
#include "sema/Evaluator.h"

#include "graph/TensorProgram.h"
#include "layers/core/Traced.h"
#include "layers/recurrent/Recurrent.h"

#include <algorithm>

namespace kiln {

namespace {

// The sizes of the cell's states from its state_size: an int or a list of ints.
std::vector<int64_t> stateSizes(const Value &size) {
  std::vector<Value> items = size.isSequence() ? std::vector<Value>(size.items.begin(), size.items.end())
                                               : std::vector<Value>{size};
  std::vector<int64_t> sizes;
  for (const Value &v : items) {
    if (!v.is(ValueKind::Int) || v.integer <= 0) return {};
    sizes.push_back(v.integer);
  }
  return sizes;
}

}  // namespace

bool Evaluator::traceCells(Layer *rnn, const TensorType &sequence, SourceRange range) {
  std::vector<std::pair<std::string, Layer *>> cells = stackedCells(rnn->config);
  bool custom = std::any_of(cells.begin(), cells.end(), [](const auto &c) { return isCustomKind(c.second->kind); });
  if (!custom) return true;
  if (sequence.rank() != 3 || !sequence.dims[2].known()) {
    diags_.report(DiagID::err_model_arg, range,
                  rnn->describe() + ": the input must be a sequence (batch, timesteps, features) with a known number "
                                    "of features, got " + shapeString(sequence));
    return false;
  }
  // Each cell reads the outputs of the one before.
  int64_t features = sequence.dims[2].value();
  for (const auto &[name, cell] : cells) {
    if (!isCustomKind(cell->kind)) {
      if (cell->config.has("units") && cell->config.get("units").is(ValueKind::Int)) features = cell->config.integer("units");
      continue;
    }
    if (!traceCell(cell, cell->describe() + " in " + rnn->describe(), features, range)) return false;
    features = cell->program->nodes[cell->program->outputs[0]].dims[1];
  }
  return true;
}

bool Evaluator::traceCell(Layer *cell, const std::string &who, int64_t features, SourceRange range) {
  // self.state_size, set in __init__, a @property (AbstractRNNCell's) or a class attribute.
  const Value *member = classMember(cell->kind, "state_size");
  Value size = Value::none(range);
  if (member && member->is(ValueKind::Function) && member->text == "property")
    size = callClassMethod(cell, "state_size", CallSite{range, range, {}});
  else if (cell->config.has("state_size"))
    size = cell->config.get("state_size");
  else if (member)
    size = *member;
  if (size.is(ValueKind::Error)) return false;
  std::vector<int64_t> sizes = stateSizes(size);
  if (sizes.empty()) {
    diags_.report(DiagID::err_model_arg, range,
                  who + ": the cell must set self.state_size to the size of its state, a positive int, or a list of "
                        "them for several states, as Keras's RNN reads it");
    return false;
  }
  for (const auto &[attribute, value] : cell->config.entries())
    if (value.is(ValueKind::Layer) || value.is(ValueKind::Model)) {
      diags_.report(DiagID::err_unsupported_argument_value, range, who,
                    "a cell that calls other layers (self." + attribute + ")");
      return false;
    }
  if (classMember(cell->kind, "get_initial_state")) {
    diags_.report(DiagID::err_unsupported_argument_value, range, who, "a cell with its own get_initial_state()");
    return false;
  }
  std::vector<TensorType> types{{DType::Float32, {kNone, features}}};
  for (int64_t size : sizes) types.push_back({DType::Float32, {kNone, size}});
  if (cell->program) {
    if (types == cell->builtInputs) return true;
    diags_.report(DiagID::err_model_arg, range,
                  who + ": the cell was traced on steps of " + shapeString(cell->builtInputs[0]) + ", and now gets " +
                      shapeString(types[0]));
    return false;
  }
  if (trace_) {
    diags_.report(DiagID::err_model_arg, range, who + ": calling it inside another layer's computation is not supported");
    return false;
  }
  auto program = std::make_shared<TensorProgram>();
  trace_ = program;
  materializeInitWeights(cell, *program, range);
  Value step = traced(program->input(0, {kNone, features}), range);
  std::vector<Value> states;
  for (size_t i = 0; i < sizes.size(); ++i) states.push_back(traced(program->input(int(i + 1), {kNone, sizes[i]}), range));
  CallSite build{range, range, {{"", {}, shapeTuple({kNone, features}, range), nullptr}}};
  CallSite call{range, range, {{"", {}, step, nullptr}, {"", {}, Value::ofList(states, range), nullptr}}};
  Value result = Value::error(range);
  if (builtFirst_.count(cell) || !callClassMethod(cell, "build", build).is(ValueKind::Error))
    result = callClassMethod(cell, "call", call);
  trace_ = nullptr;
  if (result.is(ValueKind::Error)) return false;
  // (output, new_states): the new states a list, or one tensor for one state.
  std::vector<Value> outputs;
  if (result.isSequence() && result.items.size() == 2) {
    outputs.push_back(result.items[0]);
    const Value &next = result.items[1];
    if (next.isSequence()) outputs.insert(outputs.end(), next.items.begin(), next.items.end());
    else outputs.push_back(next);
  }
  if (outputs.size() != sizes.size() + 1) {
    diags_.report(DiagID::err_model_arg, range,
                  who + ": the cell's call() must return (output, new_states) with " + std::to_string(sizes.size()) +
                      " new state" + (sizes.size() == 1 ? "" : "s") + " (its state_size), got " + describe(result));
    return false;
  }
  for (size_t i = 0; i < outputs.size(); ++i) {
    const Value &o = outputs[i];
    bool fromInputs = o.is(ValueKind::Traced) && o.program == program && program->nodes[o.integer].batched;
    const std::vector<int64_t> *dims = fromInputs ? &program->nodes[o.integer].dims : nullptr;
    std::string what = i == 0 ? "its output" : "new state " + std::to_string(i - 1);
    if (o.is(ValueKind::Error)) return false;  // reported
    if (!fromInputs || dims->size() != 2 || (i > 0 && (*dims)[1] != sizes[i - 1])) {
      std::string expected = "(batch, units)", got = describe(o);
      if (i > 0) expected = "(batch, " + std::to_string(sizes[i - 1]) + ")";
      if (fromInputs) got = "shape " + shapeString(TensorType{DType::Float32, toDims(*dims)});
      diags_.report(DiagID::err_model_arg, range,
                    who + ": the cell's call() must compute " + what + " of shape " + expected +
                        " from its inputs and states, got " + got);
      return false;
    }
    program->outputs.push_back(int(o.integer));
  }
  cell->program = program;
  cell->builtInputs = types;
  return true;
}

}  // namespace kiln
