// Elementwise kernels: activations over whole tensors.
#include "VectorMath.h"

using namespace kiln;
using namespace kiln::kernels;

// out = act(in) for `count` elements; the softmax family works on rows of
// `cols` elements (the last axis).
KILN_KERNEL void kiln_activation(float *out, const float *in, int64_t count, int64_t cols, int32_t act, float alpha,
                                 float maxValue, float threshold, const abi::RunContext *) {
  if (abi::isRowwise(act)) {
    for (int64_t i = 0; i < count; ++i) out[i] = in[i];
    softmaxRows(out, count / cols, cols, act == abi::kLogSoftmax);
    return;
  }
  for (int64_t i = 0; i < count; ++i) out[i] = in[i];
  activateRow(ActParams{act, alpha, maxValue, threshold}, out, count);
}
