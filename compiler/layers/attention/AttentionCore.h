// What Attention, AdditiveAttention and MultiHeadAttention share: their
// common call parameters, input checks, and the call of the attention kernel
// (kernels/Attention.cpp) with its workspace.
#pragma once

#include "codegen/LowerContext.h"
#include "layers/LayerKind.h"

namespace kiln {

// Keras's call keywords return_attention_scores=False and use_causal_mask=False.
CallParam returnScoresParam();
CallParam causalMaskParam();

// Input i must be float32 (the kinds accept int32 only for mask tensors).
bool requireFloat(ShapeContext &cx, size_t i);
// Input i, a mask tensor, must have shape `dims` (batch axis included);
// open axes not provably equal are checked at run time.
bool requireMaskShape(ShapeContext &cx, size_t i, const std::vector<Dim> &dims, const std::string &what);

// The buffers of one kiln_attention call; a null Value is "none".
struct AttentionOperands {
  llvm::Value *out = nullptr, *weights = nullptr, *outMask = nullptr;
  llvm::Value *query = nullptr, *key = nullptr, *value = nullptr;
  llvm::Value *queryMask = nullptr, *valueMask = nullptr, *keyMask = nullptr, *attentionMask = nullptr;
  llvm::Value *scale = nullptr;
  float concatWeight = 1.0f;
};

// `g` gives the constant sizes; the query and key steps may be open axes,
// and every tensor's sample size is its steps times its stride.
void emitAttention(LowerContext &cx, const abi::AttentionGeometry &g, const Dim &queries, const Dim &keys,
                   const AttentionOperands &ops);

// The workspace kiln_attention needs: one head's keys, transposed, and one
// row of scores.
inline Dim attentionWorkspaceBytes(int64_t keyDim, const Dim &keys) { return mul(keys, (keyDim + 1) * 4); }

}  // namespace kiln
