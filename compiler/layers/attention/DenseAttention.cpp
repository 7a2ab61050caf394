// Attention and AdditiveAttention (Keras 2's BaseDenseAttention): called on
// [query, value] or [query, value, key], each (batch, steps, features);
// key defaults to value. Scores of every query step against every key step,
// softmax over the keys, and the weighted sum of the values: (batch, Tq, dv).
//
// Masks as Keras 2: value steps whose mask is 0 (and, causally, keys after
// the query) get -1e9 added to their scores; rows of masked query steps are
// zeroed, and the query's mask is the output's. The masks come from the
// inputs (Embedding(mask_zero=True), Masking) or, overriding them, from
// mask=[query_mask, value_mask] (boolean tensors as int32 or float32).
#include "layers/attention/AttentionCore.h"

namespace kiln {
namespace {

class DenseAttentionKind : public LayerKind {
public:
  DenseAttentionKind(std::string name, std::vector<ArgSpec> args, std::string summary, bool additive)
      : LayerKind(std::move(name), std::move(args), std::move(summary)), additive_(additive) {}

  InputArity inputArity() const override { return {2, 3, true}; }
  std::vector<CallParam> callSignature() const override {
    return {tensorParam("inputs", 0, true, true), tensorParam("mask", 2, false), returnScoresParam(),
            causalMaskParam()};
  }
  bool supportsMasking() const override { return true; }
  bool readsMask() const override { return true; }
  // compute_mask: ops.convert_to_tensor(mask[0]), the query's mask (given, or its own).
  const Tensor *keras3Mask(const Node &node, size_t, MaskOps &ops) const override {
    Layout l = layout(node.inputs.size());
    return ops.op({l.explicitMasks ? node.inputs[l.queryMask] : ops.mask(node.inputs[0])});
  }
  bool acceptsIntegerInput() const override { return true; }  // explicit int32 masks
  bool supportsOpenAxes() const override { return true; }

  // The inputs' layout: [query, value, (key), (query_mask, value_mask)].
  struct Layout {
    size_t key, queryMask;  // input indices
    bool explicitMasks;
  };
  static Layout layout(size_t inputs) {
    bool masks = inputs >= 4;  // `inputs` has 2 or 3 tensors, `mask` 2 (see callSignature)
    size_t primary = masks ? inputs - 2 : inputs;
    return {primary == 3 ? size_t(2) : size_t(1), primary, masks};
  }

  abi::AttentionScore score(const LayerConfig &c) const {
    if (additive_) return abi::kScoreAdditive;
    return c.str("score_mode") == "concat" ? abi::kScoreConcat : abi::kScoreDot;
  }

  void inferShapes(ShapeContext &cx) const override {
    Layout l = layout(cx.inputs().size());
    for (size_t i = 0; i < l.queryMask; ++i) {
      if (cx.input(i).rank() != 3) {
        cx.error(DiagID::err_spatial_rank, cx.layer().describe(), 3, "(batch, steps, features)",
                 shapeString(cx.input(i)));
        return;
      }
      if (!requireFloat(cx, i)) return;
    }
    // Steps may be open; features size the scores and weights.
    for (size_t i = 0; i < l.queryMask; ++i)
      if (!cx.requireConstant(i, 2, "attention needs the features at build time")) return;
    const TensorType &q = cx.input(0), &v = cx.input(1), &k = cx.input(l.key);
    std::string keyName = l.key == 1 ? "the value (also the key)" : "the key";
    if (l.key != 1 && !cx.requireSameSize(k.dims[1], v.dims[1], "the key " + shapeString(k) + " and the value " +
                                                                   shapeString(v) + " have different numbers of steps")) {
      cx.error(DiagID::err_shape_mismatch, cx.layer().describe(),
               "key and value must have the same number of steps, but the key " + shapeString(k) + " has " +
                   std::to_string(k.dims[1].value()) + " and the value " + shapeString(v) + " has " +
                   std::to_string(v.dims[1].value()));
      return;
    }
    if (q.dims[2] != k.dims[2]) {
      cx.error(DiagID::err_shape_mismatch, cx.layer().describe(),
               "the query " + shapeString(q) + " has " + std::to_string(q.dims[2]) + " features but " + keyName + " " +
                   shapeString(k) + " has " + std::to_string(k.dims[2]) + "; the " +
                   (additive_ ? "additive" : cx.config().str("score_mode")) + " score needs the same number");
      return;
    }
    bool useScale = cx.config().flag("use_scale");
    // Keras 2 builds AdditiveAttention's scale with the value's feature size
    // and multiplies it into tanh(query + key).
    if (additive_ && useScale && v.dims[2] != k.dims[2]) {
      cx.error(DiagID::err_shape_mismatch, cx.layer().describe(),
               "use_scale=True needs the value " + shapeString(v) + " to have as many features as the key " +
                   shapeString(k) + " (Keras 2 sizes the scale by the value)");
      return;
    }
    Dim batch = q.dims[0], queries = q.dims[1], keys = v.dims[1];
    if (l.explicitMasks && (!requireMaskShape(cx, l.queryMask, {batch, queries}, "the query mask (mask[0])") ||
                            !requireMaskShape(cx, l.queryMask + 1, {batch, keys}, "the value mask (mask[1])")))
      return;

    cx.outputs = {TensorType{DType::Float32, {batch, queries, v.dims[2]}}};
    if (l.explicitMasks) cx.computeMask(0, TensorType{DType::Float32, {batch, queries}});
    if (cx.config().flag("return_attention_scores")) {
      cx.outputs.push_back(TensorType{DType::Float32, {batch, queries, keys}});
      cx.dropMask(1);  // Keras's compute_mask gives only the result a mask
    }
    if (useScale) {
      if (additive_) cx.weights.push_back({"scale", {v.dims[2]}, "=glorot_uniform", true});
      else cx.weights.push_back({"scale", {}, "=ones", true});
    }
    if (score(cx.config()) == abi::kScoreConcat) cx.weights.push_back({"concat_score_weight", {}, "=ones", true});
  }

  Dim workspaceBytes(const Layer &, const std::vector<TensorType> &inputs,
                         const std::vector<TensorType> &, const Algorithms &) const override {
    const TensorType &key = inputs[layout(inputs.size()).key];
    return attentionWorkspaceBytes(key.dims[2], key.dims[1]);
  }

  void lower(LowerContext &cx) const override {
    const LayerConfig &c = cx.config();
    Layout l = layout(cx.inputCount());
    const TensorType &q = cx.inputType(0), &v = cx.inputType(1), &k = cx.inputType(l.key);
    abi::AttentionGeometry g{};
    g.keyDim = k.dims[2], g.valueDim = v.dims[2];
    g.heads = 1;
    g.queryStride = q.dims[2], g.keyStride = k.dims[2], g.valueStride = v.dims[2], g.outStride = v.dims[2];
    g.score = score(c);
    g.flags = abi::kQueryMaskZeroesOutput;
    if (c.flag("causal") || c.flag("use_causal_mask")) g.flags |= abi::kAttendCausal;

    AttentionOperands ops;
    ops.out = cx.output(0);
    ops.weights = c.flag("return_attention_scores") ? cx.output(1) : nullptr;
    ops.query = cx.input(0), ops.key = cx.input(l.key), ops.value = cx.input(1);
    if (l.explicitMasks) {
      ops.queryMask = cx.input(l.queryMask), ops.valueMask = cx.input(l.queryMask + 1);
      ops.outMask = cx.outputMask(0);
      if (cx.inputType(l.queryMask).dtype == DType::Int32) g.flags |= abi::kQueryMaskInt;
      if (cx.inputType(l.queryMask + 1).dtype == DType::Int32) g.flags |= abi::kValueMaskInt;
    } else {
      // Keras reads mask[1], the value's mask; a separate key's mask is unused.
      if (cx.hasInputMask(0)) ops.queryMask = cx.inputMask(0);
      if (cx.hasInputMask(1)) ops.valueMask = cx.inputMask(1);
    }
    if (c.flag("use_scale")) ops.scale = cx.constant("scale", cx.weight("scale"));
    if (g.score == abi::kScoreConcat) ops.concatWeight = cx.weight("concat_score_weight")[0];
    emitAttention(cx, g, q.dims[1], v.dims[1], ops);
  }

private:
  bool additive_;
};

std::vector<ArgSpec> commonArgs(std::vector<ArgSpec> own) {
  own.push_back(arg("dropout", ArgType::Rate, Value::ofFloat(0.0)));
  // Keras < 2.10 asked for causal masking here; use_causal_mask=True in the call since.
  own.push_back(arg("causal", ArgType::Bool, Value::ofBool(false)));
  return own;
}

struct AttentionKind : DenseAttentionKind {
  AttentionKind()
      : DenseAttentionKind("Attention",
                           commonArgs({arg("use_scale", ArgType::Bool, Value::ofBool(false)),
                                       choice("score_mode", {"dot", "concat"}, "dot")}),
                           "dot-product (Luong) attention of [query, value(, key)] -> (batch, Tq, dv): "
                           "softmax(scale * query key^T) value, or score_mode='concat'; call keywords "
                           "mask=[query_mask, value_mask], use_causal_mask, return_attention_scores; "
                           "dropout is the identity at inference",
                           false) {}
};

struct AdditiveAttentionKind : DenseAttentionKind {
  AdditiveAttentionKind()
      : DenseAttentionKind("AdditiveAttention", commonArgs({arg("use_scale", ArgType::Bool, Value::ofBool(true))}),
                           "additive (Bahdanau) attention of [query, value(, key)] -> (batch, Tq, dv): scores "
                           "sum(scale * tanh(query + key)); call keywords as Attention; dropout is the identity "
                           "at inference",
                           true) {}
};

}  // namespace

KILN_REGISTER_LAYER(AttentionKind)
KILN_REGISTER_LAYER(AdditiveAttentionKind)

}  // namespace kiln
