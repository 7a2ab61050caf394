// MultiHeadAttention (tf.keras 2.x), called as mha(query, value, key=None,
// attention_mask=None, return_attention_scores=False, use_causal_mask=False).
// query (batch, T..., dq), value (batch, S..., dv), key (batch, S..., dk),
// key = value if not given. Per head: Q = query Wq + bq, K, V likewise,
// softmax(Q K^T / sqrt(key_dim)) V; the heads' results are projected back:
// output (batch, T..., output_shape or dq). Attention runs over all the
// steps axes together (attention_axes=None, the default).
//
// Lowered as three GEMMs on the packed micro-kernel (kiln_dense) into the
// step's temporary memory, the attention core per sample and head
// (kiln_attention), and one more GEMM for the output projection. Masks as
// Keras: query, value and key masks, the causal mask and attention_mask are
// and-ed; masked scores get -1e9; in Keras 3 a query with every key masked
// gets zero weights where it computes attention with its Softmax layer,
// uniform ones where with ops.dot_product_attention. The output carries the
// query's mask.
#include "layers/attention/AttentionCore.h"

#include <algorithm>
#include <cmath>

namespace kiln {
namespace {

class MultiHeadAttentionKind : public LayerKind {
public:
  MultiHeadAttentionKind()
      : LayerKind("MultiHeadAttention",
                  withKernelArgs({arg("num_heads", ArgType::PositiveInt), arg("key_dim", ArgType::PositiveInt),
                   arg("value_dim", ArgType::PositiveInt, Value::none()),
                   arg("dropout", ArgType::Rate, Value::ofFloat(0.0)),
                   arg("use_bias", ArgType::Bool, Value::ofBool(true)),
                   arg("output_shape", ArgType::Any, Value::none()),
                   arg("attention_axes", ArgType::AxisList, Value::none())}),
                  "multi-head scaled dot-product attention, called as (query, value, key=None); call keywords "
                  "attention_mask ((batch, queries, keys) or (batch, 1, keys)), use_causal_mask, "
                  "return_attention_scores; only the default attention_axes; "
                  "dropout is the identity at inference") {}

  // query is the layer's input; value, key and attention_mask follow it.
  InputArity inputArity() const override { return {1, 1, false}; }
  std::vector<CallParam> callSignature() const override {
    return {tensorParam("query", 1, true, true),          tensorParam("value", 1, true, true),
            tensorParam("key", 1, true, false, "value"),   tensorParam("attention_mask", 1, true),
            returnScoresParam(),                           causalMaskParam()};
  }
  bool supportsMasking() const override { return true; }
  bool readsMask() const override { return true; }
  bool acceptsIntegerInput() const override { return true; }  // an int32 attention_mask
  bool supportsOpenAxes() const override { return true; }

  bool checkConfig(DiagnosticEngine &diags, const Layer &layer) const override {
    const Value &v = layer.config.get("output_shape");
    bool ok = v.is(ValueKind::None) || (v.is(ValueKind::Int) && v.integer >= 1);
    if (v.isSequence()) {
      ok = !v.items.empty();
      for (const Value &item : v.items) ok = ok && item.is(ValueKind::Int) && item.integer >= 1;
    }
    if (!ok)
      diags.report(DiagID::err_argument_value, v.range, "output_shape", layer.describe(),
                   "must be a positive integer or a tuple of them, got " + repr(v));
    return ok;
  }

  // Sizes of one call: T query steps, S key steps (the steps axes
  // flattened; they may be open axes).
  struct Sizes {
    int64_t heads, keyDim, valueDim, queryIn, keyIn, valueIn, out;
    Dim steps, keySteps;
    std::vector<int64_t> outDims;  // output_shape
  };
  static Sizes sizes(const LayerConfig &c, const std::vector<TensorType> &in) {
    Sizes s{};
    s.heads = c.integer("num_heads");
    s.keyDim = c.integer("key_dim");
    s.valueDim = c.isNone("value_dim") ? s.keyDim : c.integer("value_dim");
    s.queryIn = in[0].dims.back(), s.valueIn = in[1].dims.back(), s.keyIn = in[2].dims.back();
    s.steps = product(std::vector<Dim>(in[0].dims.begin() + 1, in[0].dims.end() - 1));
    s.keySteps = product(std::vector<Dim>(in[1].dims.begin() + 1, in[1].dims.end() - 1));
    s.outDims = c.isNone("output_shape") ? std::vector<int64_t>{s.queryIn} : c.ints("output_shape");
    s.out = 1;
    for (int64_t d : s.outDims) s.out *= d;
    return s;
  }

  void inferShapes(ShapeContext &cx) const override {
    const LayerConfig &c = cx.config();
    if (cx.inputs().size() < 3) {
      cx.error(DiagID::err_shape_mismatch, cx.layer().describe(),
               "needs a query and a value: call it as layer(query, value), not in a Sequential model");
      return;
    }
    for (size_t i = 0; i < 3; ++i)
      if (!cx.requireRank(i, 3, true) || !requireFloat(cx, i)) return;
    for (size_t i = 0; i < 3; ++i)
      if (!cx.requireConstant(i, -1, "the projections' kernels have a row per feature")) return;
    const TensorType &q = cx.input(0), &v = cx.input(1), &k = cx.input(2);
    int rank = q.rank();
    if (v.rank() != rank || k.rank() != rank) {
      cx.error(DiagID::err_shape_mismatch, cx.layer().describe(),
               "query, value and key must have the same rank, got " + shapeString(q) + ", " + shapeString(v) +
                   " and " + shapeString(k));
      return;
    }
    std::string keySteps =
        "key and value must have the same steps, but the key has shape " + shapeString(k) + " and the value " + shapeString(v);
    for (int a = 1; a < rank - 1; ++a)
      if (!cx.requireSameSize(k.dims[a], v.dims[a], keySteps)) {
        cx.error(DiagID::err_shape_mismatch, cx.layer().describe(), keySteps);
        return;
      }
    if (!c.isNone("attention_axes") && !defaultAxes(c.ints("attention_axes"), rank)) {
      cx.error(DiagID::err_unsupported_argument_value, cx.layer().describe(),
               "attention_axes=" + repr(c.get("attention_axes")) + " (only the default, every axis between the "
               "batch and the features)");
      return;
    }
    if (c.flag("use_causal_mask") && rank != 3) {
      cx.error(DiagID::err_unsupported_argument_value, cx.layer().describe(),
               "use_causal_mask=True on rank " + std::to_string(rank) + " inputs (Keras defines it for rank 3)");
      return;
    }
    std::vector<Dim> queryAxes(q.dims.begin() + 1, q.dims.end() - 1), keyAxes(v.dims.begin() + 1, v.dims.end() - 1);
    if (cx.inputs().size() == 4) {
      std::vector<Dim> want{q.dims[0]};
      want.insert(want.end(), queryAxes.begin(), queryAxes.end());
      want.insert(want.end(), keyAxes.begin(), keyAxes.end());
      // (batch, 1, keys), a padding mask for every query, broadcasts as in Keras.
      if (rank == 3 && cx.input(3).rank() == 3 && cx.input(3).dims[1] == 1) want[1] = Dim(1);
      if (!requireMaskShape(cx, 3, want, "attention_mask")) return;
    }

    Sizes s = sizes(c, cx.inputs());
    TensorType out{DType::Float32, std::vector<Dim>(q.dims.begin(), q.dims.end() - 1)};
    out.dims.insert(out.dims.end(), s.outDims.begin(), s.outDims.end());
    cx.outputs = {out};
    if (c.flag("return_attention_scores")) {
      TensorType scores{DType::Float32, {q.dims[0], s.heads}};
      scores.dims.insert(scores.dims.end(), queryAxes.begin(), queryAxes.end());
      scores.dims.insert(scores.dims.end(), keyAxes.begin(), keyAxes.end());
      cx.outputs.push_back(scores);
      cx.dropMask(1);
    }
    bool bias = c.flag("use_bias");
    auto dense = [&](const std::string &name, std::vector<int64_t> kernel, std::vector<int64_t> biasShape) {
      cx.weights.push_back({name + "/kernel", std::move(kernel), "kernel_initializer", true});
      if (bias) cx.weights.push_back({name + "/bias", std::move(biasShape), "bias_initializer", true});
    };
    dense("query", {s.queryIn, s.heads, s.keyDim}, {s.heads, s.keyDim});
    dense("key", {s.keyIn, s.heads, s.keyDim}, {s.heads, s.keyDim});
    dense("value", {s.valueIn, s.heads, s.valueDim}, {s.heads, s.valueDim});
    std::vector<int64_t> outKernel{s.heads, s.valueDim};
    outKernel.insert(outKernel.end(), s.outDims.begin(), s.outDims.end());
    dense("attention_output", outKernel, s.outDims);
  }

  // Per sample: the projected queries, keys and values, and the heads' results.
  Dim temporaryBytesPerSample(const Layer &layer, const std::vector<TensorType> &inputs,
                                  const std::vector<TensorType> &) const override {
    Sizes s = sizes(layer.config, inputs);
    return mul(add(s.steps, s.keySteps), 4 * s.heads * (s.keyDim + s.valueDim));
  }
  Dim workspaceBytes(const Layer &layer, const std::vector<TensorType> &inputs,
                         const std::vector<TensorType> &, const Algorithms &) const override {
    Sizes s = sizes(layer.config, inputs);
    return attentionWorkspaceBytes(s.keyDim, s.keySteps);
  }

  void lower(LowerContext &cx) const override {
    const LayerConfig &c = cx.config();
    Sizes s = sizes(c, cx.bindings().inputTypes);
    const int64_t qk = s.heads * s.keyDim, hv = s.heads * s.valueDim;
    llvm::IRBuilder<> &ir = cx.ir();
    auto at = [&](llvm::Value *base, const Dim &floatsPerSample) {
      return ir.CreateInBoundsGEP(ir.getFloatTy(), base, cx.batchTimes(floatsPerSample));
    };
    llvm::Value *queries = cx.temporary();
    llvm::Value *keys = at(queries, mul(s.steps, qk));
    llvm::Value *values = at(keys, mul(s.keySteps, qk));
    llvm::Value *context = at(values, mul(s.keySteps, hv));

    // Keras scales the projected queries by 1/sqrt(key_dim); that scale is
    // folded into the query kernel and bias here.
    const float queryScale = float(1.0 / std::sqrt(double(s.keyDim)));
    project(cx, "query", queries, cx.input(0), s.steps, s.queryIn, qk, queryScale);
    project(cx, "key", keys, cx.input(2), s.keySteps, s.keyIn, qk, 1.0f);
    project(cx, "value", values, cx.input(1), s.keySteps, s.valueIn, hv, 1.0f);

    abi::AttentionGeometry g{};
    g.keyDim = s.keyDim, g.valueDim = s.valueDim;
    g.heads = s.heads;
    g.queryStride = g.keyStride = qk;
    g.valueStride = g.outStride = hv;
    g.score = abi::kScoreDot;
    g.flags = c.flag("use_causal_mask") ? int64_t(abi::kAttendCausal) : 0;
    // Keras 3 computes attention over one steps axis without scores or
    // dropout with ops.dot_product_attention, which gives a query with
    // every key masked uniform weights, otherwise with its Softmax layer,
    // which zeroes them. (Keras 2's softmax of the scores less 1e9 is uniform
    // only while the scores are small.)
    bool softmaxLayer = c.flag("return_attention_scores") || c.real("dropout") > 0 || cx.inputType(0).rank() != 3;
    if (cx.kerasVersion() == KerasVersion::V3)
      g.flags |= softmaxLayer ? abi::kMaskedRowsZero : abi::kMaskedRowsUniform;
    AttentionOperands ops;
    ops.out = context;
    ops.weights = c.flag("return_attention_scores") ? cx.output(1) : nullptr;
    ops.query = queries, ops.key = keys, ops.value = values;
    if (cx.hasInputMask(0)) ops.queryMask = cx.inputMask(0);
    if (cx.hasInputMask(1)) ops.valueMask = cx.inputMask(1);
    if (cx.hasInputMask(2)) ops.keyMask = cx.inputMask(2);
    if (cx.inputCount() == 4) {
      ops.attentionMask = cx.input(3);
      if (cx.inputType(3).dtype == DType::Int32) g.flags |= abi::kAttentionMaskInt;
      if (cx.inputType(3).dims[1] == 1) g.flags |= abi::kAttentionMaskRow;
    }
    emitAttention(cx, g, s.steps, s.keySteps, ops);

    project(cx, "attention_output", cx.output(0), context, s.steps, hv, s.out, 1.0f);
  }

private:
  static bool defaultAxes(std::vector<int64_t> axes, int rank) {
    for (int64_t &a : axes) a = a < 0 ? a + rank : a;
    std::sort(axes.begin(), axes.end());
    if (int64_t(axes.size()) != rank - 2) return false;
    for (size_t i = 0; i < axes.size(); ++i)
      if (axes[i] != int64_t(i) + 1) return false;
    return true;
  }

  // out[rows, n] = (in[rows, k] x kernel + bias) * scale: one of the
  // layer's EinsumDense projections, whose kernel read row-major is [k, n].
  static void project(LowerContext &cx, const std::string &name, llvm::Value *out, llvm::Value *in,
                      const Dim &rowsPerSample, int64_t k, int64_t n, float scale) {
    bool useBias = cx.config().flag("use_bias");
    std::vector<float> kernel = cx.weight(name + "/kernel");
    std::vector<float> bias = useBias ? cx.weight(name + "/bias") : std::vector<float>();
    if (scale != 1.0f) {
      for (float &w : kernel) w *= scale;
      for (float &b : bias) b *= scale;
    }
    llvm::Value *packed = cx.constant(name + ".kernel.packed", packPanels(kernel, k, n));
    llvm::Value *biasPanels = useBias ? cx.constant(name + ".bias", padToPanels(bias, n)) : cx.null();
    cx.callWithActivation("kiln_dense", {out, in, packed, biasPanels, cx.batchTimes(rowsPerSample), cx.i64(n), cx.i64(k)},
                          abi::kLinear, 0.0f);
  }
};

}  // namespace

KILN_REGISTER_LAYER(MultiHeadAttentionKind)

}  // namespace kiln
