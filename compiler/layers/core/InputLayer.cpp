// InputLayer: the entry of a model. Input(shape=...) makes one; Sequential
// makes `<first layer>_input` from the first layer's input_shape/input_dim.
#include "layers/LayerKind.h"

namespace kiln {
namespace {

class InputLayerKind : public LayerKind {
public:
  InputLayerKind()
      : LayerKind("InputLayer",
                  // Keras 2's positional order (InputLayer((28, 28, 1)) in both
                  // Kerases), then Keras 3's names for the shape.
                  {arg("input_shape", ArgType::Shape, Value::none()), arg("batch_size", ArgType::PositiveInt, Value::none()),
                   arg("dtype", ArgType::DType, Value::none()), arg("input_tensor", ArgType::Any, Value::none()),
                   arg("sparse", ArgType::Bool, Value::none()), arg("name", ArgType::Str, Value::none()),
                   arg("ragged", ArgType::Bool, Value::none()), arg("shape", ArgType::Shape, Value::none()),
                   arg("batch_shape", ArgType::Shape, Value::none())},
                  "a model input; its tensor is made when the layer is constructed") {}

  std::optional<std::vector<int64_t>> declaredInputShape(const LayerConfig &c) const override {
    if (!c.isNone("batch_shape")) return c.ints("batch_shape");
    if (c.isNone("shape")) return std::nullopt;
    std::vector<int64_t> dims{c.isNone("batch_size") ? kNone : c.integer("batch_size")};
    for (int64_t d : c.ints("shape")) dims.push_back(d);
    return dims;
  }

  void inferShapes(ShapeContext &) const override {}  // never called on tensors
  void lower(LowerContext &) const override {}         // the caller's buffer
};

}  // namespace

KILN_REGISTER_LAYER(InputLayerKind)

}  // namespace kiln
