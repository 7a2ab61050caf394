#include "layers/merge/MergeMask.h"

namespace kiln {

std::vector<Dim> leadingAxes(const TensorType &t) { return {t.dims.begin(), t.dims.end() - 1}; }

void inferMergeMask(ShapeContext &cx, bool concatenate) {
  const TensorType *first = nullptr;
  for (size_t i = 0; i < cx.inputs().size(); ++i) {
    if (!cx.inputHasMask(i)) {
      if (cx.kerasVersion() == KerasVersion::V3 && !concatenate) return;
      continue;
    }
    const TensorType &mask = cx.inputMaskType(i);
    if (mask.dims != leadingAxes(cx.input(i)) || (first && mask.dims != first->dims)) return;
    if (!first) first = &mask;
  }
  if (first) cx.computeMask(0, *first);
}

void lowerMergeMask(LowerContext &cx) {
  if (!cx.hasOutputMask(0)) return;
  llvm::Value *out = cx.outputMask(0);
  bool keras3 = cx.kerasVersion() == KerasVersion::V3, written = false;
  for (size_t i = 0; i < cx.inputCount(); ++i) {
    const TensorType &t = cx.inputType(i);
    llvm::Value *count = cx.batchTimes(product(std::vector<Dim>(t.dims.begin() + 1, t.dims.end() - 1)));
    if (!cx.hasInputMask(i)) {
      if (!keras3) continue;
      // Keras 3's Concatenate: an input without a mask makes the OR all ones
      // (0 == 0 over zeroed memory).
      llvm::IRBuilder<> &ir = cx.ir();
      ir.CreateMemSet(out, ir.getInt8(0), ir.CreateMul(count, cx.i64(int64_t(sizeof(float)))), llvm::MaybeAlign(4));
      cx.call("kiln_binary", {out, out, out, count, cx.i32(abi::kEqual)});
      return;
    }
    if (!written) {
      llvm::IRBuilder<> &ir = cx.ir();
      ir.CreateMemCpy(out, llvm::MaybeAlign(4), cx.inputMask(i), llvm::MaybeAlign(4),
                      ir.CreateMul(count, cx.i64(int64_t(sizeof(float)))));
      written = true;
    } else {
      // Masks hold 0 and 1: the product is the AND, the maximum the OR.
      abi::BinaryOp combine = keras3 ? abi::kMaximum : abi::kMultiply;
      cx.call("kiln_binary", {out, out, cx.inputMask(i), count, cx.i32(combine)});
    }
  }
}

}  // namespace kiln
