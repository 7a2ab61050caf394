// RNN over a custom cell (a Layer subclass with state_size and
// call(inputs, states)): the cell's traced program (sema/CustomCells.cpp) run
// at every step, as Keras's RNN loop does. The states start at zeros or at
// initial_state; a masked step keeps them and repeats the previous output (or
// zeros it, zero_output_for_mask); go_backwards reads the steps last to first
// and returns the sequence in that order; return_state adds the last states.
// The weights are the cell's, as Keras saves them (rnn/cell/vars).
#include "codegen/LowerContext.h"
#include "graph/TensorProgram.h"
#include "layers/recurrent/Recurrent.h"

#include <numeric>

namespace kiln {
namespace {

const Layer &cellOf(const LayerConfig &c) { return *c.get("cell").layer; }

// The program's output width and state sizes (program outputs: the output, then the states).
struct CellSizes {
  int64_t output = 0;
  std::vector<int64_t> states;
  int64_t stateTotal() const { return std::accumulate(states.begin(), states.end(), int64_t(0)); }
};

CellSizes cellSizes(const TensorProgram &p) {
  CellSizes s;
  s.output = p.nodes[p.outputs[0]].dims[1];
  for (size_t i = 1; i < p.outputs.size(); ++i) s.states.push_back(p.nodes[p.outputs[i]].dims[1]);
  return s;
}

// Floats per sample before each section of the temporary: [the step's
// input][the states][the new states][the output][the previous output][the cell's own].
struct Layout {
  int64_t step = 0, states = 0, next = 0, output = 0, previous = 0, cell = 0;
};

int64_t section(int64_t floats) { return (floats + 15) / 16 * 16; }  // 64-byte aligned

Layout layout(int64_t features, const CellSizes &s) {
  Layout l;
  l.states = l.step + section(features);
  l.next = l.states + section(s.stateTotal());
  l.output = l.next + section(s.stateTotal());
  l.previous = l.output + section(s.output);
  l.cell = l.previous + section(s.output);
  return l;
}

class CustomCellRNNKind : public SequenceLayerKind {
public:
  CustomCellRNNKind() : SequenceLayerKind("RNN", rnnArgs(), "RNN over a custom cell") {}

  std::vector<std::string> stateNames(const LayerConfig &c) const override {
    size_t n = cellOf(c).program ? cellSizes(*cellOf(c).program).states.size() : 1;
    std::vector<std::string> names;
    for (size_t i = 0; i < n; ++i) names.push_back(n == 1 ? "state" : "state_" + std::to_string(i));
    return names;
  }

  std::vector<TensorType> outputTypes(const LayerConfig &c, const TensorType &input) const override {
    CellSizes s = cellSizes(*cellOf(c).program);
    std::vector<TensorType> out{c.flag("return_sequences") ? TensorType{DType::Float32, {input.dims[0], input.dims[1], s.output}}
                                                          : TensorType{DType::Float32, {input.dims[0], s.output}}};
    if (c.flag("return_state"))
      for (int64_t size : s.states) out.push_back(TensorType{DType::Float32, {input.dims[0], size}});
    return out;
  }

  bool checkConfig(DiagnosticEngine &diags, const Layer &layer) const override {
    bool ok = true;
    for (const char *refused : {"stateful", "time_major"})
      if (layer.config.flag(refused)) {
        diags.report(DiagID::err_unsupported_argument_value, layer.config.get(refused).range, layer.describe(),
                     std::string(refused) + "=True");
        ok = false;
      }
    return ok;
  }

  void inferShapes(ShapeContext &cx) const override {
    if (!cellOf(cx.config()).program) {  // traced where the RNN is called (Evaluator::traceCells)
      cx.error(DiagID::err_model_arg, cx.layer().describe() + ": its custom cell runs only in an RNN called on a "
                                                              "sequence or wrapped in Bidirectional");
      return;
    }
    const TensorProgram &p = *cellOf(cx.config()).program;
    CellSizes s = cellSizes(p);
    size_t given = cx.inputs().size() - 1;
    if (given != 0 && given != s.states.size()) {
      cx.error(DiagID::err_shape_mismatch, cx.layer().describe(),
               "initial_state has " + std::to_string(given) + " tensor" + (given == 1 ? "" : "s") + ", but the cell has " +
                   std::to_string(s.states.size()) + " state" + (s.states.size() == 1 ? "" : "s"));
      return;
    }
    for (size_t i = 0; i < given; ++i) {
      const TensorType &state = cx.input(i + 1);
      if (state.rank() != 2 || state.dims[1] != Dim(s.states[i])) {
        cx.error(DiagID::err_shape_mismatch, cx.layer().describe(),
                 "initial state " + std::to_string(i) + " has shape " + shapeString(state) + ", but the state is (None, " +
                     std::to_string(s.states[i]) + ")");
        return;
      }
    }
    cx.outputs = outputTypes(cx.config(), cx.input());
    for (size_t i = cx.config().flag("return_sequences") ? 1 : 0; i < cx.outputs.size(); ++i) cx.dropMask(i);
    cx.weights = p.weights;
  }

  // The cell's layer as the loop runs it: its program, this layer's weights.
  static Layer stepLayer(const Layer &rnn) {
    Layer cell = cellOf(rnn.config);
    cell.name = rnn.name + "." + cell.name;
    return cell;
  }
  static std::vector<TensorType> stepTypes(const std::vector<int64_t> &widths, const Dim &batch) {
    std::vector<TensorType> types;
    for (int64_t w : widths) types.push_back(TensorType{DType::Float32, {batch, w}});
    return types;
  }

  Dim temporaryBytesPerSample(const Layer &layer, const std::vector<TensorType> &inputs,
                              const std::vector<TensorType> &) const override {
    Layer cell = stepLayer(layer);
    CellSizes s = cellSizes(*cell.program);
    int64_t features = inputs[0].dims[2].value();
    std::vector<int64_t> in{features}, out{s.output};
    in.insert(in.end(), s.states.begin(), s.states.end());
    out.insert(out.end(), s.states.begin(), s.states.end());
    Dim own = cell.kind->temporaryBytesPerSample(cell, stepTypes(in, inputs[0].dims[0]), stepTypes(out, inputs[0].dims[0]));
    return add(layout(features, s).cell * 4, own);
  }

  void lower(LowerContext &cx) const override {
    const LayerConfig &c = cx.config();
    Layer cell = stepLayer(cx.layer());
    CellSizes s = cellSizes(*cell.program);
    int64_t features = cx.inputType().dims[2].value();
    Layout l = layout(features, s);
    llvm::IRBuilder<> &ir = cx.ir();
    auto at = [&](int64_t floats) {
      return ir.CreateInBoundsGEP(ir.getInt8Ty(), cx.temporary(), cx.batchTimes(Dim(floats * 4)));
    };
    auto bytes = [&](int64_t floats) { return cx.batchTimes(Dim(floats * 4)); };
    llvm::Align align(4);
    std::vector<llvm::Value *> states, next;
    for (int64_t i = 0, offset = 0; i < int64_t(s.states.size()); offset += s.states[i++]) {
      states.push_back(at(l.states + offset));
      next.push_back(at(l.next + offset));
    }
    llvm::Value *step = at(l.step), *output = at(l.output), *previous = at(l.previous);
    for (size_t i = 0; i < states.size(); ++i) {
      if (cx.inputCount() > 1) ir.CreateMemCpy(states[i], align, cx.input(i + 1), align, bytes(s.states[i]));
      else ir.CreateMemSet(states[i], ir.getInt8(0), bytes(s.states[i]), align);
    }
    ir.CreateMemSet(output, ir.getInt8(0), bytes(s.output), align);
    ir.CreateMemSet(previous, ir.getInt8(0), bytes(s.output), align);

    LowerBindings b;
    b.layer = &cell;
    b.weightLayer = cx.bindings().weightLayer;
    b.weightPrefix = cx.bindings().weightPrefix;
    b.inputs = {step};
    b.inputs.insert(b.inputs.end(), states.begin(), states.end());
    b.outputs = {output};
    b.outputs.insert(b.outputs.end(), next.begin(), next.end());
    std::vector<int64_t> in{features}, out{s.output};
    in.insert(in.end(), s.states.begin(), s.states.end());
    out.insert(out.end(), s.states.begin(), s.states.end());
    b.inputTypes = stepTypes(in, cx.inputType().dims[0]);
    b.outputTypes = stepTypes(out, cx.inputType().dims[0]);
    b.batch = cx.batch();
    b.temporary = at(l.cell);

    // for (index = 0; index < steps; ++index), t the step read
    llvm::Value *steps = cx.dim(cx.inputType().dims[1]);
    llvm::Function *function = ir.GetInsertBlock()->getParent();
    llvm::BasicBlock *before = ir.GetInsertBlock();
    auto *loop = llvm::BasicBlock::Create(ir.getContext(), cx.layer().name + ".step", function);
    auto *done = llvm::BasicBlock::Create(ir.getContext(), cx.layer().name + ".done", function);
    ir.CreateCondBr(ir.CreateICmpSGT(steps, cx.i64(0)), loop, done);
    ir.SetInsertPoint(loop);
    llvm::PHINode *index = ir.CreatePHI(ir.getInt64Ty(), 2, "step");
    index->addIncoming(cx.i64(0), before);
    llvm::Value *t = c.flag("go_backwards") ? ir.CreateSub(ir.CreateSub(steps, cx.i64(1)), index) : index;
    cx.call("kiln_sequence_step", {cx.input(), step, cx.batch(), steps, t, cx.i64(features), cx.i32(0)});
    cx.lowerInner(b);
    if (cx.hasInputMask()) {
      for (size_t i = 0; i < states.size(); ++i)
        cx.call("kiln_keep_masked",
                {next[i], states[i], cx.inputMask(), cx.batch(), steps, t, cx.i64(s.states[i]), cx.i32(0)});
      cx.call("kiln_keep_masked", {output, previous, cx.inputMask(), cx.batch(), steps, t, cx.i64(s.output),
                                   cx.i32(c.flag("zero_output_for_mask"))});
      ir.CreateMemCpy(previous, align, output, align, bytes(s.output));
    }
    ir.CreateMemCpy(states[0], align, next[0], align, bytes(s.stateTotal()));
    if (c.flag("return_sequences"))
      cx.call("kiln_sequence_step", {cx.output(), output, cx.batch(), steps, index, cx.i64(s.output), cx.i32(1)});
    llvm::Value *following = ir.CreateAdd(index, cx.i64(1));
    index->addIncoming(following, ir.GetInsertBlock());
    ir.CreateCondBr(ir.CreateICmpSLT(following, steps), loop, done);
    ir.SetInsertPoint(done);

    if (!c.flag("return_sequences")) ir.CreateMemCpy(cx.output(), align, output, align, bytes(s.output));
    if (c.flag("return_state"))
      for (size_t i = 0; i < states.size(); ++i)
        ir.CreateMemCpy(cx.output(i + 1), align, states[i], align, bytes(s.states[i]));
  }
};

}  // namespace

const LayerKind &customCellRNNKind() {
  static const CustomCellRNNKind kind;
  return kind;
}

}  // namespace kiln
