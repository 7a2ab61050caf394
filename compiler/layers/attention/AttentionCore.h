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
// Input i, a mask tensor, must have shape `dims` (batch axis included).
bool requireMaskShape(ShapeContext &cx, size_t i, const std::vector<int64_t> &dims, const std::string &what);

// The buffers of one kiln_attention call; a null Value is "none".
struct AttentionOperands {
  llvm::Value *out = nullptr, *weights = nullptr, *outMask = nullptr;
  llvm::Value *query = nullptr, *key = nullptr, *value = nullptr;
  llvm::Value *queryMask = nullptr, *valueMask = nullptr, *keyMask = nullptr, *attentionMask = nullptr;
  llvm::Value *scale = nullptr;
  float concatWeight = 1.0f;
};

void emitAttention(LowerContext &cx, const abi::AttentionGeometry &g, const AttentionOperands &ops);

// The workspace kiln_attention needs: one head's keys, transposed, and one
// row of scores.
inline int64_t attentionWorkspaceBytes(int64_t keyDim, int64_t keys) { return (keyDim + 1) * keys * 4; }

}  // namespace kiln
