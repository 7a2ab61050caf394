// InputLayer: the entry of a model. Input(shape=...) makes one; Sequential
// makes `<first layer>_input` from the first layer's input_shape/input_dim.
#include "layers/LayerKind.h"

namespace kiln {
namespace {

class InputLayerKind : public LayerKind {
public:
  InputLayerKind()
      : LayerKind("InputLayer", {arg("input_tensor", ArgType::Any, Value::none()),
                                 arg("sparse", ArgType::Bool, Value::none()),
                                 arg("ragged", ArgType::Bool, Value::none())},
                  "a model input; its tensor is made when the layer is constructed") {}

  void inferShapes(ShapeContext &) const override {}  // never called on tensors
  void lower(LowerContext &) const override {}         // the caller's buffer
};

}  // namespace

KILN_REGISTER_LAYER(InputLayerKind)

}  // namespace kiln
