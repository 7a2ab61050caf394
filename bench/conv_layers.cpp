// Kiln's convolution kernels called directly on the convolutions of VGG16
// (224 x 224, batch 1) and of the MNIST CNN (batch 64): the best of `runs`
// calls per layer on one thread, with the arena's 64-byte alignment, as
// GFLOP/s and a share of the FMA peak given on the command line. Layers
// kilnc gives to Winograd's kernel are timed with both, their calls
// alternated; its GFLOP/s count the direct convolution's multiply-adds
// (the "effective" rate), so that the two compare by time. First, the
// GEMM's register tile alone on operands that stay in L1: what its loop
// reaches on this core with no cache misses. The tile is the one kilnc
// picks for this CPU (codegen/Targets.cpp): 12 rows x 2 panels with
// AVX-512, else 6 x 1. Built and run by bench/conv_layers.sh; see
// bench/README.md.
#include "Gemm.h"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

using namespace kiln;

#if defined(__AVX512F__)
#define BENCH_TILE(name) name##__12x2
constexpr int kTileRows = 12, kTilePanels = 2;
#else
#define BENCH_TILE(name) name##__6x1
constexpr int kTileRows = 6, kTilePanels = 1;
#endif

extern "C" void BENCH_TILE(kiln_conv2d)(float *out, const float *in, const float *packed, const float *bias,
                                        int64_t batch, const int64_t *geometry, int32_t act, float alpha,
                                        float maxValue, float threshold, const abi::RunContext *run);
extern "C" void BENCH_TILE(kiln_conv2d_winograd)(float *out, const float *in, const float *packed, const float *bias,
                                                 int64_t batch, const int64_t *geometry, int32_t act, float alpha,
                                                 float maxValue, float threshold, const abi::RunContext *run);

namespace {

struct Layer {
  const char *model;
  int64_t batch, outSize, inC, outC, pad;  // a 3x3 window, stride 1, ReLU
};

const Layer kLayers[] = {
    {"vgg16", 1, 224, 3, 64, 1},    {"vgg16", 1, 224, 64, 64, 1},   {"vgg16", 1, 112, 64, 128, 1},
    {"vgg16", 1, 112, 128, 128, 1}, {"vgg16", 1, 56, 128, 256, 1},  {"vgg16", 1, 56, 256, 256, 1},
    {"vgg16", 1, 28, 256, 512, 1},  {"vgg16", 1, 28, 512, 512, 1},  {"vgg16", 1, 14, 512, 512, 1},
    {"mnist_cnn", 64, 26, 1, 32, 0}, {"mnist_cnn", 64, 24, 32, 64, 0},
};

// n floats from a 64-byte boundary, all `value`.
struct Aligned {
  std::vector<float> storage;
  float *data;
  Aligned(int64_t n, float value) : storage(size_t(n) + 16, value) {
    data = reinterpret_cast<float *>((reinterpret_cast<uintptr_t>(storage.data()) + 63) / 64 * 64);
  }
};

// The tile's loop over `depth` steps of operands in L1, `repeats` times.
__attribute__((noinline)) float tileLoop(const float *a, const float *b, int64_t depth, int64_t repeats) {
  kernels::v16 sum = kernels::splat(0.0f);
  for (int64_t i = 0; i < repeats; ++i) {
    kernels::v16 acc[kTileRows][kTilePanels];
    kernels::multiplyTile<kTileRows, kTilePanels>(a, depth, b, depth * abi::kPanelWidth, depth, acc);
    for (int r = 0; r < kTileRows; ++r)
      for (int p = 0; p < kTilePanels; ++p) sum += acc[r][p];
  }
  return sum[0];
}

}  // namespace

int main(int argc, char **argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: conv_layers PEAK_GFLOPS RUNS\n");
    return 2;
  }
  double peak = std::atof(argv[1]);
  int runs = std::atoi(argv[2]);
  {
    const int64_t depth = 256, repeats = 500000;
    Aligned a(kTileRows * depth, 0.5f), b(kTilePanels * depth * abi::kPanelWidth, 0.25f);
    double best = 1e30;
    for (int r = 0; r < 5; ++r) {
      auto start = std::chrono::steady_clock::now();
      volatile float sink = tileLoop(a.data, b.data, depth, repeats);
      (void)sink;
      double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      best = s < best ? s : best;
    }
    double gflops = 2.0 * kTileRows * kTilePanels * abi::kPanelWidth * depth * repeats / best / 1e9;
    std::printf("conv_layers: tile=%dx%d operands=L1 gflops=%.1f peak_share=%.2f\n", kTileRows, kTilePanels, gflops,
                gflops / peak);
  }
  for (const Layer &l : kLayers) {
    abi::ConvGeometry g{};
    g.outH = g.outW = l.outSize;
    g.inH = g.inW = l.outSize + 2 - 2 * l.pad;
    g.inC = l.inC, g.outC = l.outC, g.kernelH = g.kernelW = 3, g.strideH = g.strideW = 1;
    g.dilationH = g.dilationW = 1, g.padTop = g.padLeft = l.pad, g.groups = 1, g.depthMultiplier = 1;
    g.inD = g.outD = g.kernelD = g.strideD = g.dilationD = 1;
    int64_t k = 9 * l.inC, panels = abi::panelCount(l.outC);
    Aligned in(l.batch * g.inH * g.inW * l.inC, 0.5f), out(l.batch * l.outSize * l.outSize * l.outC, 0.0f);
    Aligned packed(panels * abi::kPanelWidth * k, 0.01f), bias(panels * abi::kPanelWidth, 0.0f);
    // What layers/conv/Conv.cpp gives to Winograd's kernel.
    const bool winograd = l.inC >= 16 && l.outC >= 16;
    int64_t workspaceFloats = winograd ? abi::winogradWorkspaceFloats(l.inC, l.outC) : abi::convWorkspaceFloats(l.inC);
    Aligned workspace(workspaceFloats, 0.0f), transformed(winograd ? 16 * panels * abi::kPanelWidth * l.inC : 0, 0.01f);
    abi::RunContext run{nullptr, reinterpret_cast<char *>(workspace.data), workspaceFloats * 4, 1};
    double best = 1e30, bestWinograd = 1e30;
    auto time = [&](auto kernel, const float *weights, double &fastest) {
      auto start = std::chrono::steady_clock::now();
      kernel(out.data, in.data, weights, bias.data, l.batch, reinterpret_cast<const int64_t *>(&g), abi::kRelu, 0.0f,
             -1.0f, 0.0f, &run);
      double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      fastest = s < fastest ? s : fastest;
    };
    for (int r = 0; r < runs; ++r) {
      time(BENCH_TILE(kiln_conv2d), packed.data, best);
      if (winograd) time(BENCH_TILE(kiln_conv2d_winograd), transformed.data, bestWinograd);
    }
    double flops = 2.0 * l.batch * l.outSize * l.outSize * l.outC * k;
    std::printf("conv_layers: model=%s batch=%lld out=%lldx%lldx%lld in_channels=%lld ms=%.3f gflops=%.1f "
                "peak_share=%.2f",
                l.model, (long long)l.batch, (long long)l.outSize, (long long)l.outSize, (long long)l.outC,
                (long long)l.inC, best * 1e3, flops / best / 1e9, flops / best / 1e9 / peak);
    if (winograd)
      std::printf(" winograd_ms=%.3f effective_gflops=%.1f", bestWinograd * 1e3, flops / bestWinograd / 1e9);
    std::printf("\n");
  }
}
