// Layers that act only while training (dropout, noise, random augmentation):
// at inference they pass their input through unchanged, so the graph passes
// remove them and they emit no code.
#pragma once

#include "layers/LayerKind.h"

namespace kiln {

class IdentityAtInferenceKind : public LayerKind {
public:
  using LayerKind::LayerKind;
  bool supportsMasking() const override { return true; }  // Keras: the mask passes through
  bool supportsOpenAxes() const override { return true; }
  bool isIdentityAtInference(const Layer &) const override { return true; }
  void inferShapes(ShapeContext &cx) const override { cx.outputs = {cx.input()}; }
  void lower(LowerContext &) const override {}
};

}  // namespace kiln
