// The GEMM a Dense-like layer lowers to: output = activation(input x
// kernel + bias), `rowsPerSample` rows of k values per sample into n.
#pragma once

#include "codegen/LowerContext.h"

namespace kiln {

inline void lowerDenseRows(LowerContext &cx, const std::vector<float> &kernelValues, const std::vector<float> &biasValues,
                           const Dim &rowsPerSample, int64_t k, int64_t n) {
  llvm::Value *kernel = cx.packedKernel("kernel.packed", kernelValues, k, n);
  llvm::Value *bias = biasValues.empty() ? cx.null() : cx.constant("bias", padToPanels(biasValues, n));
  abi::Activation act = cx.activation();
  cx.callWithActivation("kiln_dense",
                        {cx.output(), cx.input(), kernel, bias, cx.batchTimes(rowsPerSample), cx.i64(n), cx.i64(k)}, act,
                        activationAlpha(act));
}

}  // namespace kiln
