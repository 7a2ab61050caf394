// The layer graph that evaluating a .kiln file builds, as Keras builds it:
// layers (objects with a configuration and weights), nodes (one call of a
// layer on tensors), tensors (typed node outputs) and models.
#pragma once

#include "diagnostics/SourceManager.h"
#include "layers/LayerConfig.h"
#include "shapes/TensorType.h"

#include <deque>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace kiln {

class LayerKind;
struct Layer;
struct Model;
struct Node;
class TensorProgram;

struct Tensor {
  TensorType type;
  Node *producer = nullptr;  // every tensor is the output of a node (Input has an InputLayer node)
  int outputIndex = 0;
  // Keras's mask: which timesteps are real (1) or padding (0), a float32
  // tensor of shape (batch, timesteps) made by Embedding(mask_zero=True) or
  // Masking and passed along by the layers that support masking.
  Tensor *mask = nullptr;
  // Computed from constants alone (ops.arange in a custom layer's call()):
  // Keras's tensor has no batch axis, and this one repeats it for every sample.
  bool batchFree = false;
};

struct Node {
  Layer *layer = nullptr;
  std::vector<Tensor *> inputs;
  std::vector<Tensor *> outputs;
  std::vector<Tensor *> masks;  // masks this call computes, by output (null: none or inherited)
  // The layer computes as if its inputs had no masks, though its outputs'
  // masks come from them (Keras 3's call with initial_state, see callLayer).
  bool masksUnread = false;
  SourceRange range;  // the call expression
  int indexInLayer = 0;  // Keras's node index, as in "dense[1][0]"
  int id = 0;            // creation order across the graph
  std::vector<SizeCheck> sizeChecks;  // relations between its inputs' sizes left to run time
};

// A weight as the layer declares it: name, shape, and how it is initialized
// when no weights file is given.
struct WeightSpec {
  std::string name;  // "kernel", "bias", "moving_mean", ...
  std::vector<int64_t> shape;
  std::string initializerArg;  // the config argument naming its initializer, or "=ones": a fixed one
  bool trainable = true;
};

struct Layer {
  const LayerKind *kind = nullptr;  // null for a model used as a layer
  Model *model = nullptr;           // set when this layer is a model
  std::string name;
  LayerConfig config;
  SourceRange range;  // where the layer was constructed
  std::vector<Node *> nodes;
  std::vector<TensorType> builtInputs;  // input types of the first call
  std::vector<WeightSpec> weights;
  std::vector<std::vector<float>> weightValues;  // filled by weight loading, same order
  bool invalid = false;  // its construction failed: calls produce error values quietly
  // A Lambda's or custom layer's tensor math, traced at its first call.
  std::shared_ptr<const TensorProgram> program;
  // The parameters after the first of a custom layer's call() that its
  // calls give tensors (call(self, x, context)): its input is the tuple of
  // the first argument and these (Evaluator::packCallArguments).
  std::vector<std::string> callTensorArgs;

  std::string className() const;
  // "Dense layer 'dense_1'", for messages.
  std::string describe() const;
  int64_t paramCount(bool trainable) const;
  // The bound values of the weight named `name`, or null if it has none.
  const std::vector<float> *weight(std::string_view name) const;
};

struct Model {
  std::string name;
  bool sequential = false;
  Layer *layer = nullptr;  // the model seen as a layer of an enclosing model
  std::vector<Tensor *> inputs;
  std::vector<Tensor *> outputs;
  std::vector<Layer *> layers;  // in Keras's model.layers order
  std::vector<Node *> nodes;    // the calls from inputs to outputs, in dependency order
  SourceRange range;
  // A Sequential model before it knows its input: layers waiting to be called.
  std::vector<Layer *> pending;
  SourceRange pendingRange;

  // A custom layer that calls other layers (a composite): its sublayers by
  // the attribute path Keras 3 saves them under ("att", "blocks/dense_1"),
  // in the order the layer tracks them.
  std::vector<std::pair<std::string, Layer *>> sublayers;
  // Its outputs' masks (compute_mask()'s, or an input's passed on; null:
  // none), computed inside it; its inputs' masks are its inputs' `mask`.
  std::vector<Tensor *> outputMasks;
  // TimeDistributed around a model: the wrapper as a model of one call of
  // the wrapped model (its sublayer `layer`). Its inputs and outputs are
  // one timestep's; the wrapper's tensors have the time axis (axis 1), which
  // the layers inside see folded into the batch axis.
  bool timeDistributed = false;

  bool built() const { return !outputs.empty() || (sequential && !inputs.empty()); }
  int64_t paramCount(bool trainable) const;
};

// Owns every object of the graph; the rest of the compiler holds pointers.
class Graph {
public:
  Tensor *newTensor(TensorType type, Node *producer, int index);
  Node *newNode(Layer *layer, std::vector<Tensor *> inputs, SourceRange range);
  Layer *newLayer(const LayerKind *kind, std::string name, SourceRange range);
  // The model's layer is `asLayer` if given (a composite custom layer), else a new one.
  Model *newModel(std::string name, bool sequential, SourceRange range, Layer *asLayer = nullptr);

  const std::deque<std::unique_ptr<Model>> &models() const { return models_; }
  // The names of the open axes (Dim::axis ids index it): "<input>_axis<k>".
  const std::vector<std::string> &openAxisNames() const { return openAxisNames_; }

private:
  std::deque<std::unique_ptr<Tensor>> tensors_;
  std::deque<std::unique_ptr<Node>> nodes_;
  std::deque<std::unique_ptr<Layer>> layers_;
  std::deque<std::unique_ptr<Model>> models_;
  std::vector<std::string> openAxisNames_;
};

// The layers of `model` with weights, recursing into nested models, each once.
std::vector<Layer *> weightedLayers(const Model &model);

// How Keras orders a functional model (Functional._map_graph_network): node
// depths counted from the outputs, and model.layers by decreasing depth,
// ties in the order a walk back from the outputs first meets them. With
// `keras3Masks`, as Keras 3 does, whose graph also holds the ops that
// compute masks (LayerKind::keras3Mask). The order names the weights in
// Keras 3's files (layers/embedding_1/vars).
struct KerasGraphOrder {
  std::vector<Layer *> layers;
  std::map<const Node *, int> nodeDepth;  // the model's nodes, inputs included
};
KerasGraphOrder kerasGraphOrder(const std::vector<Tensor *> &inputs, const std::vector<Tensor *> &outputs,
                                bool keras3Masks);

}  // namespace kiln
