// depth_to_space and space_to_depth (tf.nn's, keras.ops'): moving blocks of
// block_size x block_size pixels between the image's plane and its
// channels, in TensorFlow's order (a pixel's channels hold its block's rows,
// then columns, then the channels that remain). Over open height and width,
// as the super-resolution models that end in them (ESPCN, EDSR) take any
// image size. Each is one gather (kiln_permute) over a 5-axis view of the
// sample.
#include "layers/core/Traced.h"
#include "codegen/LowerContext.h"

namespace kiln {
namespace {

class PixelShuffleKind : public LayerKind {
public:
  // tf.keras 2's class for the layer of a TensorFlow function.
  explicit PixelShuffleKind(bool toDepth)
      : LayerKind("TFOpLambda", {arg("block_size", ArgType::PositiveInt), arg("data_format", ArgType::Str)},
                  toDepth ? "space_to_depth: blocks of pixels into channels"
                          : "depth_to_space: channels into blocks of pixels"),
        toDepth_(toDepth) {}

  bool supportsOpenAxes() const override { return true; }
  // Keras 3's channels_first keeps the block inside each channel's group
  // (channel c * b * b + row * b + column): not the channels_last result
  // between transposes, so it is computed as it is.
  bool transposesChannelsFirst(const Layer &) const override { return false; }

  void inferShapes(ShapeContext &cx) const override {
    if (!cx.requireRank(0, 4)) return;
    const TensorType &in = cx.input();
    int64_t b = cx.config().integer("block_size");
    bool first = channelsFirst(cx.config());
    int channelAxis = first ? 1 : 3, heightAxis = first ? 2 : 1, widthAxis = heightAxis + 1;
    if (!cx.requireConstant(0, channelAxis, "the channels are cut into blocks")) return;
    int64_t channels = in.dims[channelAxis].value();
    TensorType out = in;
    if (toDepth_) {
      for (int axis : {heightAxis, widthAxis}) {
        out.dims[axis] = exactDiv(in.dims[axis], b);
        if (!cx.requireSameSize(mul(out.dims[axis], b), in.dims[axis],
                                "space_to_depth: the height and width must be multiples of block_size"))
          return;
      }
      out.dims[channelAxis] = channels * b * b;
    } else {
      if (channels % (b * b) != 0) {
        cx.error(DiagID::err_shape_mismatch, cx.layer().describe(),
                 "its input " + shapeString(in) + " has " + std::to_string(channels) +
                     " channels, not a multiple of block_size squared (" + std::to_string(b * b) + ")");
        return;
      }
      out.dims[heightAxis] = mul(in.dims[heightAxis], b);
      out.dims[widthAxis] = mul(in.dims[widthAxis], b);
      out.dims[channelAxis] = channels / (b * b);
    }
    cx.outputs = {out};
  }

  void lower(LowerContext &cx) const override {
    const TensorType &in = cx.inputType();
    const Dim b = cx.config().integer("block_size");
    bool first = channelsFirst(cx.config());
    // The sample's sizes as the input has them: (C, H, W) or (H, W, C).
    Dim c = in.dims[first ? 1 : 3], h = in.dims[first ? 2 : 1], w = in.dims[first ? 3 : 2];
    // The output's 5-axis view and, for each of its axes, the input's stride.
    std::vector<Dim> outDims, strides;
    if (!toDepth_) {
      Dim rest = exactDiv(c, b.value() * b.value());
      if (first)  // (C', H, b, W, b) from (C', b, b, H, W)
        outDims = {rest, h, b, w, b}, strides = {mul(mul(b, b), mul(h, w)), w, mul(b, mul(h, w)), 1, mul(h, w)};
      else  // (H, b, W, b, C') from (H, W, b, b, C')
        outDims = {h, b, w, b, rest}, strides = {mul(w, c), mul(b, rest), c, rest, 1};
    } else {
      Dim h2 = exactDiv(h, b.value()), w2 = exactDiv(w, b.value());
      if (first)  // (C, b, b, H', W') from (C, H' b, W' b)
        outDims = {c, b, b, h2, w2}, strides = {mul(h, w), w, 1, mul(b, w), b};
      else  // (H', W', b, b, C) from (H' b, W' b, C)
        outDims = {h2, w2, b, b, c}, strides = {mul(b, mul(w, c)), mul(b, c), mul(w, c), c, 1};
    }
    cx.call("kiln_permute", {cx.output(), cx.input(), cx.batch(), cx.i64(int64_t(outDims.size())),
                             cx.ints("dims", outDims), cx.ints("strides", strides), cx.i64(in.sampleSize())});
  }

private:
  static bool channelsFirst(const LayerConfig &config) { return config.str("data_format") == "channels_first"; }

  bool toDepth_;
};

}  // namespace

const LayerKind *pixelShuffleKind(bool toDepth) {
  static const PixelShuffleKind depthToSpace(false), spaceToDepth(true);
  return toDepth ? &spaceToDepth : &depthToSpace;
}

}  // namespace kiln
