// Recurrent layers over a whole sequence (SimpleRNN, LSTM, GRU, ConvLSTM)
// and the merge of Bidirectional's two directions.
//
// Every gate of every step is act(x_t W + h U + b). The input projections
// x_t W + b do not depend on h, so they are one GEMM over all batch * steps
// rows before the loop; each step is then one GEMM of h (batch x units) with
// the packed recurrent kernel and one elementwise pass over the gates. All
// state lives in the step's temporary memory (abi::RecurrentTemporary).
#include "Gemm.h"

using namespace kiln;
using namespace kiln::kernels;

namespace {

// C[m, n] = A[m, k] x B + bias with row strides lda and ldc, no activation:
// a block of columns of a wider matrix.
KILN_INLINE void gemmRows(float *c, int64_t ldc, const float *a, int64_t lda, const float *packed, const float *bias,
                          int64_t m, int64_t n, int64_t k) {
  const ActParams linear{abi::kLinear, 0.0f, -1.0f, 0.0f};
  forEachRowBlock(m, [&](auto rows, int64_t row) {
    rowBlock<decltype(rows)::value>(a + row * lda, lda, packed, bias, c + row * ldc, ldc, n, k, linear);
  });
}

KILN_INLINE void copy(float *to, const float *from, int64_t n) {
  for (int64_t i = 0; i < n; ++i) to[i] = from[i];
}

KILN_INLINE void fill(float *to, float value, int64_t n) {
  for (int64_t i = 0; i < n; ++i) to[i] = value;
}

// The states h and c (n floats each) from the initial states, or zeros; the
// output carried over masked steps starts as zeros.
KILN_INLINE void startStates(float *h, float *c, float *output, const float *initialH, const float *initialC,
                             int64_t n) {
  if (initialH) copy(h, initialH, n);
  else fill(h, 0.0f, n);
  if (initialC) copy(c, initialC, n);
  else fill(c, 0.0f, n);
  fill(output, 0.0f, n);
}

// After the last step: the last output (unless every step's was written) and
// the final states where they are asked for.
KILN_INLINE void finishStates(float *out, float *stateH, float *stateC, const float *output, const float *h,
                              const float *c, bool returnSequences, int64_t n) {
  if (!returnSequences) copy(out, output, n);
  if (stateH) copy(stateH, h, n);
  if (stateC) copy(stateC, c, n);
}

// The gates of one sample at one step: x is its input projection and r its
// recurrent projection (gate g of unit j at g * units + j); updates h and c
// in place.
KILN_INLINE void updateStates(int64_t cell, const float *x, const float *r, float *h, float *c, int64_t units,
                              const ActParams &act, const ActParams &gate) {
  const int64_t u = units;
  for (int64_t j = 0; j < u; ++j) {
    switch (cell) {
    case abi::kSimpleRNN: h[j] = activate(act, x[j] + r[j]); break;
    case abi::kLSTM: {
      float i = activate(gate, x[j] + r[j]);
      float f = activate(gate, x[u + j] + r[u + j]);
      float candidate = activate(act, x[2 * u + j] + r[2 * u + j]);
      float o = activate(gate, x[3 * u + j] + r[3 * u + j]);
      c[j] = f * c[j] + i * candidate;
      h[j] = o * activate(act, c[j]);
      break;
    }
    default: {
      // GRU: r[2u + j] is (h U_h + b_hh) for reset_after=True, which the
      // reset gate scales; for reset_after=False it is already (r * h) U_h.
      float z = activate(gate, x[j] + r[j]);
      float recurrentH = r[2 * u + j];
      if (cell == abi::kGRU) recurrentH *= activate(gate, x[u + j] + r[u + j]);
      float candidate = activate(act, x[2 * u + j] + recurrentH);
      h[j] = z * h[j] + (1.0f - z) * candidate;
      break;
    }
    }
  }
}

}  // namespace

// One recurrent layer over `batch` sequences `in` (batch, steps, features).
// `out` is (batch, steps, units) in processing order, or (batch, units);
// `stateH`/`stateC` (may be null) receive the final states; `mask` (may be
// null) is (batch, steps), nonzero for real steps: a masked step leaves the
// states unchanged and outputs the previous output (or 0, see
// zeroOutputForMask). `initialH`/`initialC` (may be null: zeros) are
// (batch, units). Weights are packed panels: `kernel` [features, G * units]
// with `bias` (may be null); `recurrentKernel` [units, G * units] with
// `recurrentBias` (GRU reset_after=True; else null); for GRU
// reset_after=False `recurrentKernel` holds only z and r, and
// `candidateKernel` [units, units] the candidate's.
KILN_KERNEL void kiln_recurrent(float *out, float *stateH, float *stateC, const float *in, const float *mask,
                                const float *initialH, const float *initialC, const float *kernel, const float *bias,
                                const float *recurrentKernel, const float *recurrentBias,
                                const float *candidateKernel, float *temp, int64_t batch, const int64_t *geometry,
                                int32_t act, float alpha, int32_t recurrentAct, float recurrentAlpha,
                                const abi::RunContext *) {
  const abi::RecurrentGeometry &g = *reinterpret_cast<const abi::RecurrentGeometry *>(geometry);
  const int64_t u = g.units, T = g.steps, n = abi::recurrentGates(g.cell) * u;
  const ActParams activation{act, alpha, -1.0f, 0.0f}, gate{recurrentAct, recurrentAlpha, -1.0f, 0.0f};
  abi::RecurrentTemporary sections = abi::recurrentTemporary(T, n, u);
  float *projection = temp;
  float *recurrent = temp + batch * sections.recurrent;
  float *h = temp + batch * sections.h, *c = temp + batch * sections.c;
  float *output = temp + batch * sections.output, *resetH = temp + batch * sections.resetH;

  gemmRows(projection, n, in, g.features, kernel, bias, batch * T, n, g.features);
  startStates(h, c, output, initialH, initialC, batch * u);

  for (int64_t t = 0; t < T; ++t) {
    int64_t step = g.goBackwards ? T - 1 - t : t;
    if (g.cell == abi::kGRUResetBefore) {
      // z and r from h, then the candidate's product of r * h.
      gemmRows(recurrent, n, h, u, recurrentKernel, nullptr, batch, 2 * u, u);
      for (int64_t b = 0; b < batch; ++b) {
        const float *x = projection + (b * T + step) * n + u, *r = recurrent + b * n + u;
        for (int64_t j = 0; j < u; ++j) resetH[b * u + j] = activate(gate, x[j] + r[j]) * h[b * u + j];
      }
      gemmRows(recurrent + 2 * u, n, resetH, u, candidateKernel, nullptr, batch, u, u);
    } else {
      gemmRows(recurrent, n, h, u, recurrentKernel, recurrentBias, batch, n, u);
    }
    for (int64_t b = 0; b < batch; ++b) {
      float *o = output + b * u;
      if (!mask || mask[b * T + step] != 0.0f) {
        updateStates(g.cell, projection + (b * T + step) * n, recurrent + b * n, h + b * u, c + b * u, u,
                     activation, gate);
        copy(o, h + b * u, u);
      } else if (g.zeroOutputForMask) {
        fill(o, 0.0f, u);
      }
      if (g.returnSequences) copy(out + (b * T + t) * u, o, u);
    }
  }
  finishStates(out, stateH, stateC, output, h, c, g.returnSequences, batch * u);
}

// The convolution (Conv.cpp), which a convolutional LSTM runs on its input
// frames and on h.
KILN_KERNEL void kiln_conv2d(float *out, const float *in, const float *packed, const float *bias, int64_t batch,
                             const int64_t *geometry, int32_t act, float alpha, float maxValue, float threshold,
                             const abi::RunContext *run);

// A convolutional LSTM over `batch` sequences `in` (batch, steps, frame...):
// an LSTM at every position of the output frame, whose input and recurrent
// products are convolutions. The input convolution (`inputConv`, `kernel`,
// `bias`) of every frame of every sequence runs once before the loop; each
// step convolves h with `recurrentKernel` (`recurrentConv`: stride 1,
// 'same'). `out` is (batch, steps, pixels, filters) in processing order, or
// the last output; `mask` (may be null) has geometry.maskPixels entries per
// step (one per sequence step, or one per position); the other arguments as
// for kiln_recurrent.
KILN_KERNEL void kiln_conv_lstm(float *out, float *stateH, float *stateC, const float *in, const float *mask,
                                const float *initialH, const float *initialC, const float *kernel, const float *bias,
                                const float *recurrentKernel, float *temp, int64_t batch, const int64_t *geometry,
                                const int64_t *inputConv, const int64_t *recurrentConv, int32_t act, float alpha,
                                int32_t recurrentAct, float recurrentAlpha, const abi::RunContext *run) {
  const abi::ConvRecurrentGeometry &g = *reinterpret_cast<const abi::ConvRecurrentGeometry *>(geometry);
  const int64_t T = g.steps, P = g.pixels, f = g.filters, gates = 4 * f, frame = P * f;
  const ActParams activation{act, alpha, -1.0f, 0.0f}, gate{recurrentAct, recurrentAlpha, -1.0f, 0.0f};
  abi::RecurrentTemporary sections = abi::recurrentTemporary(T, P * gates, frame);
  float *projection = temp, *recurrent = temp + batch * sections.recurrent;
  float *h = temp + batch * sections.h, *c = temp + batch * sections.c, *output = temp + batch * sections.output;

  // Frame t of sequence b is sample b * T + t of the input convolution.
  kiln_conv2d(projection, in, kernel, bias, batch * T, inputConv, abi::kLinear, 0.0f, -1.0f, 0.0f, run);
  startStates(h, c, output, initialH, initialC, batch * frame);

  for (int64_t t = 0; t < T; ++t) {
    int64_t step = g.goBackwards ? T - 1 - t : t;
    kiln_conv2d(recurrent, h, recurrentKernel, nullptr, batch, recurrentConv, abi::kLinear, 0.0f, -1.0f, 0.0f, run);
    for (int64_t b = 0; b < batch; ++b) {
      const float *stepMask = mask ? mask + (b * T + step) * g.maskPixels : nullptr;
      for (int64_t p = 0; p < P; ++p) {
        int64_t at = (b * P + p) * f;
        float *o = output + at;
        if (!stepMask || stepMask[g.maskPixels == 1 ? 0 : p] != 0.0f) {
          updateStates(abi::kLSTM, projection + ((b * T + step) * P + p) * gates, recurrent + (b * P + p) * gates,
                       h + at, c + at, f, activation, gate);
          copy(o, h + at, f);
        }
      }
      if (g.returnSequences) copy(out + (b * T + t) * frame, output + b * frame, frame);
    }
  }
  finishStates(out, stateH, stateC, output, h, c, g.returnSequences, batch * frame);
}

// Bidirectional's merge of its two output sequences (steps = 1 for the last
// outputs): concatenated (forward units first), summed, multiplied or
// averaged. With `reverse` the backward sequence, which is in processing
// order, is read last step first, back in input order.
KILN_KERNEL void kiln_bidirectional_merge(float *out, const float *forward, const float *backward, int64_t batch,
                                          int64_t steps, int64_t forwardUnits, int64_t backwardUnits, int32_t mode,
                                          int32_t reverse, const abi::RunContext *) {
  int64_t width = mode == abi::kMergeConcat ? forwardUnits + backwardUnits : forwardUnits;
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t t = 0; t < steps; ++t) {
      const float *f = forward + (b * steps + t) * forwardUnits;
      const float *r = backward + (b * steps + (reverse ? steps - 1 - t : t)) * backwardUnits;
      float *o = out + (b * steps + t) * width;
      switch (mode) {
      case abi::kMergeConcat:
        copy(o, f, forwardUnits);
        copy(o + forwardUnits, r, backwardUnits);
        break;
      case abi::kMergeSum: for (int64_t j = 0; j < width; ++j) o[j] = f[j] + r[j]; break;
      case abi::kMergeMul: for (int64_t j = 0; j < width; ++j) o[j] = f[j] * r[j]; break;
      default: for (int64_t j = 0; j < width; ++j) o[j] = (f[j] + r[j]) / 2.0f; break;
      }
    }
}

// out[b, t] = in[b, steps - 1 - t]: a sequence back in input order.
KILN_KERNEL void kiln_reverse_steps(float *out, const float *in, int64_t batch, int64_t steps, int64_t features,
                                    const abi::RunContext *) {
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t t = 0; t < steps; ++t)
      copy(out + (b * steps + t) * features, in + (b * steps + steps - 1 - t) * features, features);
}
