// Cropping1D/2D/3D: removes steps, rows, columns or planes from both ends of each spatial
// axis of a channels_last tensor.
#include "codegen/LowerContext.h"
#include "layers/spatial/SpatialCommon.h"

#include <fmt/format.h>

namespace kiln {
namespace {

class CroppingKind : public LayerKind {
public:
  CroppingKind(std::string className, int spatialRank)
      : LayerKind(std::move(className), argsFor(spatialRank),
                  spatialRank == 1   ? "removes steps from both ends of the steps axis"
                  : spatialRank == 2 ? "removes rows and columns from the edges"
                                     : "removes planes, rows and columns from the edges"),
        spatialRank_(spatialRank) {}

  bool checkConfig(DiagnosticEngine &diags, const Layer &layer) const override {
    return checkMargins(diags, layer, "cropping", spatialRank_);
  }

  // Over an open axis, what is left is checked to be at least 1 at run time.
  bool supportsOpenAxes() const override { return true; }

  void inferShapes(ShapeContext &cx) const override {
    if (!requireSpatialInput(cx, spatialRank_)) return;
    TensorType out = cx.input();
    std::vector<Margin> crops = margins(cx.config(), "cropping", spatialRank_);
    for (int i = 0; i < spatialRank_; ++i) {
      Dim size = sub(out.dims[1 + i], crops[i].before + crops[i].after);
      if (size.known() && size.value() < 1) {
        int64_t n = out.dims[1 + i].value();
        const char *axis = spatialAxisName(spatialRank_, i);
        cx.error(DiagID::err_spatial_empty, cx.layer().describe(), axis,
                 fmt::format("{} - {} - {} = {}", n, crops[i].before, crops[i].after, size.value()),
                 fmt::format("cropping ({}, {}) leaves nothing of the input {} ({})", crops[i].before, crops[i].after,
                             axis, n));
        return;
      }
      out.dims[1 + i] = size;
    }
    cx.outputs = {out};
  }

  void lower(LowerContext &cx) const override {
    std::vector<Margin> crops = margins(cx.config(), "cropping", spatialRank_);
    std::vector<WindowAxis> axes = windowAxes(cx.inputType(), cx.outputType());
    for (int i = 0; i < spatialRank_; ++i) axes[i].padBefore = -crops[i].before;
    cx.call("kiln_spatial_window", {cx.output(), cx.input(), cx.batch(),
                                    emitWindowGeometry(cx, axes, cx.inputType().dims.back())});
  }

private:
  static std::vector<ArgSpec> argsFor(int spatialRank) {
    // Keras's defaults: (1, 1) for 1D, nothing for 2D, one on every side for 3D.
    auto pair = [](int64_t n) { return Value::ofTuple({Value::ofInt(n), Value::ofInt(n)}); };
    if (spatialRank == 1) return {arg("cropping", ArgType::Any, pair(1))};
    Value side = pair(spatialRank == 2 ? 0 : 1);
    return {arg("cropping", ArgType::Any, Value::ofTuple(std::vector<Value>(spatialRank, side))), dataFormatArg()};
  }

  int spatialRank_;
};

class Cropping1DKind : public CroppingKind {
public:
  Cropping1DKind() : CroppingKind("Cropping1D", 1) {}
};
class Cropping2DKind : public CroppingKind {
public:
  Cropping2DKind() : CroppingKind("Cropping2D", 2) {}
};
class Cropping3DKind : public CroppingKind {
public:
  Cropping3DKind() : CroppingKind("Cropping3D", 3) {}
};

}  // namespace

KILN_REGISTER_LAYER(Cropping1DKind)
KILN_REGISTER_LAYER(Cropping2DKind)
KILN_REGISTER_LAYER(Cropping3DKind)

}  // namespace kiln
