// ZeroPadding1D/2D: zeros added before and after each spatial axis of a
// channels_last tensor.
#include "codegen/LowerContext.h"
#include "layers/spatial/SpatialCommon.h"

namespace kiln {
namespace {

class ZeroPaddingKind : public LayerKind {
public:
  ZeroPaddingKind(std::string className, int spatialRank)
      : LayerKind(std::move(className), argsFor(spatialRank),
                  spatialRank == 1 ? "zeros before and after the steps axis"
                                   : "zeros around the height and width axes"),
        spatialRank_(spatialRank) {}

  bool checkConfig(DiagnosticEngine &diags, const Layer &layer) const override {
    bool ok = checkMargins(diags, layer, "padding", spatialRank_);
    return (spatialRank_ == 1 || checkChannelsLast(diags, layer)) && ok;
  }

  bool supportsOpenAxes() const override { return true; }

  void inferShapes(ShapeContext &cx) const override {
    if (!requireSpatialInput(cx, spatialRank_)) return;
    TensorType out = cx.input();
    std::vector<Margin> pads = margins(cx.config(), "padding", spatialRank_);
    for (int i = 0; i < spatialRank_; ++i) out.dims[1 + i] = add(out.dims[1 + i], pads[i].before + pads[i].after);
    cx.outputs = {out};
  }

  void lower(LowerContext &cx) const override {
    std::vector<Margin> pads = margins(cx.config(), "padding", spatialRank_);
    Image in = asImage(cx.inputType()), out = asImage(cx.outputType());
    int64_t top = spatialRank_ == 2 ? pads[0].before : 0;
    cx.call("kiln_spatial_window", {cx.output(), cx.input(), cx.batch(), cx.i64(in.height), cx.i64(in.width),
                                    cx.i64(in.channels), cx.i64(out.height), cx.i64(out.width), cx.i64(-top),
                                    cx.i64(-pads.back().before)});
  }

private:
  static std::vector<ArgSpec> argsFor(int spatialRank) {
    if (spatialRank == 1) return {arg("padding", ArgType::Any, Value::ofInt(1))};
    return {arg("padding", ArgType::Any, Value::ofTuple({Value::ofInt(1), Value::ofInt(1)})), dataFormatArg()};
  }

  int spatialRank_;
};

class ZeroPadding1DKind : public ZeroPaddingKind {
public:
  ZeroPadding1DKind() : ZeroPaddingKind("ZeroPadding1D", 1) {}
};
class ZeroPadding2DKind : public ZeroPaddingKind {
public:
  ZeroPadding2DKind() : ZeroPaddingKind("ZeroPadding2D", 2) {}
};

}  // namespace

KILN_REGISTER_LAYER(ZeroPadding1DKind)
KILN_REGISTER_LAYER(ZeroPadding2DKind)

}  // namespace kiln
