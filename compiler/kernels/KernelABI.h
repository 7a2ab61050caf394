// What the compiler and the kernels agree on: activation codes and the
// layout of packed weights. Included by both sides; keep it plain C++.
#pragma once

#include <stdint.h>

namespace kiln::abi {

// Activation functions applied elementwise (or over the last axis for the
// softmax family) in kernel epilogues.
enum Activation : int32_t {
  kLinear = 0,
  kRelu,
  kSigmoid,
  kTanh,
  kSoftmax,
  kElu,
  kSelu,
  kSoftplus,
  kSoftsign,
  kHardSigmoid,   // Keras 2: clip(0.2x + 0.5, 0, 1)
  kHardSigmoid3,  // Keras 3: relu6(x + 3) / 6
  kExponential,
  kSwish,
  kGelu,          // exact: 0.5x(1 + erf(x / sqrt 2))
  kGeluTanh,      // gelu(approximate=True)
  kRelu6,
  kLeakyRelu,     // slope in the `alpha` argument
  kLogSoftmax,
  kMish,
  kReluClipped,   // Keras ReLU layer: threshold, max_value, negative_slope
  kHardSilu,      // Keras 3: x * relu6(x + 3) / 6
  // Keras 3's further activations, with their default parameters except
  // celu's alpha.
  kCelu,           // x > 0 ? x : alpha * expm1(x / alpha)
  kHardTanh,       // clip(x, -1, 1)
  kHardShrink,     // |x| > 0.5 ? x : 0
  kSoftShrink,     // x - clip(x, -0.5, 0.5)
  kTanhShrink,     // x - tanh(x)
  kSquareplus,     // (x + sqrt(x^2 + 4)) / 2
  kSparsePlus,     // 0 below -1, x above 1, (x + 1)^2 / 4 between
  kSparseSigmoid,  // clip(x + 1, 0, 2) / 2
  kLogSigmoid,     // -softplus(-x)
  kActivationCount
};

inline bool isRowwise(int32_t act) { return act == kSoftmax || act == kLogSoftmax; }

// Binary elementwise operations (merge layers, PReLU, tensor expressions);
// comparisons give 1.0 or 0.0.
enum BinaryOp : int32_t {
  kAdd = 0, kSubtract, kMultiply, kMaximum, kMinimum, kPRelu, kDivide,
  kPower, kGreater, kGreaterEqual, kLess, kLessEqual, kEqual, kNotEqual,
};

// Unary elementwise operations of tensor expressions (kiln_expr_map).
enum UnaryOp : int32_t {
  kNegate = 0, kAbs, kSquare, kSqrt, kRsqrt, kExp, kLog, kSign, kFloor, kCeil, kReciprocal, kTrunc,
  kSin, kCos, kTan, kLog1p, kExpm1, kRound,  // kRound: halves to even, as tf.round and keras.ops.round
  kErf, kErfc,
};

// The instructions of kiln_expr_map, three int64 each (op, a, b): a stack
// machine evaluated once per output element.
enum MapInstruction : int64_t {
  kMapOperand = 0,  // push operand a's element
  kMapImmediate,    // push immediates[a]
  kMapUnary,        // top = UnaryOp a (top)
  kMapBinary,       // pop y; top = BinaryOp a (top, y)
  kMapSelect,       // pop y, pop x; top = top != 0 ? x : y
  kMapActivate,     // top = Activation a (top), with alpha, max value and threshold at immediates[b..b+2]
};
constexpr int kMapStackDepth = 16;
constexpr int kMapOperands = 16;  // operands of one kiln_expr_map call

// Reductions over one axis (kiln_expr_reduce).
enum ReduceOp : int32_t { kReduceSum = 0, kReduceMean, kReduceMax, kReduceMin, kReduceProd };

// The caller's parallel-for: the layout of kiln_parallel (runtime/include/kiln_rt.h
// and every generated header). parallelFor(context, task, taskContext, count)
// calls task(taskContext, i, thread) for every i in [0, count) on up to
// `threads` threads at once, `thread` in [0, threads) distinct among the calls
// running at the same time, and returns when all have returned.
struct Parallel {
  void (*parallelFor)(void *context, void (*task)(void *, int64_t, int32_t), void *taskContext, int64_t count);
  void *context;
  int32_t threads;
};

// What every kernel receives as its last argument, built by the entry point
// on its stack: how to split work over threads, and each thread's workspace
// (temporary memory shared by the layers, LayerKind::workspaceBytes).
struct RunContext {
  const Parallel *parallel;  // null: the calling thread only
  char *workspace;           // thread t's starts at workspace + t * workspaceBytes
  int64_t workspaceBytes;    // a multiple of 64
  int64_t threads;           // parallel->threads, or 1 without a parallel-for
};

// Tensors of up to this many axes (batch included) in the layout kernels.
constexpr int kMaxRank = 8;

// Packed GEMM weights: the [K, N] kernel is cut into panels of kPanelWidth
// columns; panel p holds K rows of kPanelWidth floats (zero-padded past N).
constexpr int64_t kPanelWidth = 16;
// The GEMM's cache blocks (kernels/Gemm.h): rows of the left-hand side
// that pass over B's panels together (a multiple of every register tile's
// rows), and the depth of B that one pass uses (a panel's slice of it stays
// in L1).
constexpr int64_t kGemmBlockRows = 96;
constexpr int64_t kGemmBlockDepth = 256;
// The most rows of a register tile, on any target.
constexpr int64_t kMaxTileRows = 12;

// Workspace floats of kiln_conv2d per thread: a row of zeros, one channel
// group of its input, read for the window's taps in the padding.
inline int64_t convWorkspaceFloats(int64_t groupChannels) { return groupChannels; }

inline int64_t panelCount(int64_t n) { return (n + kPanelWidth - 1) / kPanelWidth; }

// kiln_conv2d_winograd, F(2x2, 3x3): every 2x2 block of outputs (a tile)
// is 16 products in the transformed domain, one GEMM of the tiles' inputs
// by the transformed kernel per position. A thread transforms a block of
// tiles into its workspace: per position, the tiles' transformed inputs
// (inC floats each) and their products (outC padded to panels), about
// kWinogradBlockBytes in all, a multiple of every register tile's rows.
constexpr int64_t kWinogradPositions = 16;
constexpr int64_t kWinogradBlockBytes = 4 << 20, kWinogradMostBlockTiles = 8 * kMaxTileRows;
inline int64_t winogradTileFloats(int64_t inC, int64_t outC) {
  return kWinogradPositions * (inC + panelCount(outC) * kPanelWidth);
}
inline int64_t winogradBlockTiles(int64_t inC, int64_t outC) {
  int64_t tiles = kWinogradBlockBytes / (winogradTileFloats(inC, outC) * 4) / kMaxTileRows * kMaxTileRows;
  return tiles < kMaxTileRows ? kMaxTileRows : tiles > kWinogradMostBlockTiles ? kWinogradMostBlockTiles : tiles;
}
inline int64_t winogradWorkspaceFloats(int64_t inC, int64_t outC) {
  return winogradBlockTiles(inC, outC) * winogradTileFloats(inC, outC);
}

// The geometry of a convolution over channels_last volumes (batch, depth,
// height, width, channels), passed to the convolution kernels as an array of
// int64: a 2-D convolution is the case inD = kernelD = 1, a 1-D one also
// inH = kernelH = 1. For a transposed convolution `in` is its input, `out`
// its output, and the padding that of the forward convolution from out to in.
struct ConvGeometry {
  int64_t inH, inW, inC;
  int64_t outH, outW, outC;
  int64_t kernelH, kernelW;
  int64_t strideH, strideW;
  int64_t dilationH, dilationW;
  int64_t padTop, padLeft;  // implicit zeros before the first row and column
  int64_t groups;           // channel groups (Conv groups=)
  int64_t depthMultiplier;  // depthwise: output channel c * depthMultiplier + m
  int64_t inD, outD, kernelD, strideD, dilationD;
  int64_t padFront;         // implicit zeros before the first plane
};

// The windowed data-movement and pooling kernels (kiln_spatial_window,
// kiln_upsample_nearest, kiln_max_pool, kiln_avg_pool, kiln_global_max_pool)
// see every channels_last tensor as a volume (batch, depth, height, width,
// channels): a 2-D layer's has depth 1, a 1-D layer's depth and height 1.
// Passed as an array of int64; per axis:
//   window, stride: a pooling window; the upsampling factor (window)
//   padBefore: implicit positions before the input's first; output position
//     o reads input positions from o * stride - padBefore (for padding and
//     cropping, with window and stride 1: padding before, minus cropping)
constexpr int kSpatialAxes = 3;
struct WindowGeometry {
  int64_t in[kSpatialAxes], out[kSpatialAxes];
  int64_t window[kSpatialAxes], stride[kSpatialAxes], padBefore[kSpatialAxes];
  int64_t channels;
};

// How an attention layer scores query i against key j (kiln_attention).
enum AttentionScore : int64_t {
  kScoreDot = 0,  // scale * q.k                    (Attention, MultiHeadAttention)
  kScoreConcat,   // weight * sum tanh(scale * (q + k))   (Attention score_mode='concat')
  kScoreAdditive, // sum scale[d] * tanh(q + k)       (AdditiveAttention)
};

enum AttentionFlag : int64_t {
  kAttendCausal = 1,           // query i attends to keys j <= i only
  kQueryMaskZeroesOutput = 2,  // Attention: masked queries give zero rows; otherwise
                               // (MultiHeadAttention) the query mask masks their scores
  kQueryMaskInt = 4,           // the masks are int32 (explicit mask tensors),
  kValueMaskInt = 8,           // else float32; nonzero means "attend"
  kKeyMaskInt = 16,
  kAttentionMaskInt = 32,
  kAttentionMaskRow = 64,      // attention_mask is one row of keys for every query: (batch, 1, keys)
  kMaskedRowsZero = 128,       // a query with every key masked gets zero weights (Keras 3's Softmax
                               // layer zeroes masked weights), not a softmax of its scores less 1e9
  kMaskedRowsUniform = 256,    // such a query gets uniform weights (Keras 3's dot_product_attention
                               // gives every masked score one large negative value)
};

// One attention call over `heads` heads, passed to kiln_attention as a
// constant array of int64. Each sequence is rows `*Stride` floats apart, a
// sample's rows `*Sample` floats after the previous sample's; head h reads
// query and key features from h * keyDim and value and output features from
// h * valueDim. Masks: query (batch, queries), value and key (batch, keys),
// attention (batch, queries, keys); attention weights out (batch, heads,
// queries, keys).
struct AttentionGeometry {
  int64_t queries, keys;
  int64_t keyDim, valueDim;
  int64_t heads;
  int64_t queryStride, keyStride, valueStride, outStride;
  int64_t querySample, keySample, valueSample, outSample;
  int64_t score;  // AttentionScore
  int64_t flags;  // AttentionFlag bits
};

// Recurrent layers (kiln_recurrent). Gate order in the kernels' columns:
// LSTM i, f, c, o; GRU z, r, h.
enum RecurrentCell : int64_t {
  kSimpleRNN = 0,
  kLSTM,
  kGRU,             // reset_after=True: r multiplies the recurrent product
  kGRUResetBefore,  // reset_after=False: r multiplies h before its product
};

inline int64_t recurrentGates(int64_t cell) { return cell == kSimpleRNN ? 1 : cell == kLSTM ? 4 : 3; }

// One recurrent layer over a sequence, passed as a constant array of int64.
struct RecurrentGeometry {
  int64_t cell;  // RecurrentCell
  int64_t steps, features, units;
  int64_t goBackwards;        // steps last to first; outputs in processing order
  int64_t returnSequences;    // the output is every step's, else the last one's
  int64_t zeroOutputForMask;  // a masked step outputs 0, else the previous output
  // The input already holds x_t W (columns in the gate layout below, rows
  // `features` floats apart; an Embedding's rows multiplied by W at build
  // time): the layer adds the bias as it reads it, and takes no kernel.
  int64_t inputProjected;
};

// The columns of a recurrent layer's packed kernels, biases and gate
// projections: units in blocks of kPanelWidth (the last zero-padded), and
// the gates of each block side by side, so that one panel range holds every
// gate of its units. Gate g of unit j is column recurrentGateColumn(G, g, j).
inline int64_t recurrentGateWidth(int64_t gates, int64_t units) { return panelCount(units) * kPanelWidth * gates; }
inline int64_t recurrentGateColumn(int64_t gates, int64_t gate, int64_t unit) {
  return (unit / kPanelWidth * gates + gate) * kPanelWidth + unit % kPanelWidth;
}

// The sections of a recurrent layer's temporary memory, in floats per
// sample (times the batch for a section's offset and size): the input
// projection of every step, the recurrent projection, the states h (two:
// the step reads one and writes the other) and c, the output carried over
// masked steps, and r * h (kGRUResetBefore). Each section is whole panels
// long, so that every section stays 64-byte aligned.
struct RecurrentTemporary {
  int64_t projection, recurrent, h, nextH, c, output, resetH, total;
};
// The sections of `units` floats: h, nextH, c, output and resetH.
constexpr int64_t kRecurrentStateSections = 5;

inline RecurrentTemporary recurrentTemporary(int64_t steps, int64_t gateWidth, int64_t units) {
  auto panels = [](int64_t n) { return panelCount(n) * kPanelWidth; };
  RecurrentTemporary t{};
  t.recurrent = panels(steps * gateWidth);
  t.h = t.recurrent + panels(gateWidth);
  t.nextH = t.h + panels(units);
  t.c = t.nextH + panels(units);
  t.output = t.c + panels(units);
  t.resetH = t.output + panels(units);
  t.total = t.h + kRecurrentStateSections * panels(units);
  return t;
}

// A convolutional LSTM (kiln_conv_lstm) over a sequence of frames, as an
// array of int64; its convolutions are two ConvGeometry arrays. Its
// temporary memory has the sections of recurrentTemporary(steps, pixels * 4 *
// filters, pixels * filters): each state holds a frame of `pixels` positions.
struct ConvRecurrentGeometry {
  int64_t steps;
  int64_t pixels;      // positions of an output frame (product of its spatial sizes)
  int64_t filters;
  int64_t maskPixels;  // mask entries per step: 1 (a step mask) or pixels (one per position)
  int64_t goBackwards;
  int64_t returnSequences;
  int64_t zeroOutputForMask;  // a masked position outputs 0, else its previous output
};

// Where an output pixel of a resize samples its input, per axis of in input
// and out output pixels (TF's scalers): half-pixel centres, src = (i + 0.5) *
// in / out - 0.5 (tf.image.resize, Keras's layers); asymmetric, src = i * in /
// out (TF 1's resize_bilinear and resize_nearest_neighbor by default);
// corners aligned, src = i * (in - 1) / (out - 1) (align_corners=True).
enum ResizeCoordinates : int64_t { kResizeHalfPixel = 0, kResizeAsymmetric, kResizeAlignCorners };

// How Bidirectional merges its two directions (kiln_bidirectional_merge).
enum MergeMode : int32_t { kMergeConcat = 0, kMergeSum, kMergeMul, kMergeAve };

}  // namespace kiln::abi
