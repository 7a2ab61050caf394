// Dimensions over open axes: arithmetic folds constants, keeps -1 a
// constant apart from None, and evaluates as Keras's shape arithmetic does.
#include "shapes/Dim.h"

#include <gtest/gtest.h>

using namespace kiln;

TEST(Dim, ConstantsFold) {
  EXPECT_EQ(add(3, 4), 7);
  EXPECT_EQ(sub(3, 4).value(), -1);
  EXPECT_FALSE(sub(3, 4).none());  // -1 from arithmetic is a constant, not None
  EXPECT_EQ(floorDiv(-3, 2).value(), -2);
  EXPECT_EQ(ceilDiv(7, 2), 4);
  EXPECT_TRUE(add(Dim(kNone), 1).none());
}

TEST(Dim, ConvolutionArithmeticOverAnOpenAxis) {
  Dim n = Dim::axis(0);
  Dim valid = add(floorDiv(sub(n, 3), 2), 1);  // kernel 3, stride 2
  EXPECT_TRUE(valid.symbolic());
  for (int64_t size : {3, 4, 45, 61}) EXPECT_EQ(valid.evaluate({size}), (size - 3) / 2 + 1) << size;
  Dim same = ceilDiv(n, 2);
  Dim pad = floorDiv(max(sub(add(mul(sub(same, 1), 2), 3), n), 0), 2);
  EXPECT_EQ(pad.evaluate({32}), 0);  // (16 - 1) * 2 + 3 - 32 = 1 -> 0
  EXPECT_EQ(pad.evaluate({45}), 1);  // (23 - 1) * 2 + 3 - 45 = 2 -> 1
  EXPECT_EQ(valid.expression({"steps"}), "(steps - 3) / 2 + 1");
}

TEST(Dim, EqualityIsStructural) {
  Dim a = Dim::axis(0), b = Dim::axis(1);
  EXPECT_TRUE(add(a, 1) == add(a, 1));
  EXPECT_FALSE(add(a, 1) == add(b, 1));
  EXPECT_TRUE(sub(a, a) == 0);
  EXPECT_EQ(mul(mul(a, 2), 1).substitute([](int) { return Dim(5); }), 10);
}
