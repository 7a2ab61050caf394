// Recurrent layers over a whole sequence (SimpleRNN, LSTM, GRU, ConvLSTM)
// and the merge of Bidirectional's two directions.
//
// Every gate of every step is act(x_t W + h U + b). The input projections
// x_t W + b do not depend on h, so they are one GEMM over all batch * steps
// rows before the loop (or the input holds x_t W already, and b is added as
// each step reads it). The kernels' columns hold the gates of each block
// of kPanelWidth units side by side (abi::recurrentGateColumn), so a step
// splits into ranges of blocks of units: each multiplies h by its panels of
// U and updates the states of its units from the gates, on whole vectors.
// The step reads h and writes the next h in another buffer. All
// state lives in the step's temporary memory (abi::RecurrentTemporary).
// With enough samples, threads take samples instead and run every step of
// them on their own.
#include "Gemm.h"

using namespace kiln;
using namespace kiln::kernels;

namespace {

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

KILN_INLINE v16 activated(const ActParams &p, v16 v) {
  activateVector(p, v);
  return v;
}

// Units [first, first + lanes) of a row, as a vector (lanes <= 16).
KILN_INLINE v16 loadUnits(const float *row, int64_t first, int64_t lanes) {
  if (lanes == abi::kPanelWidth) return load16(row + first);
  v16 v = splat(0.0f);
  for (int64_t l = 0; l < lanes; ++l) v[l] = row[first + l];
  return v;
}

KILN_INLINE void storeUnits(float *row, int64_t first, int64_t lanes, const v16 &v) {
  if (lanes == abi::kPanelWidth) store16(row + first, v);
  else
    for (int64_t l = 0; l < lanes; ++l) row[first + l] = v[l];
}

// A layer's activation and recurrent (gate) activation, chosen at run time.
struct CellActivations {
  const ActParams &activation, &gate;
  __attribute__((always_inline)) v16 act(v16 v) const { return activated(activation, v); }
  __attribute__((always_inline)) v16 gateAct(v16 v) const { return activated(gate, v); }
};

// Keras's default pair, tanh and sigmoid gates, known when compiled: a
// step's gates are then straight-line code whose polynomials the compiler
// interleaves, where behind activateVector's switch each waited for the one
// before it (same functions, same bits).
struct TanhSigmoid {
  __attribute__((always_inline)) v16 act(v16 v) const { return tanhv(v); }
  __attribute__((always_inline)) v16 gateAct(v16 v) const { return sigmoidv(v); }
};

// LSTM: the new c (in place, units [first, first + lanes) of c) and the
// returned h of units whose gates' sums are zi, zf, zc, zo.
template <class Activations>
KILN_INLINE v16 updateLSTM(const Activations &a, v16 zi, v16 zf, v16 zc, v16 zo, float *c, int64_t first,
                           int64_t lanes) {
  v16 next = a.gateAct(zf) * loadUnits(c, first, lanes) + a.gateAct(zi) * a.act(zc);
  storeUnits(c, first, lanes, next);
  return a.gateAct(zo) * a.act(next);
}

struct Layer {
  const abi::RecurrentGeometry &g;
  int64_t batch, units, gates, gateWidth;
  const float *mask, *projection;  // projection: (batch, steps) rows of gateWidth...
  int64_t projectionStride;        // ... this many floats apart
  const float *inputBias;          // added to the projection as read (null: none, or in it)
  float *recurrent;                // (batch, gateWidth): this step's h U (+ b)
  float *c, *output, *out;
};

// Gate `gate` of the input projection x_t W + b of sample b at step `step`,
// for the units of block `block`.
KILN_INLINE v16 inputGate(const Layer &l, int64_t b, int64_t step, int64_t block, int64_t gate) {
  const int64_t column = (block * l.gates + gate) * abi::kPanelWidth;
  v16 x = load16(l.projection + (b * l.g.steps + step) * l.projectionStride + column);
  return l.inputBias ? x + load16(l.inputBias + column) : x;
}

// The new state of block `block` (units from block * 16) of samples [b0,
// b1) at step `step` (t in processing order), from h (the states before the
// step) into next. For kGRUResetBefore the recurrent projection holds z and
// r, then the candidate's (r * h) U_h from 2 * units16 on.
template <class Activations>
KILN_INLINE void updateBlock(const Layer &l, const Activations &a, int64_t block, int64_t t, int64_t step,
                             const float *h, float *next, int64_t b0, int64_t b1) {
  const int64_t u = l.units, first = block * abi::kPanelWidth;
  const int64_t lanes = u - first < abi::kPanelWidth ? u - first : abi::kPanelWidth;
  const int64_t units16 = abi::panelCount(u) * abi::kPanelWidth;
  for (int64_t b = b0; b < b1; ++b) {
    const float *hb = h + b * u;
    float *nb = next + b * u, *ob = l.output + b * u;
    if (l.mask && l.mask[b * l.g.steps + step] == 0.0f) {
      storeUnits(nb, first, lanes, loadUnits(hb, first, lanes));
      if (l.g.zeroOutputForMask) storeUnits(ob, first, lanes, splat(0.0f));
    } else {
      const float *r = l.recurrent + b * l.gateWidth + block * l.gates * abi::kPanelWidth;
      auto x = [&](int64_t gate) { return inputGate(l, b, step, block, gate); };
      auto gateSum = [&](int64_t gate) { return x(gate) + load16(r + gate * abi::kPanelWidth); };
      v16 hv;
      switch (l.g.cell) {
      case abi::kSimpleRNN: hv = a.act(gateSum(0)); break;
      case abi::kLSTM:
        hv = updateLSTM(a, gateSum(0), gateSum(1), gateSum(2), gateSum(3), l.c + b * u, first, lanes);
        break;
      case abi::kGRU: {
        // r[2] is h U_h + b_hh, which the reset gate scales (reset_after).
        v16 z = a.gateAct(gateSum(0)), reset = a.gateAct(gateSum(1));
        v16 candidate = a.act(x(2) + reset * load16(r + 32));
        hv = z * loadUnits(hb, first, lanes) + (1.0f - z) * candidate;
        break;
      }
      default: {  // kGRUResetBefore: the candidate's product is already (r * h) U_h
        const float *zr = l.recurrent + b * l.gateWidth + block * 2 * abi::kPanelWidth;
        v16 z = a.gateAct(x(0) + load16(zr));
        v16 product = load16(l.recurrent + b * l.gateWidth + 2 * units16 + first);
        v16 candidate = a.act(x(2) + product);
        hv = z * loadUnits(hb, first, lanes) + (1.0f - z) * candidate;
        break;
      }
      }
      storeUnits(nb, first, lanes, hv);
      storeUnits(ob, first, lanes, hv);
    }
    if (l.g.returnSequences) storeUnits(l.out + (b * l.g.steps + t) * u, first, lanes, loadUnits(ob, first, lanes));
  }
}

// One recurrent layer over `batch` sequences `in` (batch, steps, features),
// or with geometry.inputProjected their projections x_t W (rows of the
// gate width, `features` floats apart; `kernel` unused).
// `out` is (batch, steps, units) in processing order, or (batch, units);
// `stateH`/`stateC` (may be null) receive the final states; `mask` (may be
// null) is (batch, steps), nonzero for real steps: a masked step leaves the
// states unchanged and outputs the previous output (or 0, see
// zeroOutputForMask). `initialH`/`initialC` (may be null: zeros) are
// (batch, units). Weights are packed panels in the gate layout above:
// `kernel` [features, gate width] with `bias` (may be null);
// `recurrentKernel` [units, gate width] with `recurrentBias` (GRU
// reset_after=True; else null); for GRU reset_after=False
// `recurrentKernel` holds only z and r (two gates), and `candidateKernel`
// [units, units16] the candidate's.
template <class T>
KILN_INLINE void recurrentLayer(float *out, float *stateH, float *stateC, const float *in, const float *mask,
                                const float *initialH, const float *initialC, const float *kernel, const float *bias,
                                const float *recurrentKernel, const float *recurrentBias,
                                const float *candidateKernel, float *temp, int64_t batch, const int64_t *geometry,
                                const ActParams &activation, const ActParams &gate, const abi::RunContext *run) {
  const abi::RecurrentGeometry &g = *reinterpret_cast<const abi::RecurrentGeometry *>(geometry);
  const int64_t u = g.units, T_ = g.steps, gates = abi::recurrentGates(g.cell);
  const int64_t gateWidth = abi::recurrentGateWidth(gates, u), blocks = abi::panelCount(u);
  const int64_t units16 = blocks * abi::kPanelWidth;
  abi::RecurrentTemporary sections = abi::recurrentTemporary(T_, gateWidth, u);
  float *projection = temp, *recurrent = temp + batch * sections.recurrent;
  float *h = temp + batch * sections.h, *next = temp + batch * sections.nextH;
  float *c = temp + batch * sections.c, *output = temp + batch * sections.output;
  float *resetH = temp + batch * sections.resetH;
  const ActParams linear{abi::kLinear, 0.0f, -1.0f, 0.0f};
  const bool tanhSigmoid = activation.act == abi::kTanh && gate.act == abi::kSigmoid;

  if (!g.inputProjected)
    gemm<T>(projection, gateWidth, in, g.features, kernel, bias, batch * T_, gateWidth, g.features, linear, run);
  startStates(h, c, output, initialH, initialC, batch * u);
  const bool projected = g.inputProjected;
  Layer l{g, batch, u, gates, gateWidth, mask, projected ? in : projection,
          projected ? g.features : gateWidth, projected ? bias : nullptr, recurrent, c, output, out};

  // Step t for samples [b0, b1) and blocks of units [begin, end). For
  // kGRUResetBefore, `resetPhase` first makes z, r and r * h, which the
  // candidate's product in `updatePhase` reads for every unit.
  auto resetPhase = [&](int64_t t, const float *h, int64_t b0, int64_t b1, int64_t begin, int64_t end) {
    int64_t step = g.goBackwards ? T_ - 1 - t : t;
    const GemmOutput zr{recurrent, gateWidth, 2 * units16, nullptr, linear};
    gemmBlock<T>(h + b0 * u, u, recurrentKernel, u, 0, u, zr, b0, b1 - b0, 2 * begin, 2 * end, true, true);
    for (int64_t b = b0; b < b1; ++b)
      for (int64_t block = begin; block < end; ++block) {
        int64_t first = block * abi::kPanelWidth;
        int64_t lanes = u - first < abi::kPanelWidth ? u - first : abi::kPanelWidth;
        const float *r = recurrent + b * gateWidth + block * 32;
        v16 reset = activated(gate, inputGate(l, b, step, block, 1) + load16(r + 16));
        storeUnits(resetH + b * u, first, lanes, reset * loadUnits(h + b * u, first, lanes));
      }
  };
  auto updatePhase = [&](int64_t t, const float *h, float *next, int64_t b0, int64_t b1, int64_t begin,
                         int64_t end) {
    int64_t step = g.goBackwards ? T_ - 1 - t : t;
    if (g.cell == abi::kGRUResetBefore) {
      const GemmOutput product{recurrent + 2 * units16, gateWidth, units16, nullptr, linear};
      gemmBlock<T>(resetH + b0 * u, u, candidateKernel, u, 0, u, product, b0, b1 - b0, begin, end, true, true);
    } else {
      const GemmOutput product{recurrent, gateWidth, gateWidth, recurrentBias, linear};
      gemmBlock<T>(h + b0 * u, u, recurrentKernel, u, 0, u, product, b0, b1 - b0, begin * gates, end * gates,
                   true, true);
    }
    for (int64_t block = begin; block < end; ++block)
      if (tanhSigmoid) updateBlock(l, TanhSigmoid{}, block, t, step, h, next, b0, b1);
      else updateBlock(l, CellActivations{activation, gate}, block, t, step, h, next, b0, b1);
  };

  if (run->threads <= 1 || batch >= run->threads * T::kRows) {
    // One thread, or enough samples for every thread's share to fill the
    // register tile: each task runs every step of its samples, with no
    // barrier between steps and no state passing between cores.
    parallelFor(run, run->threads, [&](int64_t task, int32_t) {
      const Share samples = shareOf(task, run->threads, batch);
      const int64_t b0 = samples.begin, b1 = samples.end;
      float *from = h, *to = next;
      for (int64_t t = 0; t < T_ && b0 < b1; ++t) {
        if (g.cell == abi::kGRUResetBefore) resetPhase(t, from, b0, b1, 0, blocks);
        updatePhase(t, from, to, b0, b1, 0, blocks);
        float *swap = from;
        from = to;
        to = swap;
      }
    });
  } else {
    // Too few samples to share: every step is cut into `chunks` ranges of
    // blocks of units. One parallel-for runs all steps: its tasks take the
    // chunks of the steps in order from one counter, each once every chunk
    // of the phase before it is done, counted in another. A task waits
    // holding no chunk, and leaves if the wait outlasts some multiple of a
    // chunk's work: the thread it waits for may need this one's core (more
    // threads than cores, a busy machine), and the tasks still running take
    // the rest. So the steps finish whether the caller's parallel-for runs
    // its tasks at once or one after another.
    const int64_t phases = g.cell == abi::kGRUResetBefore ? 2 : 1;
    int64_t chunks = taskCount(run, batch * u * gateWidth, blocks);
    chunks = chunks < run->threads ? chunks : run->threads;
    const int64_t items = T_ * phases * chunks, chunkWork = batch * u * gateWidth / chunks;
    const int64_t patience = chunkWork / 32 > 4096 ? chunkWork / 32 : 4096;  // polls
    SharedCounter taken, finished;
    auto runChunk = [&](int64_t item) {
      const int64_t phase = item / chunks, t = phase / phases;
      const Share range = shareOf(item % chunks, chunks, blocks);
      const float *from = t % 2 ? next : h;
      if (phases == 2 && phase % 2 == 0) resetPhase(t, from, 0, batch, range.begin, range.end);
      else updatePhase(t, from, t % 2 ? h : next, 0, batch, range.begin, range.end);
    };
    parallelFor(run, chunks, [&](int64_t, int32_t) {
      for (int64_t item = taken.load(); item < items; item = taken.load()) {
        if (!finished.awaitAtLeast(item / chunks * chunks, patience)) return;
        if (!taken.advanceFrom(item)) continue;
        runChunk(item);
        finished.add();
      }
    });
  }
  if (T_ % 2) h = next;
  finishStates(out, stateH, stateC, output, h, c, g.returnSequences, batch * u);
}

}  // namespace

// The convolution (Conv.cpp), which a convolutional LSTM runs on its input
// frames and on h.
KILN_TILED_KERNEL_DECLARATION(kiln_conv2d,
                              (float *out, const float *in, const float *packed, const float *bias, int64_t batch,
                               const int64_t *geometry, int32_t act, float alpha, float maxValue, float threshold,
                               const abi::RunContext *run))

namespace {

// A convolutional LSTM over `batch` sequences `in` (batch, steps, frame...):
// an LSTM at every position of the output frame, whose input and recurrent
// products are convolutions (kiln_conv2d of the same register tile). The
// input convolution (`inputConv`, `kernel`, `bias`) of every frame of every
// sequence runs once before the loop; each step convolves h with
// `recurrentKernel` (`recurrentConv`: stride 1, 'same'). The gates of a
// position are Keras's: gate g of filter j at g * filters + j. `out` is
// (batch, steps, pixels, filters) in processing order, or the last output;
// `mask` (may be null) has geometry.maskPixels entries per step (one per
// sequence step, or one per position); a masked position keeps its states
// and outputs its previous output, or 0 (zeroOutputForMask, which then also
// carries on as its previous output: only return_sequences sets it); the
// other arguments as for kiln_recurrent.
template <class T>
KILN_INLINE void convLSTM(float *out, float *stateH, float *stateC, const float *in, const float *mask,
                          const float *initialH, const float *initialC, const float *kernel, const float *bias,
                          const float *recurrentKernel, float *temp, int64_t batch, const int64_t *geometry,
                          const int64_t *inputConv, const int64_t *recurrentConv, const ActParams &activation,
                          const ActParams &gate, const abi::RunContext *run) {
  const abi::ConvRecurrentGeometry &g = *reinterpret_cast<const abi::ConvRecurrentGeometry *>(geometry);
  const int64_t T_ = g.steps, P = g.pixels, f = g.filters, gates = 4 * f, frame = P * f;
  abi::RecurrentTemporary sections = abi::recurrentTemporary(T_, P * gates, frame);
  float *projection = temp, *recurrent = temp + batch * sections.recurrent;
  float *h = temp + batch * sections.h, *c = temp + batch * sections.c, *output = temp + batch * sections.output;
  auto conv = tiledKernel<T>(kiln_conv2d__12x2, kiln_conv2d__6x1, kiln_conv2d__3x1);

  // Frame t of sequence b is sample b * T + t of the input convolution.
  conv(projection, in, kernel, bias, batch * T_, inputConv, abi::kLinear, 0.0f, -1.0f, 0.0f, run);
  startStates(h, c, output, initialH, initialC, batch * frame);

  for (int64_t t = 0; t < T_; ++t) {
    int64_t step = g.goBackwards ? T_ - 1 - t : t;
    // The whole recurrent product reads h before any position updates it.
    conv(recurrent, h, recurrentKernel, nullptr, batch, recurrentConv, abi::kLinear, 0.0f, -1.0f, 0.0f, run);
    // The gates of every position, in tasks of consecutive positions.
    const int64_t positions = batch * P, tasks = taskCount(run, positions * gates, positions);
    parallelFor(run, tasks, [&](int64_t task, int32_t) {
      const Share share = shareOf(task, tasks, positions);
      for (int64_t q = share.begin; q < share.end; ++q) {
        int64_t b = q / P, p = q % P, at = q * f;
        const float *stepMask = mask ? mask + (b * T_ + step) * g.maskPixels : nullptr;
        if (stepMask && stepMask[g.maskPixels == 1 ? 0 : p] == 0.0f) {
          if (g.zeroOutputForMask) fill(output + at, 0.0f, f);
        } else {
          const float *x = projection + ((b * T_ + step) * P + p) * gates, *r = recurrent + q * gates;
          for (int64_t first = 0; first < f; first += abi::kPanelWidth) {
            int64_t lanes = f - first < abi::kPanelWidth ? f - first : abi::kPanelWidth;
            auto gateSum = [&](int64_t gate) {
              return loadUnits(x + gate * f, first, lanes) + loadUnits(r + gate * f, first, lanes);
            };
            v16 hv =
                updateLSTM(CellActivations{activation, gate}, gateSum(0), gateSum(1), gateSum(2), gateSum(3), c + at,
                           first, lanes);
            storeUnits(h + at, first, lanes, hv);
            storeUnits(output + at, first, lanes, hv);
          }
        }
        if (g.returnSequences) copy(out + ((b * T_ + t) * P + p) * f, output + at, f);
      }
    });
  }
  finishStates(out, stateH, stateC, output, h, c, g.returnSequences, batch * frame);
}

}  // namespace

KILN_TILED_KERNEL(kiln_recurrent, recurrentLayer,
                  (float *out, float *stateH, float *stateC, const float *in, const float *mask,
                   const float *initialH, const float *initialC, const float *kernel, const float *bias,
                   const float *recurrentKernel, const float *recurrentBias, const float *candidateKernel,
                   float *temp, int64_t batch, const int64_t *geometry, int32_t act, float alpha,
                   int32_t recurrentAct, float recurrentAlpha, const abi::RunContext *run),
                  (out, stateH, stateC, in, mask, initialH, initialC, kernel, bias, recurrentKernel, recurrentBias,
                   candidateKernel, temp, batch, geometry, ActParams{act, alpha, -1.0f, 0.0f},
                   ActParams{recurrentAct, recurrentAlpha, -1.0f, 0.0f}, run))

KILN_TILED_KERNEL(kiln_conv_lstm, convLSTM,
                  (float *out, float *stateH, float *stateC, const float *in, const float *mask,
                   const float *initialH, const float *initialC, const float *kernel, const float *bias,
                   const float *recurrentKernel, float *temp, int64_t batch, const int64_t *geometry,
                   const int64_t *inputConv, const int64_t *recurrentConv, int32_t act, float alpha,
                   int32_t recurrentAct, float recurrentAlpha, const abi::RunContext *run),
                  (out, stateH, stateC, in, mask, initialH, initialC, kernel, bias, recurrentKernel, temp, batch,
                   geometry, inputConv, recurrentConv, ActParams{act, alpha, -1.0f, 0.0f},
                   ActParams{recurrentAct, recurrentAlpha, -1.0f, 0.0f}, run))

// Bidirectional's merge of its two output sequences (steps = 1 for the last
// outputs), each step `positions` rows of forwardWidth and backwardWidth
// values: concatenated row by row (forward first), or summed, multiplied or
// averaged. With `reverse` the backward sequence, which is in processing
// order, is read last step first, back in input order.
KILN_KERNEL void kiln_bidirectional_merge(float *out, const float *forward, const float *backward, int64_t batch,
                                          int64_t steps, int64_t positions, int64_t forwardWidth,
                                          int64_t backwardWidth, int32_t mode, int32_t reverse,
                                          const abi::RunContext *) {
  int64_t width = mode == abi::kMergeConcat ? forwardWidth + backwardWidth : forwardWidth;
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t t = 0; t < steps; ++t)
      for (int64_t p = 0; p < positions; ++p) {
        const float *f = forward + ((b * steps + t) * positions + p) * forwardWidth;
        const float *r = backward + ((b * steps + (reverse ? steps - 1 - t : t)) * positions + p) * backwardWidth;
        float *o = out + ((b * steps + t) * positions + p) * width;
        switch (mode) {
        case abi::kMergeConcat:
          copy(o, f, forwardWidth);
          copy(o + forwardWidth, r, backwardWidth);
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

// One step of a sequence [batch, steps, width] and a [batch, width] buffer:
// the step copied out of the sequence, or with `intoSequence` into it (a
// custom cell's loop, RNN(cell)).
KILN_KERNEL void kiln_sequence_step(float *sequence, float *step, int64_t batch, int64_t steps, int64_t index,
                                    int64_t width, int32_t intoSequence, const abi::RunContext *) {
  for (int64_t b = 0; b < batch; ++b) {
    float *s = sequence + (b * steps + index) * width, *x = step + b * width;
    if (intoSequence)
      copy(s, x, width);
    else
      copy(x, s, width);
  }
}

// Keras's masked step of a recurrent loop: where mask[b, index] is 0, row b
// of `next` is that of `previous` (the states before the step, the previous
// output), or zeros with `zero` (zero_output_for_mask).
KILN_KERNEL void kiln_keep_masked(float *next, const float *previous, const float *mask, int64_t batch,
                                  int64_t steps, int64_t index, int64_t width, int32_t zero, const abi::RunContext *) {
  for (int64_t b = 0; b < batch; ++b) {
    if (mask[b * steps + index] != 0.0f) continue;
    if (zero)
      for (int64_t j = 0; j < width; ++j) next[b * width + j] = 0.0f;
    else
      copy(next + b * width, previous + b * width, width);
  }
}
