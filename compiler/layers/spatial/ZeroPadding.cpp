// ZeroPadding1D/2D/3D: zeros added before and after each spatial axis of a
// channels_last tensor.
#include "codegen/LowerContext.h"
#include "layers/spatial/SpatialCommon.h"

namespace kiln {
namespace {

class ZeroPaddingKind : public LayerKind {
public:
  ZeroPaddingKind(std::string className, int spatialRank)
      : LayerKind(std::move(className), argsFor(spatialRank),
                  spatialRank == 1   ? "zeros before and after the steps axis"
                  : spatialRank == 2 ? "zeros around the height and width axes"
                                     : "zeros around the depth, height and width axes"),
        spatialRank_(spatialRank) {}

  bool checkConfig(DiagnosticEngine &diags, const Layer &layer) const override {
    return checkMargins(diags, layer, "padding", spatialRank_);
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
    std::vector<WindowAxis> axes = windowAxes(cx.inputType(), cx.outputType());
    for (int i = 0; i < spatialRank_; ++i) axes[i].padBefore = pads[i].before;
    cx.call("kiln_spatial_window", {cx.output(), cx.input(), cx.batch(),
                                    emitWindowGeometry(cx, axes, cx.inputType().dims.back())});
  }

private:
  static std::vector<ArgSpec> argsFor(int spatialRank) {
    if (spatialRank == 1) return {arg("padding", ArgType::Any, Value::ofInt(1))};
    return {arg("padding", ArgType::Any, Value::ofTuple(std::vector<Value>(spatialRank, Value::ofInt(1)))),
            dataFormatArg()};
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
class ZeroPadding3DKind : public ZeroPaddingKind {
public:
  ZeroPadding3DKind() : ZeroPaddingKind("ZeroPadding3D", 3) {}
};

}  // namespace

KILN_REGISTER_LAYER(ZeroPadding1DKind)
KILN_REGISTER_LAYER(ZeroPadding2DKind)
KILN_REGISTER_LAYER(ZeroPadding3DKind)

}  // namespace kiln
