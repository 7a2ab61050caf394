#include "layers/attention/AttentionCore.h"

#include <cstddef>
#include <cstring>

namespace kiln {

CallParam returnScoresParam() {
  return valueParam(arg("return_attention_scores", ArgType::Bool, Value::ofBool(false)));
}

CallParam causalMaskParam() { return valueParam(arg("use_causal_mask", ArgType::Bool, Value::ofBool(false))); }

bool requireFloat(ShapeContext &cx, size_t i) {
  if (cx.input(i).dtype == DType::Float32) return true;
  cx.error(DiagID::err_integer_input, cx.layer().describe(), shapeString(cx.input(i)));
  return false;
}

bool requireMaskShape(ShapeContext &cx, size_t i, const std::vector<Dim> &dims, const std::string &what) {
  const TensorType &t = cx.input(i);
  bool fits = t.rank() == int(dims.size());
  for (size_t a = 1; fits && a < dims.size(); ++a)
    fits = cx.requireSameSize(t.dims[a], dims[a],
                              what + " must have shape " + shapeString(dims) + ", but has shape " + shapeString(t));
  if (fits) return true;
  cx.error(DiagID::err_shape_mismatch, cx.layer().describe(),
           what + " must have shape " + shapeString(dims) + ", but has shape " + shapeString(t));
  return false;
}

void emitAttention(LowerContext &cx, const abi::AttentionGeometry &g, const Dim &queries, const Dim &keys,
                   const AttentionOperands &ops) {
  using G = abi::AttentionGeometry;
  static_assert(sizeof(G) % sizeof(int64_t) == 0, "the geometry is an array of int64");
  std::vector<int64_t> constants(sizeof(g) / sizeof(int64_t));
  std::memcpy(constants.data(), &g, sizeof(g));
  std::vector<Dim> fields(constants.begin(), constants.end());
  auto set = [&](size_t offset, const Dim &d) { fields[offset / sizeof(int64_t)] = d; };
  set(offsetof(G, queries), queries);
  set(offsetof(G, keys), keys);
  set(offsetof(G, querySample), mul(queries, g.queryStride));
  set(offsetof(G, keySample), mul(keys, g.keyStride));
  set(offsetof(G, valueSample), mul(keys, g.valueStride));
  set(offsetof(G, outSample), mul(queries, g.outStride));
  auto orNull = [&](llvm::Value *v) { return v ? v : cx.null(); };
  cx.call("kiln_attention",
          {ops.out, orNull(ops.weights), orNull(ops.outMask), ops.query, ops.key, ops.value, orNull(ops.queryMask),
           orNull(ops.valueMask), orNull(ops.keyMask), orNull(ops.attentionMask), orNull(ops.scale),
           cx.f32(ops.concatWeight), cx.batch(), cx.ints("attention_geometry", fields)});
}

}  // namespace kiln
