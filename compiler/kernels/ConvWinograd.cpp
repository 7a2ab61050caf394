// 3x3 convolutions of stride 1 by Winograd's minimal filtering F(2x2, 3x3)
// (Lavin and Gray, "Fast Algorithms for Convolutional Neural Networks"):
// a 2x2 block of outputs (a tile) is A^T [(G g G^T) . (B^T d B)] A, for d
// the tile's 4x4 input window and g the 3x3 kernel of a channel pair. The
// kernel's transform U = G g G^T is computed at build time (conv::
// winogradKernel); per position of the 4x4 transformed domain, summing over
// input channels is a GEMM of the tiles' transformed inputs by that
// position's U, packed in panels: 16 products of cin x cout per tile where
// the direct convolution makes 36, at the cost of adding up the transforms.
// The transforms add and subtract only (B and A have entries 0 and +-1, G's
// halves are taken at build time), so the result differs from the direct
// sum by rounding alone; but the products summed over the channels are
// larger than the outputs they cancel down to, so the rounding scales with
// the layer's largest values (kilnc build --winograd, off by default).
#include "Gemm.h"

using namespace kiln;
using namespace kiln::kernels;

namespace {

constexpr int64_t kPositions = abi::kWinogradPositions;

// A 4x4 window of vectors of channels (v16) or of one channel (float).
template <class V>
struct Window4 {
  V at[4][4];
};

// B^T d B.
template <class V>
KILN_INLINE Window4<V> transformInput(const Window4<V> &d) {
  Window4<V> t, v;
  KILN_UNROLL for (int j = 0; j < 4; ++j) {
    t.at[0][j] = d.at[0][j] - d.at[2][j];
    t.at[1][j] = d.at[1][j] + d.at[2][j];
    t.at[2][j] = d.at[2][j] - d.at[1][j];
    t.at[3][j] = d.at[1][j] - d.at[3][j];
  }
  KILN_UNROLL for (int i = 0; i < 4; ++i) {
    v.at[i][0] = t.at[i][0] - t.at[i][2];
    v.at[i][1] = t.at[i][1] + t.at[i][2];
    v.at[i][2] = t.at[i][2] - t.at[i][1];
    v.at[i][3] = t.at[i][1] - t.at[i][3];
  }
  return v;
}

// The block of tiles a task transforms and multiplies: its tiles' inputs
// per position (inC wide) and their products (outC padded), each position's
// `capacity` rows (the most tiles a block holds) after the one before.
struct Block {
  float *inputs, *products;
  int64_t capacity, paddedOut;
};

// Tile `tile` (counted across the batch): its sample, and its row and
// column among the sample's tiles. Its outputs start at twice those, its
// input window at twice those less the padding.
struct TileOrigin {
  int64_t sample, ty, tx;
};
KILN_INLINE TileOrigin tileOrigin(int64_t tile, int64_t tilesH, int64_t tilesW) {
  return {tile / (tilesH * tilesW), tile / tilesW % tilesH, tile % tilesW};
}

// Writes the transformed input of tile `t` as row `row` of the block.
KILN_INLINE void inputTile(const Block &block, int64_t row, const float *in, const abi::ConvGeometry &g,
                           const TileOrigin &t) {
  const int64_t y0 = 2 * t.ty - g.padTop, x0 = 2 * t.tx - g.padLeft, c = g.inC;
  const float *sample = in + t.sample * g.inH * g.inW * c;
  const float *at[4][4];  // the window's pixels, null in the padding
  KILN_UNROLL for (int i = 0; i < 4; ++i) KILN_UNROLL for (int j = 0; j < 4; ++j) {
    int64_t y = y0 + i, x = x0 + j;
    at[i][j] = uint64_t(y) < uint64_t(g.inH) && uint64_t(x) < uint64_t(g.inW) ? sample + (y * g.inW + x) * c : nullptr;
  }
  float *dst = block.inputs + row * c;
  const int64_t positionStride = block.capacity * c;
  // Whole vectors of channels, then the rest one by one.
  auto channels = [&](auto zero, int64_t ch, auto load, auto store) {
    Window4<decltype(zero)> d;
    KILN_UNROLL for (int i = 0; i < 4; ++i) KILN_UNROLL for (int j = 0; j < 4; ++j) d.at[i][j] =
        at[i][j] ? load(at[i][j] + ch) : zero;
    Window4<decltype(zero)> v = transformInput(d);
    KILN_UNROLL for (int i = 0; i < 4; ++i) KILN_UNROLL for (int j = 0; j < 4; ++j)
        store(dst + (i * 4 + j) * positionStride + ch, v.at[i][j]);
  };
  int64_t ch = 0;
  for (; ch + abi::kPanelWidth <= c; ch += abi::kPanelWidth) channels(splat(0.0f), ch, load16, store16);
  for (; ch < c; ++ch)
    channels(0.0f, ch, [](const float *p) { return *p; }, [](float *p, float x) { *p = x; });
}

// Y = A^T M A for row `row` of the block's products in panels [firstPanel,
// endPanel), plus the bias, through the activation, into the tile's outputs
// that exist (an odd output size leaves the last tile half outside).
KILN_INLINE void outputTile(const Block &block, int64_t row, float *out, const float *bias, const ActParams &act,
                            const abi::ConvGeometry &g, const TileOrigin &t, int64_t firstPanel, int64_t endPanel) {
  const int64_t positionStride = block.capacity * block.paddedOut, oy = 2 * t.ty, ox = 2 * t.tx;
  const bool secondRow = oy + 1 < g.outH, secondColumn = ox + 1 < g.outW;
  const float *src = block.products + row * block.paddedOut;
  float *dst = out + ((t.sample * g.outH + oy) * g.outW + ox) * g.outC;
  const int64_t endChannel = endPanel * abi::kPanelWidth < g.outC ? endPanel * abi::kPanelWidth : g.outC;
  for (int64_t ch = firstPanel * abi::kPanelWidth; ch < endChannel; ch += abi::kPanelWidth) {
    v16 m[4][4];
    KILN_UNROLL for (int i = 0; i < 4; ++i) KILN_UNROLL for (int j = 0; j < 4; ++j) m[i][j] =
        load16(src + (i * 4 + j) * positionStride + ch);
    v16 r[2][4], y[2][2];
    KILN_UNROLL for (int j = 0; j < 4; ++j) {
      r[0][j] = m[0][j] + m[1][j] + m[2][j];
      r[1][j] = m[1][j] - m[2][j] - m[3][j];
    }
    KILN_UNROLL for (int i = 0; i < 2; ++i) {
      y[i][0] = r[i][0] + r[i][1] + r[i][2];
      y[i][1] = r[i][1] - r[i][2] - r[i][3];
    }
    const int64_t width = g.outC - ch < abi::kPanelWidth ? g.outC - ch : abi::kPanelWidth;
    KILN_UNROLL for (int i = 0; i < 2; ++i) KILN_UNROLL for (int j = 0; j < 2; ++j) {
      if ((i == 1 && !secondRow) || (j == 1 && !secondColumn)) continue;
      v16 v = y[i][j];
      if (bias) v += load16(bias + ch);
      activateAccumulator(act, v);
      float *d = dst + (i * g.outW + j) * g.outC + ch;
      if (width == abi::kPanelWidth) store16(d, v);
      else
        for (int64_t l = 0; l < width; ++l) d[l] = v[l];
    }
  }
}

// One position's products: `rows` (whole register tiles) of the block's
// transformed inputs `a` (k wide) by panels [firstPanel, endPanel) of that
// position's transformed kernel `b`, each tile over the whole depth and
// stored as it is (the output transform adds the bias and activates).
template <class T>
KILN_INLINE void multiplyPosition(const float *a, int64_t k, const float *b, float *products, int64_t paddedOut,
                                  int64_t rows, int64_t firstPanel, int64_t endPanel) {
  const int64_t panelStride = k * abi::kPanelWidth;
  auto byPanels = [&](auto panelCount, int64_t panel) {
    constexpr int Panels = decltype(panelCount)::value;
    for (int64_t row = 0; row < rows; row += T::kRows) {
      v16 acc[T::kRows][Panels];
      multiplyTile<T::kRows, Panels>(a + row * k, k, b + panel * panelStride, panelStride, k, acc);
      KILN_UNROLL for (int r = 0; r < T::kRows; ++r) KILN_UNROLL for (int p = 0; p < Panels; ++p)
          store16(products + (row + r) * paddedOut + (panel + p) * abi::kPanelWidth, acc[r][p]);
    }
  };
  int64_t panel = firstPanel;
  for (; panel + T::kPanels <= endPanel; panel += T::kPanels) byPanels(Count<T::kPanels>{}, panel);
  for (; panel < endPanel; ++panel) byPanels(Count<1>{}, panel);
}

// out = act(conv(in, kernel) + bias) for `batch` samples of a 3x3, stride
// 1, one-group convolution. `packed` holds, per position, the transformed
// kernel's [inC, outC] in panels (conv::winogradKernel); `bias` (may be
// null) is padded to panels. Tasks are blocks of tiles (and ranges of
// panels), each in its thread's workspace (abi::winogradWorkspaceFloats).
template <class T>
KILN_INLINE void conv2dWinograd(float *out, const float *in, const float *packed, const float *bias, int64_t batch,
                                const int64_t *geometry, const ActParams &act, const abi::RunContext *run) {
  const abi::ConvGeometry &g = *reinterpret_cast<const abi::ConvGeometry *>(geometry);
  const int64_t panels = abi::panelCount(g.outC), paddedOut = panels * abi::kPanelWidth;
  const int64_t tilesH = (g.outH + 1) / 2, tilesW = (g.outW + 1) / 2, tiles = batch * tilesH * tilesW;
  const int64_t mostRows = abi::winogradBlockTiles(g.inC, g.outC);
  if (tiles == 0) return;  // an empty batch
  // Blocks are runs of whole register tiles of rows (groups), shared out
  // evenly, as many per thread. Fewer blocks than threads (small images):
  // the threads share the larger operand, as the GEMM's tasks do. Where the
  // tiles' inputs outweigh the transformed kernel, smaller blocks; else, or
  // still too few, ranges of panels too, each such task transforming its
  // block's inputs again (a small part of its products).
  const int64_t threads = run->threads > 1 ? run->threads : 1;
  const int64_t groups = (tiles + abi::kMaxTileRows - 1) / abi::kMaxTileRows;
  const int64_t mostGroups = mostRows / abi::kMaxTileRows;
  int64_t blocks = (groups + mostGroups - 1) / mostGroups;
  if (blocks < threads && tiles >= g.outC) blocks = threads;
  else if (blocks > threads && blocks % threads) blocks += threads - blocks % threads;
  if (blocks > groups) blocks = groups;
  int64_t panelTasks = 1;
  if (blocks < threads) {
    int64_t wanted = (threads + blocks - 1) / blocks;
    int64_t most = panels / T::kPanels > 1 ? panels / T::kPanels : 1;
    panelTasks = wanted < most ? wanted : most;
  }
  int64_t panelChunk = (panels + panelTasks - 1) / panelTasks;
  panelChunk = (panelChunk + T::kPanels - 1) / T::kPanels * T::kPanels;
  panelTasks = (panels + panelChunk - 1) / panelChunk;
  const ActParams epilogue = epilogueActivation(act);
  parallelFor(run, blocks * panelTasks, [&](int64_t task, int32_t thread) {
    float *workspace = workspaceOf(run, thread);
    const Block block{workspace, workspace + kPositions * mostRows * g.inC, mostRows, paddedOut};
    const Share share = shareOf(task / panelTasks, blocks, groups);
    const int64_t first = share.begin * abi::kMaxTileRows;
    const int64_t rows = (share.end * abi::kMaxTileRows < tiles ? share.end * abi::kMaxTileRows : tiles) - first;
    const int64_t p0 = task % panelTasks * panelChunk, pEnd = p0 + panelChunk < panels ? p0 + panelChunk : panels;
    for (int64_t r = 0; r < rows; ++r) inputTile(block, r, in, g, tileOrigin(first + r, tilesH, tilesW));
    // A last partial tile of rows runs as a whole one over zeros (its
    // products are never read): narrower tiles would read the kernel for
    // fewer rows.
    const int64_t tileRows = (rows + T::kRows - 1) / T::kRows * T::kRows;
    for (int64_t p = 0; p < kPositions; ++p)
      for (int64_t i = rows * g.inC; i < tileRows * g.inC; ++i) block.inputs[p * block.capacity * g.inC + i] = 0.0f;
    for (int64_t p = 0; p < kPositions; ++p)
      multiplyPosition<T>(block.inputs + p * block.capacity * g.inC, g.inC, packed + p * paddedOut * g.inC,
                          block.products + p * block.capacity * paddedOut, paddedOut, tileRows, p0, pEnd);
    for (int64_t r = 0; r < rows; ++r)
      outputTile(block, r, out, bias, epilogue, g, tileOrigin(first + r, tilesH, tilesW), p0, pEnd);
  });
  if (abi::isRowwise(act.act)) softmaxRows(out, batch * g.outH * g.outW, g.outC, act.act == abi::kLogSoftmax);
}

}  // namespace

KILN_TILED_KERNEL(kiln_conv2d_winograd, conv2dWinograd,
                  (float *out, const float *in, const float *packed, const float *bias, int64_t batch,
                   const int64_t *geometry, int32_t act, float alpha, float maxValue, float threshold,
                   const abi::RunContext *run),
                  (out, in, packed, bias, batch, geometry, ActParams{act, alpha, maxValue, threshold}, run))
