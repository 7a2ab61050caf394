// Graph passes: flatten nested models (with the transposes of channels_first
// layers), drop inference no-ops, fold normalization, move activations before
// transposes and drop transposes that undo each other, fuse activations, then
// plan memory.
#include "graph/Program.h"

#include "layers/Activations.h"
#include "layers/LayerKind.h"

#include <algorithm>
#include <map>
#include <set>
#include <memory>

namespace kiln {

namespace {

// The time axes of the TimeDistributed models a node is inside, outermost
// first: the node sees each value with them folded into the batch axis.
using TimeFolds = std::vector<Dim>;

// A value's type as a node inside `folds` sees it, and the reverse.
TensorType folded(TensorType t, const TimeFolds &folds) {
  for (size_t i = 0; i < folds.size(); ++i) t = foldTimeAxis(t);
  return t;
}
TensorType unfolded(const TensorType &step, const TimeFolds &folds) {
  TensorType t = step;
  t.dims.insert(t.dims.begin() + 1, folds.begin(), folds.end());
  return t;
}

struct FlatNode {
  const Layer *layer;
  std::vector<int> in, out;
  std::vector<int> inMasks, outMasks;  // value ids, -1 for none
  std::vector<TensorType> inTypes, outTypes;
  std::optional<std::string> fused;
  std::optional<ChannelAffine> affine;
  bool removed = false;
  const Layer *projectInto = nullptr;
  bool inputProjected = false;
  TimeFolds folds = {};
};

struct Flat {
  std::vector<TensorType> types;
  std::vector<std::string> names;
  std::vector<FlatNode> nodes;
  std::vector<int> alias;  // value -> the value it is a view of (itself if none)
  std::vector<std::shared_ptr<const Layer>> added;  // the layers the passes add (Permute, Activation)

  int newValue(const TensorType &type, const std::string &name) {
    types.push_back(type);
    names.push_back(name);
    alias.push_back(static_cast<int>(alias.size()));
    return static_cast<int>(types.size()) - 1;
  }
  int resolve(int v) const {
    while (alias[v] != v) v = alias[v];
    return v;
  }
};

// A Permute node from value `from` to a new value: `perm` over all axes,
// the batch axis first and staying first.
int addTranspose(Flat &flat, int from, const std::vector<int64_t> &perm, const std::string &name,
                 const TimeFolds &folds) {
  auto layer = std::make_shared<Layer>();
  layer->kind = LayerRegistry::instance().find("Permute");
  layer->name = name;
  std::vector<Value> dims;
  for (size_t a = 1; a < perm.size(); ++a) dims.push_back(Value::ofInt(perm[a]));
  layer->config.set("dims", Value::ofTuple(std::move(dims)), true);
  TensorType in = folded(flat.types[from], folds), out = permuted(in, perm);
  int to = flat.newValue(unfolded(out, folds), name);
  FlatNode node{layer.get(), {from}, {to}, {-1}, {-1}, {in}, {out}, {}, {}, false};
  node.folds = folds;
  flat.nodes.push_back(std::move(node));
  flat.added.push_back(std::move(layer));
  return to;
}

// An activation the layer cannot apply itself: one given as a layer object
// (Dense(activation=LeakyReLU(0.2))), or softmax over the last axis of a
// channels_first layer's output, which the layer computes channels_last.
// The layer computes without it, then a node applying it runs on its output
// `from`. Returns the new output value.
int addActivationNode(Flat &flat, FlatNode &host, int from) {
  const Value &activation = host.layer->kind->activationHost(*host.layer).config.get("activation");
  const Layer *object = activation.layer;
  if (!activation.is(ValueKind::Layer)) {
    auto layer = std::make_shared<Layer>();
    layer->kind = LayerRegistry::instance().find("Activation");
    layer->name = host.layer->name + ".activation";
    layer->config.set("activation", activation, true);
    object = layer.get();
    flat.added.push_back(std::move(layer));
  }
  host.fused = "linear";
  TensorType type = folded(flat.types[from], host.folds);
  int to = flat.newValue(flat.types[from], host.layer->name + "." + object->name);
  FlatNode node{object, {from}, {to}, {-1}, {-1}, {type}, {type}, {}, {}, false};
  node.folds = host.folds;
  flat.nodes.push_back(std::move(node));
  return to;
}

// True if `layer`'s activation argument is one that runs along the last
// axis (softmax), which a channels_first layer's lowering would apply to
// the channels instead.
bool lastAxisActivation(const Layer &layer) {
  if (!layer.kind->activationOnOutput() || !layer.config.has("activation")) return false;
  const Value &act = layer.config.get("activation");
  std::optional<std::string> name = act.is(ValueKind::Str) ? canonicalActivation(act.text) : std::nullopt;
  return name && (*name == "softmax" || *name == "log_softmax");
}

// True if `layer` has an `activation` argument that does something.
bool hasActivation(const Layer &layer) {
  const Value &act = layer.config.get("activation");
  return !act.is(ValueKind::Str) || act.text != "linear";
}

// Inlines `model` (called on values `inputs`, with masks `inputMasks`, -1
// for none); returns its output values, and their masks in `outputMasks`.
// The types of a nested model are in terms of its own open axes: they are
// rebound to the sizes of the values it is called on. Inside a
// TimeDistributed model (`folds`), the values keep the time axes and the
// nodes see them folded into the batch axis.
std::vector<int> flatten(const Model &model, const std::vector<int> &inputs, const std::vector<int> &inputMasks,
                         Flat &flat, std::vector<SizeCheck> &checks, std::vector<int> &outputMasks,
                         const TimeFolds &folds) {
  AxisBindings bound;
  std::map<const Tensor *, int> ids;
  for (size_t i = 0; i < inputs.size(); ++i) {
    ids[model.inputs[i]] = inputs[i];
    if (model.inputs[i]->mask && i < inputMasks.size() && inputMasks[i] >= 0) ids[model.inputs[i]->mask] = inputMasks[i];
    bindAxes(model.inputs[i]->type, folded(flat.types[inputs[i]], folds), bound);
  }
  auto newValue = [&](const TensorType &type, const std::string &name) {
    return flat.newValue(unfolded(type, folds), name);
  };
  auto typeOf = [&](const Tensor *t) { return substitute(t->type, bound); };
  for (const Node *node : model.nodes) {
    std::vector<int> in;
    for (const Tensor *t : node->inputs) in.push_back(ids.at(t));
    std::vector<int> out;
    for (const SizeCheck &c : node->sizeChecks)
      checks.push_back({substitute(TensorType{DType::Float32, {c.value}}, bound).dims[0],
                        substitute(TensorType{DType::Float32, {c.equals}}, bound).dims[0], c.message});
    if (node->layer->model) {
      std::vector<int> inMasks, outMasks;
      for (const Tensor *t : node->inputs) inMasks.push_back(t->mask ? ids.at(t->mask) : -1);
      TimeFolds inner = folds;
      if (node->layer->model->timeDistributed) inner.push_back(typeOf(node->inputs[0]).dims[1]);
      out = flatten(*node->layer->model, in, inMasks, flat, checks, outMasks, inner);
      for (size_t j = 0; j < node->masks.size(); ++j)
        if (node->masks[j] && outMasks[j] >= 0) ids[node->masks[j]] = outMasks[j];
    } else {
      // A channels_first layer computes channels_last between transposes
      // (see channelsFirst in LayerKind.h).
      const Layer &layer = *node->layer;
      bool transposed = channelsFirst(layer);
      auto moves = [&](int rank) {
        std::vector<int64_t> perm = toChannelsLast(layer, rank);
        return transposed && !std::is_sorted(perm.begin(), perm.end());
      };
      FlatNode fn{node->layer, {}, {}, {}, {}, {}, {}, {}, {}, false};
      fn.folds = folds;
      for (size_t j = 0; j < node->inputs.size(); ++j) {
        const Tensor *t = node->inputs[j];
        TensorType type = typeOf(t);
        int v = in[j];
        if (moves(type.rank())) {
          v = addTranspose(flat, v, toChannelsLast(layer, type.rank()), layer.name + ".to_channels_last", folds);
          type = folded(flat.types[v], folds);
        }
        fn.in.push_back(v);
        fn.inTypes.push_back(type);
        fn.inMasks.push_back(t->mask && !node->masksUnread ? ids.at(t->mask) : -1);
      }
      std::vector<std::pair<int, int>> transposeBack;  // (channels_last value, output j)
      for (size_t j = 0; j < node->outputs.size(); ++j) {
        const Tensor *t = node->outputs[j];
        TensorType type = typeOf(t);
        bool back = moves(type.rank());
        if (back) type = permuted(type, toChannelsLast(layer, type.rank()));
        fn.out.push_back(newValue(type, layer.name));
        if (back) transposeBack.push_back({fn.out.back(), int(j)});
        fn.outTypes.push_back(type);
        const Tensor *mask = j < node->masks.size() ? node->masks[j] : nullptr;
        fn.outMasks.push_back(mask ? ids[mask] = newValue(typeOf(mask), layer.name + ".mask") : -1);
      }
      out = fn.out;
      const Layer &activationHost = layer.kind->activationHost(layer);
      bool activationObject =
          activationHost.config.has("activation") && activationHost.config.get("activation").is(ValueKind::Layer);
      bool separateActivation = activationObject || (!transposeBack.empty() && lastAxisActivation(activationHost));
      flat.nodes.push_back(std::move(fn));
      size_t host = flat.nodes.size() - 1;
      for (auto [v, j] : transposeBack)
        out[j] = addTranspose(flat, v, toChannelsFirst(layer, flat.types[v].rank() - int(folds.size())),
                              layer.name + ".to_channels_first", folds);
      // (After the transpose back: Keras applies it to the output as returned.)
      if (separateActivation) out[0] = addActivationNode(flat, flat.nodes[host], out[0]);
    }
    for (size_t j = 0; j < node->outputs.size(); ++j) ids[node->outputs[j]] = out[j];
  }
  std::vector<int> outputs;
  for (size_t j = 0; j < model.outputs.size(); ++j) {
    outputs.push_back(ids.at(model.outputs[j]));
    const Tensor *mask = j < model.outputMasks.size() ? model.outputMasks[j] : nullptr;
    outputMasks.push_back(mask ? ids.at(mask) : -1);
  }
  return outputs;
}

void removeIdentities(Flat &flat) {
  for (FlatNode &n : flat.nodes) {
    if (!n.layer->kind->isIdentityAtInference(*n.layer)) continue;
    n.removed = true;
    flat.alias[n.out[0]] = n.in[0];
  }
}

// Who reads each value, and which node writes it.
struct Uses {
  std::map<int, int> consumers;
  std::map<int, FlatNode *> producer;
  Uses(Flat &flat, const std::vector<int> &modelOutputs) {
    for (FlatNode &n : flat.nodes) {
      if (n.removed) continue;
      for (int v : n.in) ++consumers[flat.resolve(v)];
      for (int v : n.out) producer[v] = &n;
    }
    for (int v : modelOutputs) ++consumers[flat.resolve(v)];
  }
  // The node whose only use is `node`'s first input, if any.
  FlatNode *soleProducer(Flat &flat, const FlatNode &node) {
    int in = flat.resolve(node.in[0]);
    auto p = producer.find(in);
    return p != producer.end() && consumers[in] == 1 ? p->second : nullptr;
  }
};

bool isTranspose(const FlatNode &n) { return !n.removed && n.layer->kind->className() == "Permute"; }

// An activation of each element (not softmax, which runs along the last
// axis) after a transpose goes before it, on the same values in the other
// order: `Conv2D(data_format='channels_first')` then `Activation('relu')`
// then the next channels_first layer keeps its transposes next to each
// other, where they cancel, and the activation can fuse into the layer.
void sinkTransposes(Flat &flat, const std::vector<int> &modelOutputs) {
  for (size_t i = 0; i < flat.nodes.size(); ++i) {
    FlatNode &act = flat.nodes[i];
    if (act.removed || act.in.size() != 1 || act.inMasks[0] >= 0) continue;
    std::optional<std::string> a = act.layer->kind->standaloneActivation(*act.layer);
    if (!a || *a == "softmax" || *a == "log_softmax") continue;
    Uses uses(flat, modelOutputs);
    FlatNode *t = uses.soleProducer(flat, act);
    // (Not through a view that reshapes the transpose's output.)
    if (!t || !isTranspose(*t) || act.inTypes[0] != t->outTypes[0] || act.folds != t->folds) continue;
    // t: x -> y, act: y -> z becomes act: x -> y', t: y' -> z, with act
    // moved to t's place so that the nodes stay in order.
    int x = t->in[0], z = act.out[0];
    int y2 = flat.newValue(unfolded(t->inTypes[0], t->folds), act.layer->name);
    FlatNode moved = act, transpose = *t;
    moved.in = {x}, moved.out = {y2}, moved.inTypes = moved.outTypes = {t->inTypes[0]};
    transpose.in = {y2}, transpose.out = {z};
    *t = std::move(moved);
    act = std::move(transpose);
  }
}

// A Permute of a Permute it undoes — a channels_first layer's output
// transposed back and then into the next one's channels_last input — is the
// identity: its output becomes the first one's input, and the first goes
// when nothing else reads it. A chain of channels_first layers so transposes
// once at each end.
void cancelTransposes(Flat &flat, const std::vector<int> &modelOutputs) {
  std::map<int, FlatNode *> producer;
  for (FlatNode &n : flat.nodes)
    if (!n.removed) producer[n.out[0]] = &n;
  for (FlatNode &n : flat.nodes) {
    if (!isTranspose(n)) continue;
    auto p = producer.find(flat.resolve(n.in[0]));
    // Not through a view that reshapes the first one's output (a Reshape).
    if (p == producer.end() || !isTranspose(*p->second) || n.inTypes[0] != p->second->outTypes[0] ||
        n.folds != p->second->folds)
      continue;
    std::vector<int64_t> first = p->second->layer->config.ints("dims"), second = n.layer->config.ints("dims");
    bool identity = true;
    for (size_t a = 0; a < second.size(); ++a) identity &= first[second[a] - 1] == int64_t(a) + 1;
    if (!identity) continue;
    n.removed = true;
    flat.alias[n.out[0]] = flat.resolve(p->second->in[0]);
  }
  for (bool changed = true; changed;) {  // transposes nothing reads any more
    std::map<int, int> readers;
    for (const FlatNode &n : flat.nodes)
      if (!n.removed)
        for (int v : n.in) ++readers[flat.resolve(v)];
    for (int v : modelOutputs) ++readers[flat.resolve(v)];
    changed = false;
    for (FlatNode &n : flat.nodes)
      if (isTranspose(n) && !readers[n.out[0]]) changed = n.removed = true;
  }
}

// BatchNormalization after a Dense or convolution becomes a scale and shift
// of that layer's weights, applied when they are packed. A layer called more
// than once shares one packed copy, so only layers called once take a fold.
// After a channels_first layer the normalization reads its output through
// the transpose back to channels_first: it folds when it normalizes the axis
// the channels went to (BatchNormalization(axis=1)), and the transpose then
// carries the folded output.
void foldNormalization(Flat &flat, const std::vector<int> &modelOutputs) {
  Uses uses(flat, modelOutputs);
  std::map<const Layer *, int> calls;
  for (const FlatNode &n : flat.nodes) ++calls[n.layer];
  for (FlatNode &n : flat.nodes) {
    if (n.removed || n.in.size() != 1) continue;
    FlatNode *prod = uses.soleProducer(flat, n), *transpose = nullptr;
    int rank = n.inTypes[0].rank(), axis = rank - 1;
    // (Not through a view that reshapes the transpose's output.)
    if (prod && isTranspose(*prod) && prod->outTypes[0] == n.inTypes[0]) {
      std::vector<int64_t> dims = prod->layer->config.ints("dims");
      auto last = std::find(dims.begin(), dims.end(), rank - 1);
      transpose = prod, prod = uses.soleProducer(flat, *prod);
      axis = last == dims.end() ? -1 : int(last - dims.begin()) + 1;
    }
    if (!prod || !prod->layer->kind->acceptsChannelAffine() || prod->affine || prod->fused ||
        calls[prod->layer] != 1 || hasActivation(*prod->layer))
      continue;
    std::optional<ChannelAffine> affine = n.layer->kind->channelAffine(*n.layer, n.inTypes[0], axis);
    if (!affine) continue;
    prod->affine = std::move(affine);
    n.removed = true;
    flat.alias[n.out[0]] = transpose ? transpose->out[0] : flat.resolve(n.in[0]);
  }
}

void fuseActivations(Flat &flat, const std::vector<int> &modelOutputs) {
  Uses uses(flat, modelOutputs);
  for (FlatNode &n : flat.nodes) {
    if (n.removed) continue;
    std::optional<std::string> act = n.layer->kind->standaloneActivation(*n.layer);
    if (!act) continue;
    FlatNode *prod = uses.soleProducer(flat, n);
    if (!prod || !prod->layer->kind->hasFusibleActivation() || prod->fused || hasActivation(*prod->layer))
      continue;
    // The activation's output replaces the producer's: same shape, same bytes.
    prod->fused = *act;
    n.removed = true;
    flat.alias[n.out[0]] = flat.resolve(n.in[0]);
  }
}

// An Embedding read only by a layer that projects its input (a recurrent
// layer's x_t W, LayerKind::inputProjection) looks up rows of its table
// multiplied by that projection's kernel at build time, and the layer reads
// them as its projected input: the GEMM over every step is gone, and a
// lookup gives the row an id's embedding would have given. The table has a
// row of the projection's width per id instead of output_dim floats, so it
// is made only up to kMaxTableBytes, and for layers called once (one table
// for one kernel).
void foldEmbeddings(Flat &flat, const std::vector<int> &modelOutputs) {
  constexpr int64_t kMaxTableBytes = int64_t(64) << 20;
  Uses uses(flat, modelOutputs);
  std::map<const Layer *, int> calls;
  for (const FlatNode &n : flat.nodes) ++calls[n.layer];
  for (FlatNode &n : flat.nodes) {
    if (n.removed || n.in.empty()) continue;
    FlatNode *prod = uses.soleProducer(flat, n);
    // (Not through a view that reshapes the Embedding's output.)
    if (!prod || prod->layer->kind->className() != "Embedding" || calls[prod->layer] != 1 ||
        calls[n.layer] != 1 || prod->outTypes[0] != n.inTypes[0] || prod->folds != n.folds ||
        !n.inTypes[0].dims.back().known())
      continue;
    size_t weights = n.layer->kind->inputProjection(*n.layer).size();
    int64_t features = n.inTypes[0].dims.back().value(), width = int64_t(weights) / features;
    if (weights == 0 || prod->layer->config.integer("input_dim") * width * 4 > kMaxTableBytes) continue;
    TensorType projected = n.inTypes[0];
    projected.dims.back() = width;
    flat.types[prod->out[0]] = unfolded(projected, n.folds);
    prod->outTypes[0] = n.inTypes[0] = projected;
    prod->projectInto = n.layer;
    n.inputProjected = true;
  }
}

Dim aligned(const Dim &n) { return roundUp(n, 64); }

// Places arena values by size, largest first, at the lowest offset free for
// their whole lifetime (greedy interval packing). A size over open axes
// cannot be compared at build time: such a value goes after every value
// whose lifetime overlaps its own, and values sized by constants go first.
Dim planArena(std::vector<Buffer> &buffers, const std::vector<std::pair<int, int>> &lifetime,
              const std::vector<int> &values) {
  std::vector<int> order = values;
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    Dim x = buffers[a].bytesPerSample(), y = buffers[b].bytesPerSample();
    if (x.known() != y.known()) return x.known();
    return x.known() && x.value() > y.value();
  });
  std::vector<int> placed;
  Dim total = 0;
  for (int v : order) {
    std::vector<std::pair<Dim, Dim>> busy;  // [offset, end) of overlapping lifetimes
    for (int other : placed) {
      bool overlap = lifetime[v].first <= lifetime[other].second && lifetime[other].first <= lifetime[v].second;
      if (overlap) busy.push_back({buffers[other].offset, add(buffers[other].offset, aligned(buffers[other].bytesPerSample()))});
    }
    Dim size = aligned(buffers[v].bytesPerSample()), offset = 0;
    bool constant = size.known() && std::all_of(busy.begin(), busy.end(), [](auto &b) { return b.second.known(); });
    if (constant) {
      std::sort(busy.begin(), busy.end(), [](auto &a, auto &b) { return a.first.value() < b.first.value(); });
      for (auto &[begin, end] : busy) {
        if (offset.value() + size.value() <= begin.value()) break;
        offset = std::max(offset.value(), end.value());
      }
    } else {
      for (auto &[begin, end] : busy) offset = max(offset, end);
    }
    buffers[v].offset = offset;
    total = max(total, add(offset, size));
    placed.push_back(v);
  }
  return total;
}

// Every axis of every tensor at least 1: sizes the caller passes could make
// a window larger than its input, or leave nothing after cropping.
void requirePositiveSizes(Program &program) {
  std::vector<Dim> seen;
  for (const Buffer &b : program.buffers)
    for (size_t axis = 1; axis < b.type.dims.size(); ++axis) {
      const Dim &d = b.type.dims[axis];
      if (!d.symbolic() || std::find(seen.begin(), seen.end(), d) != seen.end()) continue;
      seen.push_back(d);
      program.sizeChecks.push_back(
          {d, kNone, "axis " + std::to_string(axis) + " of '" + b.name + "' would be smaller than 1"});
    }
}

// Runs of steps worth executing a few samples at a time: consecutive steps
// whose weights stay in a core's L2 cache when read again for every chunk
// (at most 256 KiB: convolutions and pooling over images, not the large
// Dense and recurrent layers, which want the whole batch for their weights),
// whose sizes are constants, and which are Keras layers (a Lambda may mix
// samples). A chunk's tensors fill about 1 MiB, the L2 size of current x86
// and Arm server cores.
std::vector<SampleChunks> chooseChunkedRuns(const Program &program) {
  constexpr int64_t kMaxWeightBytes = 256 << 10, kChunkBytes = 1 << 20, kMinChunks = 16;
  auto suitable = [&](const Step &step) {
    if (step.copy || !step.layer || step.layer->program) return false;
    if (4 * (step.layer->paramCount(true) + step.layer->paramCount(false)) > kMaxWeightBytes) return false;
    size_t written;
    for (int v : touchedBuffers(step, written))
      if (!program.buffers[v].bytesPerSample().known()) return false;
    return true;
  };
  std::vector<SampleChunks> runs;
  for (size_t begin = 0; begin < program.steps.size();) {
    size_t end = begin;
    while (end < program.steps.size() && suitable(program.steps[end])) ++end;
    if (end - begin >= 2) {
      std::set<int> buffers;
      for (size_t i = begin; i < end; ++i) {
        size_t written;
        for (int v : touchedBuffers(program.steps[i], written)) buffers.insert(v);
      }
      int64_t bytes = 0;
      for (int v : buffers) bytes += program.buffers[v].bytesPerSample().value();
      // A run whose tensors for 16 samples fit the cache gains nothing from
      // chunks, nor does one whose tensors for one sample do not.
      if (bytes * kMinChunks > kChunkBytes && bytes <= kChunkBytes) runs.push_back({begin, end, kChunkBytes / bytes});
    }
    begin = end + 1;
  }
  return runs;
}

}  // namespace

std::vector<int> touchedBuffers(const Step &step, size_t &written) {
  std::vector<int> touched = step.outputs;
  for (int v : step.outputMasks)
    if (v >= 0) touched.push_back(v);
  if (step.temporary >= 0) touched.push_back(step.temporary);
  written = touched.size();
  touched.insert(touched.end(), step.inputs.begin(), step.inputs.end());
  for (int v : step.inputMasks)
    if (v >= 0) touched.push_back(v);
  return touched;
}

Program buildProgram(const Model &model, const PassOptions &options) {
  Flat flat;
  Program program;
  program.algorithms = options.algorithms;
  std::vector<int> inputs;
  for (const Tensor *t : model.inputs) {
    for (int axis = 1; axis < t->type.rank(); ++axis)
      if (t->type.dims[axis].op() == Dim::Op::Axis)
        program.openAxes.push_back({t->type.dims[axis].axisId(), static_cast<int>(inputs.size()), axis,
                                    t->producer->layer->name + "_axis" + std::to_string(axis)});
    inputs.push_back(flat.newValue(t->type, t->producer->layer->name));
  }
  std::vector<SizeCheck> mergeChecks;
  std::vector<int> outputMasks;
  std::vector<int> outputs = flatten(model, inputs, {}, flat, mergeChecks, outputMasks, {});
  removeIdentities(flat);
  // Folding first takes a channels_first BatchNormalization from between
  // the transposes around it.
  if (options.foldNormalization) foldNormalization(flat, outputs);
  sinkTransposes(flat, outputs);
  cancelTransposes(flat, outputs);
  if (options.fuseActivations) fuseActivations(flat, outputs);
  if (options.foldEmbeddings) foldEmbeddings(flat, outputs);

  program.layers = std::move(flat.added);
  program.modelName = model.name;
  for (const Tensor *t : model.inputs) program.inputNames.push_back(t->producer->layer->name);
  // Outputs are named after their layers; files and parameters need the
  // names distinct, so a repeat gets a suffix.
  for (const Tensor *t : model.outputs) {
    const Layer *l = t->producer->layer;
    std::string name = t->producer->outputs.size() > 1 ? l->name + "_" + std::to_string(t->outputIndex) : l->name;
    std::string unique = name;
    for (int n = 1; std::count(program.outputNames.begin(), program.outputNames.end(), unique) ||
                    std::count(program.inputNames.begin(), program.inputNames.end(), unique);
         ++n)
      unique = name + "_" + std::to_string(n);
    program.outputNames.push_back(unique);
  }
  for (size_t v = 0; v < flat.types.size(); ++v) program.buffers.push_back({Buffer::Kind::Arena, 0, 0, flat.types[v], flat.names[v]});
  for (size_t i = 0; i < inputs.size(); ++i) {
    program.buffers[inputs[i]].kind = Buffer::Kind::Input;
    program.buffers[inputs[i]].index = static_cast<int>(i);
  }

  for (const FlatNode &n : flat.nodes) {
    if (n.removed) continue;
    Step s;
    s.layer = n.layer;
    s.outputs = n.out;
    s.inputTypes = n.inTypes;
    s.outputTypes = n.outTypes;
    s.fusedActivation = n.fused;
    s.channelAffine = n.affine;
    s.projectInto = n.projectInto;
    s.inputProjected = n.inputProjected;
    s.timeFolds = n.folds;
    for (int v : n.in) s.inputs.push_back(flat.resolve(v));
    for (int v : n.inMasks) s.inputMasks.push_back(v < 0 ? -1 : flat.resolve(v));
    s.outputMasks = n.outMasks;
    program.steps.push_back(std::move(s));
  }

  // Outputs: computed straight into the caller's buffer where possible;
  // otherwise (an input, a repeated output) copied there at the end.
  std::vector<bool> producedByStep(program.buffers.size(), false);
  for (const Step &s : program.steps)
    for (int v : s.outputs) producedByStep[v] = true;
  for (size_t i = 0; i < outputs.size(); ++i) {
    int v = flat.resolve(outputs[i]);
    if (producedByStep[v] && program.buffers[v].kind == Buffer::Kind::Arena) {
      Buffer &b = program.buffers[v];
      b.kind = Buffer::Kind::Output;
      b.index = static_cast<int>(i);
      b.type = flat.types[outputs[i]];  // a view (Reshape) has the same bytes, its own shape
      program.outputs.push_back(v);
      continue;
    }
    // A copy of the buffer (not a reference: push_back may move the buffers).
    Buffer copy = program.buffers[v];
    TensorType sourceType = copy.type;
    copy.type = flat.types[outputs[i]];
    copy.kind = Buffer::Kind::Output;
    copy.index = static_cast<int>(i);
    program.buffers.push_back(copy);
    int target = static_cast<int>(program.buffers.size()) - 1;
    Step copyStep;
    copyStep.inputs = {v};
    copyStep.outputs = {target};
    copyStep.inputTypes = copyStep.outputTypes = {sourceType};
    copyStep.copy = true;
    program.steps.push_back(std::move(copyStep));
    program.outputs.push_back(target);
  }
  program.inputs = inputs;

  // Per-sample temporaries live in the arena for the duration of their step.
  for (Step &s : program.steps) {
    if (!s.layer) continue;
    Dim bytes = mul(s.layer->kind->temporaryBytesPerSample(*s.layer, s.inputTypes, s.outputTypes),
                    product(s.timeFolds, 0));
    if (bytes == 0) continue;
    Buffer temp;
    temp.name = s.layer->name + ".temp";
    temp.temporaryBytes = bytes;
    program.buffers.push_back(temp);
    s.temporary = static_cast<int>(program.buffers.size()) - 1;
  }

  std::vector<std::pair<int, int>> lifetime(program.buffers.size(), {-1, -1});
  std::vector<int> arena;
  for (size_t i = 0; i < program.steps.size(); ++i) {
    int step = static_cast<int>(i);
    size_t written;
    std::vector<int> touched = touchedBuffers(program.steps[i], written);
    for (size_t k = 0; k < touched.size(); ++k) {
      int v = touched[k];
      if (k < written && program.buffers[v].kind == Buffer::Kind::Arena) {
        lifetime[v] = {step, step};
        arena.push_back(v);
      }
      lifetime[v].second = std::max(lifetime[v].second, step);
    }
  }
  // A chunked run writes a tensor for some samples while an earlier step
  // of the run has yet to read another for later ones: every tensor it
  // touches lives through the whole run.
  program.chunkedRuns = chooseChunkedRuns(program);
  for (const SampleChunks &run : program.chunkedRuns) {
    int64_t chunkBytes = 0;
    for (size_t i = run.begin; i < run.end; ++i) {
      size_t written;
      for (int v : touchedBuffers(program.steps[i], written)) {
        Buffer &b = program.buffers[v];
        bool inside = lifetime[v].first >= int(run.begin) && lifetime[v].second < int(run.end);
        if (b.kind == Buffer::Kind::Arena && inside) {
          b.kind = Buffer::Kind::Chunk;
          b.offset = chunkBytes;
          chunkBytes += aligned(mul(b.bytesPerSample(), run.samples)).value();
          continue;
        }
        if (b.kind == Buffer::Kind::Chunk) continue;
        if (lifetime[v].first >= 0) lifetime[v].first = std::min(lifetime[v].first, int(run.begin));
        lifetime[v].second = std::max(lifetime[v].second, int(run.end) - 1);
      }
    }
    program.chunkArenaBytes = max(program.chunkArenaBytes, Dim(chunkBytes));
  }
  std::erase_if(arena, [&](int v) { return program.buffers[v].kind != Buffer::Kind::Arena; });
  program.arenaBytesPerSample = planArena(program.buffers, lifetime, arena);
  for (const Step &s : program.steps)
    if (s.layer)
      program.workspaceBytes =
          max(program.workspaceBytes,
              aligned(s.layer->kind->workspaceBytes(*s.layer, s.inputTypes, s.outputTypes, program.algorithms)));
  requirePositiveSizes(program);
  program.sizeChecks.insert(program.sizeChecks.end(), mergeChecks.begin(), mergeChecks.end());
  return program;
}

}  // namespace kiln
