// The axes a normalization runs over. Its lowering computes over the last
// axes of its input; other axes are moved there by transposes around it
// (LayerKind::movedAxes, as for data_format='channels_first').
#pragma once

#include "layers/LayerKind.h"

#include <algorithm>

namespace kiln {

// The axes `axis` (an int or a list) names in a tensor of `rank`,
// non-negative and sorted; empty if one is the batch axis, outside the
// tensor or named twice.
inline std::vector<int> normalizedAxes(const LayerConfig &c, int rank) {
  std::vector<int> axes;
  for (int64_t a : c.ints("axis")) axes.push_back(int(a < 0 ? a + rank : a));
  std::sort(axes.begin(), axes.end());
  bool valid = !axes.empty() && axes.front() >= 1 && axes.back() < rank &&
               std::adjacent_find(axes.begin(), axes.end()) == axes.end();
  return valid ? axes : std::vector<int>{};
}

// A LayerKind normalizing over its `axis` argument.
class AxisNormalizationKind : public LayerKind {
public:
  using LayerKind::LayerKind;
  bool transposesChannelsFirst(const Layer &) const override { return true; }
  std::vector<int> movedAxes(const Layer &layer, int rank) const override {
    return normalizedAxes(layer.config, rank);
  }
  bool supportsMasking() const override { return true; }
  bool supportsOpenAxes() const override { return true; }

protected:
  // The normalized axes as the shape rule sees them (moved last), all of
  // known size (`why`: what needs them); nothing after an error.
  static std::optional<std::vector<int>> checkedAxes(ShapeContext &cx, const std::string &why) {
    const TensorType &in = cx.input();
    int count = int(normalizedAxes(cx.config(), in.rank()).size());
    if (count == 0) {
      cx.error(DiagID::err_shape_mismatch, cx.layer().describe(),
               "axis=" + repr(cx.config().get("axis")) + " does not name distinct non-batch axes of " + cx.shown(in));
      return std::nullopt;
    }
    std::vector<int> axes;
    for (int a = in.rank() - count; a < in.rank(); ++a) {
      if (!cx.requireConstant(0, a, why)) return std::nullopt;
      axes.push_back(a);
    }
    return axes;
  }
};

}  // namespace kiln
