#include "graph/Graph.h"

#include "layers/LayerKind.h"

#include <algorithm>
#include <deque>
#include <set>

namespace kiln {

std::string Layer::className() const {
  if (kind) return kind->className();  // also a composite custom layer's
  return model->sequential ? "Sequential" : "Functional";
}

std::string Layer::describe() const { return className() + " layer '" + name + "'"; }

const std::vector<float> *Layer::weight(std::string_view name) const {
  for (size_t i = 0; i < weights.size() && i < weightValues.size(); ++i)
    if (weights[i].name == name) return &weightValues[i];
  return nullptr;
}

int64_t Layer::paramCount(bool trainable) const {
  // A frozen layer or model (layer.trainable = False): all its weights are non-trainable.
  bool frozen = config.has("trainable") && !config.flag("trainable");
  if (model && frozen) return trainable ? 0 : model->paramCount(true) + model->paramCount(false);
  if (model) return model->paramCount(trainable);
  int64_t n = 0;
  for (const WeightSpec &w : weights) {
    if ((w.trainable && !frozen) != trainable) continue;
    int64_t size = 1;
    for (int64_t d : w.shape) size *= d;
    n += size;
  }
  return n;
}

int64_t Model::paramCount(bool trainable) const {
  int64_t n = 0;
  std::set<const Layer *> seen;
  for (const Layer *l : layers)
    if (seen.insert(l).second) n += l->paramCount(trainable);
  return n;
}

Tensor *Graph::newTensor(TensorType type, Node *producer, int index) {
  // An input's None axes (but the batch axis) become open axes, named after
  // the input and the axis.
  if (producer && producer->inputs.empty() && producer->layer && producer->layer->kind)
    for (size_t axis = 1; axis < type.dims.size(); ++axis)
      if (type.dims[axis].none()) {
        openAxisNames_.push_back(producer->layer->name + "_axis" + std::to_string(axis));
        type.dims[axis] = Dim::axis(static_cast<int>(openAxisNames_.size()) - 1);
      }
  tensors_.push_back(std::make_unique<Tensor>(Tensor{std::move(type), producer, index}));
  return tensors_.back().get();
}

Node *Graph::newNode(Layer *layer, std::vector<Tensor *> inputs, SourceRange range) {
  auto node = std::make_unique<Node>();
  node->layer = layer;
  node->inputs = std::move(inputs);
  node->range = range;
  node->indexInLayer = static_cast<int>(layer->nodes.size());
  node->id = static_cast<int>(nodes_.size());
  layer->nodes.push_back(node.get());
  nodes_.push_back(std::move(node));
  return nodes_.back().get();
}

Layer *Graph::newLayer(const LayerKind *kind, std::string name, SourceRange range) {
  auto layer = std::make_unique<Layer>();
  layer->kind = kind;
  layer->name = std::move(name);
  layer->range = range;
  layers_.push_back(std::move(layer));
  return layers_.back().get();
}

Model *Graph::newModel(std::string name, bool sequential, SourceRange range, Layer *asLayer) {
  auto model = std::make_unique<Model>();
  model->name = std::move(name);
  model->sequential = sequential;
  model->range = range;
  models_.push_back(std::move(model));
  Model *m = models_.back().get();
  m->layer = asLayer ? asLayer : newLayer(nullptr, m->name, range);
  m->layer->model = m;
  return m;
}

static void collectWeighted(const Model &model, std::set<const Layer *> &seen, std::vector<Layer *> &out) {
  for (Layer *l : model.layers) {
    if (!seen.insert(l).second) continue;
    if (l->model) collectWeighted(*l->model, seen, out);
    else if (!l->weights.empty()) out.push_back(l);
  }
}

std::vector<Layer *> weightedLayers(const Model &model) {
  std::set<const Layer *> seen;
  std::vector<Layer *> out;
  collectWeighted(model, seen, out);
  return out;
}

}  // namespace kiln

namespace kiln {

namespace {

// Walks back from the outputs as Keras's _build_map does. A node's parents
// are its inputs' producers and, in Keras 3, the nodes of the masks its call
// takes: ops (MaskOps) that are nodes of Keras 3's graph but not layers.
struct GraphWalk final : MaskOps {
  bool keras3Masks = false;
  std::set<const Node *> finished;
  std::vector<const Node *> nodesInDecreasingDepth;  // post-order: inputs first
  std::map<Layer *, int> layerIndices;                // first meeting, from the outputs
  std::map<const Node *, std::vector<const Tensor *>> arguments;
  std::deque<Node> opNodes;  // layer-less
  std::deque<Tensor> opOutputs;
  std::map<const Tensor *, const Tensor *> masks;  // by tensor

  const Tensor *op(std::vector<const Tensor *> args) override {
    Node &node = opNodes.emplace_back();
    Tensor &out = opOutputs.emplace_back();
    out.producer = &node;
    arguments[&node] = std::move(args);
    return &out;
  }

  const Tensor *mask(const Tensor *t) override {
    if (!t->mask) return nullptr;
    auto it = masks.find(t);
    if (it != masks.end()) return it->second;
    const Node &node = *t->producer;
    const LayerKind *kind = node.layer->kind;
    size_t output = static_cast<size_t>(t->outputIndex);
    const Tensor *m = kind ? kind->keras3Mask(node, output, *this) : LayerKind::ownOrPassedMask(node, output, *this);
    return masks[t] = m;
  }

  const std::vector<const Tensor *> &parents(const Node *node) {
    auto [it, added] = arguments.try_emplace(node, node->inputs.begin(), node->inputs.end());
    if (added && keras3Masks && takesMask(*node))
      for (const Tensor *in : node->inputs)
        if (const Tensor *m = mask(in)) it->second.push_back(m);
    return it->second;
  }

  static bool takesMask(const Node &node) {
    const Layer &layer = *node.layer;
    return !node.masksUnread && (layer.kind ? layer.kind->callTakesMaskInKeras3() : layer.model != nullptr);
  }

  void visit(const Tensor *t) {
    const Node *node = t->producer;
    if (finished.count(node)) return;
    if (node->layer) layerIndices.emplace(node->layer, static_cast<int>(layerIndices.size()));
    for (const Tensor *in : parents(node)) visit(in);  // an input node has none
    finished.insert(node);
    nodesInDecreasingDepth.push_back(node);
  }
};

}  // namespace

KerasGraphOrder kerasGraphOrder(const std::vector<Tensor *> &inputs, const std::vector<Tensor *> &outputs,
                                bool keras3Masks) {
  GraphWalk walk;
  walk.keras3Masks = keras3Masks;
  for (const Tensor *t : outputs) walk.visit(t);
  KerasGraphOrder order;
  std::map<const Node *, int> nodeDepth;
  std::map<Layer *, int> layerDepth;
  for (auto it = walk.nodesInDecreasingDepth.rbegin(); it != walk.nodesInDecreasingDepth.rend(); ++it) {
    const Node *node = *it;
    Layer *layer = node->layer;
    int depth = nodeDepth[node];
    if (layer) {
      depth = std::max(depth, layerDepth[layer]);
      layerDepth[layer] = depth;
      order.nodeDepth[node] = depth;
    }
    nodeDepth[node] = depth;
    int step = layer && layer->kind && layer->kind->isCallArgument() ? 0 : 1;
    for (const Tensor *in : walk.parents(node))
      nodeDepth[in->producer] = std::max(nodeDepth[in->producer], depth + step);
  }
  for (size_t i = 0; i < inputs.size(); ++i) {  // inputs no output uses come first at depth 0
    Layer *layer = inputs[i]->producer->layer;
    if (layerDepth.count(layer)) continue;
    layerDepth[layer] = 0;
    walk.layerIndices[layer] = -static_cast<int>(inputs.size() - i);
    order.nodeDepth[inputs[i]->producer] = 0;
  }
  for (const auto &[layer, index] : walk.layerIndices) order.layers.push_back(layer);
  std::stable_sort(order.layers.begin(), order.layers.end(), [&](Layer *a, Layer *b) {
    if (layerDepth[a] != layerDepth[b]) return layerDepth[a] > layerDepth[b];
    return walk.layerIndices[a] < walk.layerIndices[b];
  });
  return order;
}

}  // namespace kiln
