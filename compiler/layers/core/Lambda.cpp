// Lambda and custom layers: their outputs and weights are those of the
// tensor program traced from their Python code; the lowering runs the
// program node by node. Elementwise nodes used once by another elementwise
// node are fused into it, so a chain like sqrt(maximum(sum(square(x - y)),
// eps)) is two kernel calls: one map and one reduction, then one map.
#include "layers/core/Traced.h"

#include "codegen/LowerContext.h"
#include "graph/TensorProgram.h"
#include "layers/preprocessing/Resize.h"

#include <deque>
#include <fmt/format.h>

namespace kiln {
namespace {

using Op = TensorExpr::Op;

// Where each node's values live.
struct Plan {
  enum class Kind { Fused, Input, Weight, Constant, Alias, Output, Temporary };
  std::vector<Kind> kinds;
  std::vector<int> output;        // Output: which output
  std::vector<int64_t> offset;    // Temporary: floats per sample before it
  int64_t temporaryFloats = 0;    // per sample
};

int64_t roundUp(int64_t floats) { return (floats + 15) / 16 * 16; }  // 64-byte aligned sections

Plan plan(const TensorProgram &p) {
  size_t n = p.nodes.size();
  std::vector<int> uses(n, 0), elementwiseUses(n, 0);
  for (const TensorExpr &e : p.nodes)
    for (int o : e.operands) {
      ++uses[o];
      elementwiseUses[o] += e.elementwise();
    }
  Plan plan;
  plan.kinds.assign(n, Plan::Kind::Temporary);
  plan.output.assign(n, -1);
  plan.offset.assign(n, 0);
  for (size_t i = 0; i < p.outputs.size(); ++i)
    if (plan.output[p.outputs[i]] < 0) plan.output[p.outputs[i]] = int(i);
  for (size_t i = 0; i < n; ++i) {
    const TensorExpr &e = p.nodes[i];
    bool output = plan.output[i] >= 0;
    Plan::Kind &k = plan.kinds[i];
    if (e.op == Op::Input && e.code == 0) k = Plan::Kind::Input;  // an int32 input is converted into a temporary
    else if (e.op == Op::Weight) k = Plan::Kind::Weight;
    else if (e.op == Op::Scalar || e.op == Op::Constant) k = Plan::Kind::Constant;
    else if (!output && e.elementwise() && uses[i] == 1 && elementwiseUses[i] == 1) k = Plan::Kind::Fused;
    else if (output) k = Plan::Kind::Output;
    else if (e.op == Op::Copy && e.offset == 0 && e.strides == sampleStrides(e.dims, e.batched) &&
             p.nodes[e.operands[0]].batched == e.batched &&
             p.nodes[e.operands[0]].sampleElements() == e.sampleElements())
      k = Plan::Kind::Alias;  // a reshape: the same elements in the same order
  }
  // A fused tree must fit kiln_expr_map's stack and operand table: where it
  // would not, its largest fused operand is computed on its own.
  std::vector<int> need(n, 1), leaves(n, 1);
  for (size_t i = 0; i < n; ++i) {
    const TensorExpr &e = p.nodes[i];
    if (!e.elementwise()) continue;
    for (;;) {
      need[i] = leaves[i] = 0;
      int largest = -1;
      for (size_t k = 0; k < e.operands.size(); ++k) {
        int o = e.operands[k];
        bool fused = plan.kinds[o] == Plan::Kind::Fused;
        need[i] = std::max(need[i], (fused ? need[o] : 1) + int(k));
        leaves[i] += fused ? leaves[o] : 1;
        if (fused && (largest < 0 || leaves[o] > leaves[largest])) largest = o;
      }
      if ((need[i] <= abi::kMapStackDepth && leaves[i] <= abi::kMapOperands) || largest < 0) break;
      plan.kinds[largest] = Plan::Kind::Temporary;
    }
  }
  for (size_t i = 0; i < n; ++i)
    if (plan.kinds[i] == Plan::Kind::Temporary) {
      plan.offset[i] = plan.temporaryFloats;
      plan.temporaryFloats += roundUp(p.nodes[i].sampleElements());
    }
  return plan;
}

// The size of the leading `axes` axes after the batch: the rows per sample of a folded program.
Dim foldedSize(const TensorType &input, int axes) {
  Dim n(1);
  for (int a = 1; a <= axes; ++a) n = mul(n, input.dims[a]);
  return n;
}

class Lowering {
public:
  Lowering(LowerContext &cx, const TensorProgram &p)
      : cx_(cx), p_(p), plan_(plan(p)), buffers_(p.nodes.size()),
        batch_(p.foldedAxes ? cx.batchTimes(foldedSize(cx.inputType(), p.foldedAxes)) : cx.batch()) {}

  void run() {
    for (size_t i = 0; i < p_.nodes.size(); ++i) {
      const TensorExpr &e = p_.nodes[i];
      switch (plan_.kinds[i]) {
      case Plan::Kind::Fused: continue;
      case Plan::Kind::Input: buffers_[i] = cx_.input(e.index); continue;
      case Plan::Kind::Weight: buffers_[i] = weight(e.index); continue;
      case Plan::Kind::Constant:
        buffers_[i] = cx_.constant(fmt::format("expr{}", i), e.op == Op::Scalar ? std::vector<float>{e.value} : e.values);
        continue;
      case Plan::Kind::Alias: buffers_[i] = buffers_[e.operands[0]]; continue;
      case Plan::Kind::Output: buffers_[i] = cx_.output(plan_.output[i]); break;
      case Plan::Kind::Temporary: {
        llvm::IRBuilder<> &ir = cx_.ir();
        llvm::Value *bytes = ir.CreateMul(batch_, cx_.i64(plan_.offset[i] * 4));
        buffers_[i] = ir.CreateInBoundsGEP(ir.getInt8Ty(), cx_.temporary(), bytes);
        break;
      }
      }
      compute(int(i));
    }
    // An output that is an input, a weight or another output's node too.
    for (size_t k = 0; k < p_.outputs.size(); ++k) {
      int o = p_.outputs[k];
      if (plan_.kinds[o] != Plan::Kind::Output || plan_.output[o] != int(k)) copyInto(cx_.output(k), o, p_.nodes[o]);
    }
  }

private:
  llvm::Value *weight(int index) { return cx_.constant(p_.weights[index].name, cx_.weight(p_.weights[index].name)); }
  llvm::Value *batchOf(const TensorExpr &e) { return e.batched ? batch_ : cx_.i64(1); }
  // Sizes as i64: batch times the constant product of dims[from, to).
  llvm::Value *rows(const TensorExpr &e, int from, int to) {
    int64_t n = 1;
    for (int i = from; i < to; ++i) n *= e.dims[i];
    return cx_.ir().CreateMul(batchOf(e), cx_.i64(n));
  }
  std::vector<int64_t> sampleDims(const TensorExpr &e) {
    std::vector<int64_t> d(e.dims.begin() + (e.batched ? 1 : 0), e.dims.end());
    return d.empty() ? std::vector<int64_t>{1} : d;
  }

  void compute(int i) {
    const TensorExpr &e = p_.nodes[i];
    if (e.elementwise()) {
      map(i);
      return;
    }
    llvm::Value *out = buffers_[i];
    switch (e.op) {
    case Op::Input:  // int32 values
      cx_.call("kiln_expr_from_int32", {out, cx_.input(e.index), rows(e, e.batched ? 1 : 0, e.rank())});
      return;
    case Op::Reduce: {
      const TensorExpr &x = p_.nodes[e.operands[0]];
      int first = x.batched ? 1 : 0;
      cx_.call("kiln_expr_reduce", {out, buffers_[e.operands[0]], rows(x, first, e.index), cx_.i64(x.dims[e.index]),
                                    cx_.i64(product(x, e.index + 1)), cx_.i32(e.code)});
      return;
    }
    case Op::Softmax: {
      int first = e.batched ? 1 : 0;
      cx_.call("kiln_softmax_axis", {out, buffers_[e.operands[0]], rows(e, first, e.index), cx_.i64(e.dims[e.index]),
                                     cx_.i64(product(e, e.index + 1)), cx_.i32(e.code)});
      return;
    }
    case Op::MatMul: {
      const TensorExpr &x = p_.nodes[e.operands[0]];
      cx_.call("kiln_expr_matmul", {out, buffers_[e.operands[0]], buffers_[e.operands[1]],
                                    rows(x, x.batched ? 1 : 0, x.rank() - 1), cx_.i64(x.dims.back()),
                                    cx_.i64(e.dims.back())});
      return;
    }
    case Op::Copy: copyInto(out, e.operands[0], e, e.offset, e.strides); return;
    case Op::Resize: {
      const TensorExpr &x = p_.nodes[e.operands[0]];
      static const char *const interpolations[] = {"bilinear", "nearest", "area"};
      emitResize(cx_, out, buffers_[e.operands[0]], batch_, Image{x.dims[1], x.dims[2], x.dims[3]},
                 ResizeWindow{0, 0, x.dims[1], x.dims[2]}, e.dims[1], e.dims[2], interpolations[e.code],
                 abi::ResizeCoordinates(e.index));
      return;
    }
    case Op::Concat: {
      int first = e.batched ? 1 : 0;
      std::vector<int64_t> outStrides = sampleStrides(e.dims, e.batched);
      int64_t along = 0;
      for (int o : e.operands) {
        const TensorExpr &x = p_.nodes[o];
        std::vector<int64_t> dims(x.dims.begin() + first, x.dims.end());
        copy(out, buffers_[o], x, e, dims, 0, sampleStrides(x.dims, x.batched), along * outStrides[e.index - first],
             outStrides);
        along += x.dims[e.index];
      }
      return;
    }
    default: return;
    }
  }
  int64_t product(const TensorExpr &e, int from) {
    int64_t n = 1;
    for (int i = from; i < e.rank(); ++i) n *= e.dims[i];
    return n;
  }

  // out (of node `shape`'s shape) = the elements of node x at offset + i . strides.
  void copyInto(llvm::Value *out, int x, const TensorExpr &shape, int64_t offset = 0, std::vector<int64_t> strides = {}) {
    const TensorExpr &in = p_.nodes[x];
    std::vector<int64_t> dims(shape.dims.begin() + (shape.batched ? 1 : 0), shape.dims.end());
    if (strides.empty() && !dims.empty()) strides = sampleStrides(shape.dims, shape.batched);
    copy(out, buffers_[x], in, shape, dims, offset, strides, 0, sampleStrides(shape.dims, shape.batched));
  }
  // Per sample of `to` (an operand without a batch axis is read again for each).
  void copy(llvm::Value *out, llvm::Value *in, const TensorExpr &from, const TensorExpr &to, std::vector<int64_t> dims,
            int64_t inOffset, std::vector<int64_t> inStrides, int64_t outOffset, std::vector<int64_t> outStrides) {
    if (dims.empty()) dims = inStrides = outStrides = {1};
    std::vector<Dim> g{int64_t(dims.size()), from.batched ? from.sampleElements() : 0, to.sampleElements(), inOffset,
                       outOffset};
    for (auto *v : {&dims, &inStrides, &outStrides}) g.insert(g.end(), v->begin(), v->end());
    cx_.call("kiln_expr_copy", {out, in, batchOf(to), cx_.ints("copy", g)});
  }

  // A fused elementwise tree rooted at node i, computed by one kiln_expr_map call.
  void map(int i) {
    const TensorExpr &e = p_.nodes[i];
    code_.clear();
    immediates_.clear();
    operands_.clear();
    emit(i, true);
    std::vector<int64_t> dims = sampleDims(e);
    std::vector<Dim> g{int64_t(dims.size()), e.sampleElements(), int64_t(operands_.size())};
    g.insert(g.end(), dims.begin(), dims.end());
    llvm::IRBuilder<> &ir = cx_.ir();
    llvm::Value *pointers = ir.CreateAlloca(ir.getPtrTy(), ir.getInt64(std::max<size_t>(1, operands_.size())));
    for (size_t k = 0; k < operands_.size(); ++k) {
      const TensorExpr &x = p_.nodes[operands_[k]];
      ir.CreateStore(buffers_[operands_[k]], ir.CreateConstGEP1_64(ir.getPtrTy(), pointers, k));
      g.push_back(x.batched ? x.sampleElements() : 0);
      // Strides over the output's per-sample axes; 0 where x is broadcast.
      std::vector<int64_t> own = sampleStrides(x.dims, x.batched);
      int shift = e.rank() - x.rank(), first = e.batched ? 1 : 0;
      for (int a = first; a < e.rank(); ++a) {
        int xa = a - shift;
        bool present = xa >= (x.batched ? 1 : 0) && x.dims[xa] != 1;
        g.push_back(present ? own[xa - (x.batched ? 1 : 0)] : 0);
      }
      if (e.rank() == first) g.push_back(0);  // a per-sample scalar: one axis of size 1
    }
    if (immediates_.empty()) immediates_.push_back(0);
    cx_.call("kiln_expr_map",
             {buffers_[i], pointers, batchOf(e), cx_.ints(fmt::format("map{}", i), g),
              cx_.constantInts(fmt::format("map{}.code", i), code_), cx_.i64(int64_t(code_.size() / 3)),
              cx_.constant(fmt::format("map{}.immediates", i), immediates_)});
  }
  void instruction(int64_t op, int64_t a, int64_t b = 0) { code_.insert(code_.end(), {op, a, b}); }
  void leaf(int n, const TensorExpr &x) {
    if (x.op == Op::Scalar) {
      instruction(abi::kMapImmediate, int64_t(immediates_.size()));
      immediates_.push_back(x.value);
      return;
    }
    int64_t index = std::find(operands_.begin(), operands_.end(), n) - operands_.begin();
    if (index == int64_t(operands_.size())) operands_.push_back(n);
    instruction(abi::kMapOperand, index);
  }
  void emit(int n, bool root) {
    const TensorExpr &x = p_.nodes[n];
    if (!root && plan_.kinds[n] != Plan::Kind::Fused) return leaf(n, x);
    for (int o : x.operands) emit(o, false);
    switch (x.op) {
    case Op::Unary: instruction(abi::kMapUnary, x.code); break;
    case Op::Binary: instruction(abi::kMapBinary, x.code); break;
    case Op::Select: instruction(abi::kMapSelect, 0); break;
    case Op::Activate:
      instruction(abi::kMapActivate, x.code, int64_t(immediates_.size()));
      immediates_.insert(immediates_.end(), {x.value, x.maxValue, x.threshold});
      break;
    default: break;
    }
  }

  LowerContext &cx_;
  const TensorProgram &p_;
  Plan plan_;
  std::vector<llvm::Value *> buffers_;
  llvm::Value *batch_;  // the rows a batched node has: the batch, times the folded axes' sizes
  std::vector<int64_t> code_;
  std::vector<float> immediates_;
  std::vector<int> operands_;
};

class TracedKind : public LayerKind {
public:
  using LayerKind::LayerKind;
  InputArity inputArity() const override { return {1, -1, false}; }

  // Axes sized at run time reach a program folded into its batch (foldedAxes).
  bool supportsOpenAxes() const override { return true; }
  void inferShapes(ShapeContext &cx) const override {
    const TensorProgram &p = *cx.layer().program;
    for (size_t i = 1; i < cx.inputs().size(); ++i)
      for (int a = 1; a <= p.foldedAxes; ++a)
        if (!cx.requireSameSize(cx.input(i).dims[a], cx.input().dims[a],
                                "its inputs' axis " + std::to_string(a) + " must have the same size")) {
          cx.error(DiagID::err_shape_mismatch, cx.layer().describe(), "its inputs' axis " + std::to_string(a) + " differ");
          return;
        }
    for (int o : p.outputs) {
      // The batch axis and the folded axes as the input has them, then the program's.
      std::vector<Dim> dims(cx.input().dims.begin(), cx.input().dims.begin() + 1 + p.foldedAxes);
      for (size_t a = 1; a < p.nodes[o].dims.size(); ++a) dims.push_back(Dim(p.nodes[o].dims[a]));
      cx.outputs.push_back(TensorType{DType::Float32, dims});
    }
    cx.weights = p.weights;
  }
  bool acceptsIntegerInput() const override { return true; }  // read as float32 (TensorProgram::input)
  Dim temporaryBytesPerSample(const Layer &layer, const std::vector<TensorType> &inputs,
                              const std::vector<TensorType> &) const override {
    const TensorProgram &p = *layer.program;
    return mul(foldedSize(inputs[0], p.foldedAxes), plan(p).temporaryFloats * 4);
  }
  void lower(LowerContext &cx) const override { Lowering(cx, *cx.layer().program).run(); }
};

class LambdaKind : public TracedKind {
public:
  LambdaKind()
      : TracedKind("Lambda",
                   {arg("function", ArgType::Any), arg("output_shape", ArgType::Any, Value::none()),
                    arg("mask", ArgType::Any, Value::none()), arg("arguments", ArgType::Any, Value::none())},
                   "a function of tensors in the tensor-expression subset (docs/language.md), compiled natively") {}

  bool callTakesMaskInKeras3() const override { return true; }
};

class CustomKind : public TracedKind {
public:
  CustomKind(const std::string &className, bool subclassedModel)
      : TracedKind(className, {}, subclassedModel ? "a subclassed model of the file" : "a custom layer of the file"),
        subclassedModel(subclassedModel) {}
  const bool subclassedModel;
};

class ConstantKind : public TracedKind {
public:
  using TracedKind::TracedKind;
};

std::deque<CustomKind> &customKinds() {
  static std::deque<CustomKind> kinds;
  return kinds;
}

}  // namespace

bool isTracedKind(const LayerKind *kind) { return dynamic_cast<const TracedKind *>(kind) != nullptr; }

bool isCustomKind(const LayerKind *kind) { return dynamic_cast<const CustomKind *>(kind) != nullptr; }

bool isSubclassedModelKind(const LayerKind *kind) {
  auto *custom = dynamic_cast<const CustomKind *>(kind);
  return custom && custom->subclassedModel;
}

const LayerKind *makeCustomLayerKind(const std::string &className, bool subclassedModel) {
  return &customKinds().emplace_back(className, subclassedModel);
}

const LayerKind *tensorMathKind(bool subscript) {
  // tf.keras 2's classes for these layers; Keras 3 records them as operations.
  static const TracedKind function("TFOpLambda", {}, "tensor math on a model's tensors, outside any layer");
  static const TracedKind slicing("SlicingOpLambda", {}, "a subscript of a model's tensor, outside any layer");
  return subscript ? &slicing : &function;
}

const LayerKind *constantKind() {
  static const ConstantKind kind("Constant", {}, "a constant of a custom layer's call(), computed for every sample");
  return &kind;
}

KILN_REGISTER_LAYER(LambdaKind)

}  // namespace kiln
