// The packed weight layout the compiler produces and the kernels read
// (kernels/KernelABI.h): panels of kPanelWidth columns, zero-padded.
#include "codegen/LowerContext.h"
#include "kernels/KernelABI.h"

#include <gtest/gtest.h>

#include <vector>

using namespace kiln;

namespace {

std::vector<float> iota(int64_t n) {
  std::vector<float> v(n);
  for (int64_t i = 0; i < n; ++i) v[i] = static_cast<float>(i + 1);
  return v;
}

TEST(KernelABI, PanelCount) {
  EXPECT_EQ(kiln::abi::kPanelWidth, 16);
  EXPECT_EQ(kiln::abi::panelCount(1), 1);
  EXPECT_EQ(kiln::abi::panelCount(16), 1);
  EXPECT_EQ(kiln::abi::panelCount(17), 2);
  EXPECT_EQ(kiln::abi::panelCount(64), 4);
  EXPECT_EQ(kiln::abi::panelCount(10), 1);
}

TEST(PackPanels, OneNarrowPanelIsZeroPadded) {
  // A 2x3 kernel [[1, 2, 3], [4, 5, 6]]: one panel of 2 rows x 16 lanes.
  std::vector<float> packed = packPanels(iota(6), 2, 3);
  ASSERT_EQ(packed.size(), 2u * 16u);
  std::vector<float> expected(32, 0.0f);
  expected[0] = 1, expected[1] = 2, expected[2] = 3;
  expected[16] = 4, expected[17] = 5, expected[18] = 6;
  EXPECT_EQ(packed, expected);
}

TEST(PackPanels, ColumnsSplitIntoPanels) {
  // k = 3 rows, n = 20 columns: panel 0 holds columns 0..15 of every row,
  // then panel 1 holds columns 16..19 and 12 zeros per row.
  const int64_t k = 3, n = 20;
  std::vector<float> kernel = iota(k * n);
  std::vector<float> packed = packPanels(kernel, k, n);
  ASSERT_EQ(packed.size(), static_cast<size_t>(2 * k * 16));
  for (int64_t p = 0; p < 2; ++p)
    for (int64_t row = 0; row < k; ++row)
      for (int64_t lane = 0; lane < 16; ++lane) {
        int64_t col = p * 16 + lane;
        float want = col < n ? kernel[row * n + col] : 0.0f;
        EXPECT_EQ(packed[(p * k + row) * 16 + lane], want) << "panel " << p << " row " << row << " lane " << lane;
      }
  // Spot checks in plain numbers: row 1, column 17 is the value 1 * 20 + 17 + 1.
  EXPECT_EQ(packed[(1 * k + 1) * 16 + 1], 38.0f);
  EXPECT_EQ(packed[(0 * k + 2) * 16 + 15], 56.0f);
}

TEST(PackPanels, ExactMultipleNeedsNoPadding) {
  std::vector<float> kernel = iota(4 * 32);
  std::vector<float> packed = packPanels(kernel, 4, 32);
  ASSERT_EQ(packed.size(), kernel.size());
  EXPECT_EQ(packed[0], 1.0f);
  EXPECT_EQ(packed[16], 33.0f);            // row 1, column 0
  EXPECT_EQ(packed[4 * 16], 17.0f);        // panel 1, row 0, column 16
  EXPECT_EQ(packed[4 * 16 + 16], 49.0f);   // panel 1, row 1, column 16
}

TEST(PadToPanels, BiasIsPaddedToWholePanels) {
  EXPECT_EQ(padToPanels(iota(3), 3), (std::vector<float>{1, 2, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
  std::vector<float> b = padToPanels(iota(17), 17);
  ASSERT_EQ(b.size(), 32u);
  EXPECT_EQ(b[16], 17.0f);
  for (size_t i = 17; i < 32; ++i) EXPECT_EQ(b[i], 0.0f);
  EXPECT_EQ(padToPanels(iota(16), 16), iota(16));
}

}  // namespace
