#include "layers/spatial/SpatialCommon.h"

#include <fmt/format.h>


namespace kiln {

std::string layoutString(int spatialRank, bool channelsFirst) {
  const char *spatial = spatialRank == 1 ? "steps" : spatialRank == 2 ? "height, width" : "depth, height, width";
  return channelsFirst ? fmt::format("(batch, channels, {})", spatial) : fmt::format("(batch, {}, channels)", spatial);
}

namespace {

bool isIntPair(const Value &v) {
  return v.isSequence() && v.items.size() == 2 && v.items[0].is(ValueKind::Int) && v.items[1].is(ValueKind::Int);
}

// One axis's (before, after): an int for both sides, or a pair.
Margin marginOf(const Value &v) {
  if (v.is(ValueKind::Int)) return {v.integer, v.integer};
  return {v.items[0].integer, v.items[1].integer};
}

}  // namespace

ArgSpec dataFormatArg(const char *defaultValue) {
  ArgSpec spec = choice("data_format", {"channels_last", "channels_first"}, defaultValue ? defaultValue : "");
  // None accepted, meaning image_data_format(); Keras 3's 1D layers default to it too.
  if (!defaultValue) spec.defaultValue = Value::none();
  else spec.keras3Default = Value::none();
  return spec;
}

bool checkTupleAtLeast(DiagnosticEngine &diags, const Layer &layer, const char *name, int64_t min) {
  const Value &v = layer.config.get(name);
  for (const Value &item : v.items) {  // None (no items) passes
    if (item.integer >= min) continue;
    std::string rule = min == 1 ? "be positive" : min == 0 ? "not be negative" : "be at least " + std::to_string(min);
    diags.report(DiagID::err_argument_value, v.range, name, layer.kind->className(),
                 "must " + rule + ", got " + repr(v));
    return false;
  }
  return true;
}

bool requireSpatialInput(ShapeContext &cx, int spatialRank) {
  const TensorType &in = cx.input();
  int rank = spatialRank + 2;
  if (in.rank() != rank) {
    Diagnostic &d = cx.error(DiagID::err_spatial_rank, cx.layer().describe(), rank,
                             layoutString(spatialRank, cx.channelsFirst()), cx.shown(in));
    // (None, 28, 28) into a 2D layer: most likely one-channel images.
    if (in.rank() == rank - 1 && in.perSampleKnown()) {
      TensorType written = cx.asWritten(in);
      std::vector<int64_t> target(written.dims.begin() + 1, written.dims.end());
      target.insert(cx.channelsFirst() ? target.begin() : target.end(), 1);
      d.note(DiagID::note_add_channel_axis, d.range, shapeString(target));
    }
    return false;
  }
  return cx.requireConstant(0, rank - 1, "the channels set the shape of the layer's computation");
}

const char *spatialAxisName(int spatialRank, int axis) {
  if (spatialRank == 1) return "length";
  const char *names[] = {"depth", "height", "width"};
  return names[3 - spatialRank + axis];
}

bool checkMargins(DiagnosticEngine &diags, const Layer &layer, const char *name, int spatialRank) {
  const Value &v = layer.config.get(name);
  bool ok = v.is(ValueKind::Int);
  if (spatialRank == 1) {
    ok = ok || isIntPair(v);
  } else if (v.isSequence() && v.items.size() == size_t(spatialRank)) {
    ok = true;
    for (const Value &axis : v.items) ok &= axis.is(ValueKind::Int) || isIntPair(axis);
  }
  const char *forms = spatialRank == 1 ? "an integer or a tuple of 2 integers (left, right)"
                      : spatialRank == 2
                          ? "an integer, a tuple of 2 integers (height, width) or a tuple of 2 tuples "
                            "((top, bottom), (left, right))"
                          : "an integer, a tuple of 3 integers (depth, height, width) or a tuple of 3 tuples "
                            "((front, back), (top, bottom), (left, right))";
  if (!ok) {
    diags.report(DiagID::err_argument_value, v.range, name, layer.kind->className(),
                 std::string("must be ") + forms + ", got " + repr(v));
    return false;
  }
  for (const Margin &m : margins(layer.config, name, spatialRank)) {
    if (m.before >= 0 && m.after >= 0) continue;
    diags.report(DiagID::err_argument_value, v.range, name, layer.kind->className(),
                 "must not be negative, got " + repr(v));
    return false;
  }
  return true;
}

std::vector<Margin> margins(const LayerConfig &config, const char *name, int spatialRank) {
  const Value &v = config.get(name);
  if (spatialRank == 1) return {marginOf(v)};
  if (v.is(ValueKind::Int)) return std::vector<Margin>(spatialRank, marginOf(v));
  std::vector<Margin> axes;
  for (const Value &axis : v.items) axes.push_back(marginOf(axis));
  return axes;
}

Image asImage(const TensorType &type) {
  const std::vector<Dim> &d = type.dims;
  if (type.rank() == 3) return {1, d[1], d[2]};
  return {d[1], d[2], d[3]};
}

std::vector<WindowAxis> windowAxes(const TensorType &in, const TensorType &out) {
  std::vector<WindowAxis> axes;
  for (int i = 1; i + 1 < in.rank(); ++i) axes.push_back({in.dims[i], out.dims[i]});
  return axes;
}

llvm::Value *emitWindowGeometry(LowerContext &cx, std::vector<WindowAxis> axes, const Dim &channels) {
  static_assert(sizeof(abi::WindowGeometry) == (5 * abi::kSpatialAxes + 1) * sizeof(int64_t),
                "the fields of abi::WindowGeometry");
  axes.insert(axes.begin(), abi::kSpatialAxes - axes.size(), WindowAxis{1, 1});
  std::vector<Dim> fields;
  for (const WindowAxis &a : axes) fields.push_back(a.in);
  for (const WindowAxis &a : axes) fields.push_back(a.out);
  for (const WindowAxis &a : axes) fields.push_back(a.window);
  for (const WindowAxis &a : axes) fields.push_back(a.stride);
  for (const WindowAxis &a : axes) fields.push_back(a.padBefore);
  fields.push_back(channels);
  return cx.ints("window", fields);
}

}  // namespace kiln
