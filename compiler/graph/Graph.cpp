#include "graph/Graph.h"

#include "layers/LayerKind.h"

#include <algorithm>
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

struct GraphWalk {
  std::set<const Node *> finished;
  std::vector<const Node *> nodesInDecreasingDepth;  // post-order: inputs first
  std::map<Layer *, int> layerIndices;                // first meeting, from the outputs

  void visit(const Tensor *t) {
    const Node *node = t->producer;
    if (finished.count(node)) return;
    layerIndices.emplace(node->layer, static_cast<int>(layerIndices.size()));
    for (const Tensor *in : node->inputs) visit(in);  // an input node has none
    finished.insert(node);
    nodesInDecreasingDepth.push_back(node);
  }
};

}  // namespace

KerasGraphOrder kerasGraphOrder(const std::vector<Tensor *> &inputs, const std::vector<Tensor *> &outputs) {
  GraphWalk walk;
  for (const Tensor *t : outputs) walk.visit(t);
  KerasGraphOrder order;
  std::map<Layer *, int> layerDepth;
  for (auto it = walk.nodesInDecreasingDepth.rbegin(); it != walk.nodesInDecreasingDepth.rend(); ++it) {
    const Node *node = *it;
    int depth = std::max(order.nodeDepth[node], layerDepth[node->layer]);
    layerDepth[node->layer] = depth;
    order.nodeDepth[node] = depth;
    int step = node->layer->kind && node->layer->kind->isCallArgument() ? 0 : 1;
    for (const Tensor *in : node->inputs)
      order.nodeDepth[in->producer] = std::max(order.nodeDepth[in->producer], depth + step);
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
