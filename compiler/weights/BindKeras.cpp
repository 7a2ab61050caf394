// Binding Keras's own files, the way Keras loads them.
//
// Keras's HDF5 layout (model.save('x.h5'), save_weights('x.h5'), Keras 2 and
// 3): one group per top-level layer, matched by name (or, when the names
// differ, by order, as model.load_weights does); inside, the layer's weights
// in the order of layer.trainable_weights + layer.non_trainable_weights,
// which for a nested model gathers its layers' weights.
//
// Keras 3's layout (.weights.h5, .keras; also written by tf.keras 2.13+):
// groups named by class and position, not by layer name:
// layers/<snake_case class name, _1, _2 ... per model>/vars/<index>, with the
// weights of sublayers under the attribute that holds them (cell/vars,
// forward_layer/cell/vars, _query_dense/vars).
#include "layers/LayerKind.h"
#include "layers/recurrent/Recurrent.h"
#include "weights/Internal.h"

#include <algorithm>
#include <map>
#include <set>

namespace kiln {

namespace {

bool trainable(const Layer &layer) { return !layer.config.has("trainable") || layer.config.flag("trainable"); }

template <typename T, typename F>
std::string listed(const std::vector<T> &items, F describe) {
  std::string out;
  for (size_t i = 0; i < items.size() && i < 12; ++i) out += (i ? ", " : "") + describe(items[i]);
  if (items.size() > 12) out += ", ...";
  return out.empty() ? "none" : out;
}

std::string describeRef(const WeightRef &r) {
  const WeightSpec &spec = r.layer->weights[r.index];
  return spec.name + " " + shapeText(spec.shape);
}

std::string describeEntry(const WeightEntry &e) { return e.name + " " + shapeText(e.shape); }

// ---- Keras's HDF5 layout

// Keras's order: trainable weights first, gathered over nested layers in
// model.layers order; a frozen layer's (or model's) weights are all
// non-trainable, in their own order.
void collect(Layer *layer, bool frozen, std::set<const Layer *> &seen, std::vector<WeightRef> &trainables,
             std::vector<WeightRef> &others) {
  frozen = frozen || !trainable(*layer);
  if (layer->model) {
    for (Layer *inner : layer->model->layers)
      if (seen.insert(inner).second) collect(inner, frozen, seen, trainables, others);
    return;
  }
  for (size_t i = 0; i < layer->weights.size(); ++i)
    (layer->weights[i].trainable && !frozen ? trainables : others).push_back({layer, i});
}

bool endsWith(const std::string &s, const std::string &tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// A model trained on a GPU with CuDNNLSTM or CuDNNGRU layers, loaded into
// LSTM or GRU(reset_after=True) layers, or the other way round: Keras tells
// cuDNN's weights by their bias, (8 * units) or (6 * units), and converts
// them as it loads them (hdf5_format's _convert_rnn_weights; a
// Bidirectional's directions each). A GRU(reset_after=False) takes neither.
void adaptCudnnWeights(const std::vector<WeightRef> &refs, StoredLayer &stored) {
  for (size_t i = 0; i + 2 < refs.size(); ++i) {
    const Layer &layer = *refs[i].layer;
    if (refs[i + 1].layer != &layer || refs[i + 2].layer != &layer) continue;
    const WeightSpec &k = layer.weights[refs[i].index], &r = layer.weights[refs[i + 1].index],
                     &b = layer.weights[refs[i + 2].index];
    if (!endsWith(k.name, "kernel") || k.shape.size() != 2 || r.shape.size() != 2) continue;
    std::string prefix = k.name.substr(0, k.name.size() - 6);
    if (r.name != prefix + "recurrent_kernel" || b.name != prefix + "bias") continue;
    WeightEntry &kernel = stored.weights[i], &recurrent = stored.weights[i + 1], &bias = stored.weights[i + 2];
    if (kernel.shape != k.shape || recurrent.shape != r.shape || !kernel.unsupported.empty() ||
        !recurrent.unsupported.empty() || !bias.unsupported.empty())
      continue;
    int64_t units = r.shape[0], width = r.shape[1];
    std::vector<int64_t> cudnn{2 * width}, keras = width == 4 * units ? std::vector<int64_t>{width}
                                                  : width == 3 * units ? std::vector<int64_t>{2, width}
                                                                       : std::vector<int64_t>{};
    if (keras.empty() || !((b.shape == keras && bias.shape == cudnn) || (b.shape == cudnn && bias.shape == keras)))
      continue;
    convertCudnnWeights(width == 4 * units ? abi::kLSTM : abi::kGRU, k.shape[0], units, bias.shape == cudnn,
                        kernel.data, recurrent.data, bias.data);
    bias.shape = b.shape;
  }
}

bool bindGroup(Layer &unit, const std::vector<WeightRef> &refs, StoredLayer &stored, const std::string &file,
               bool keras1, DiagnosticEngine &diags) {
  adaptLegacyWeights(refs, stored, keras1);
  if (refs.size() != stored.weights.size()) {
    diags.report(DiagID::err_weight_count, unit.range, unit.describe(), refs.size(), listed(refs, describeRef), file,
                 stored.weights.size(), stored.path, listed(stored.weights, describeEntry));
    return false;
  }
  adaptCudnnWeights(refs, stored);
  std::set<std::string> leaves;
  for (const WeightRef &r : refs) leaves.insert(weightLeaf(r.layer->weights[r.index].name));
  bool ok = true;
  for (size_t i = 0; i < refs.size(); ++i) {
    Layer &layer = *refs[i].layer;
    const WeightSpec &spec = layer.weights[refs[i].index];
    WeightEntry &entry = stored.weights[i];
    std::string have = weightLeaf(entry.name);
    if (have != weightLeaf(spec.name) && leaves.count(have)) {
      diags.report(DiagID::err_weight_order, layer.range, spec.name, layer.describe(), entry.path, file);
      ok = false;
      continue;
    }
    ok = assignWeight(layer, refs[i].index, entry, file, diags) && ok;
  }
  return ok;
}

// ---- Keras 3's layout

// Var groups with values under `node`: its own and its sublayers'.
void collectVars(const H5Node &node, std::vector<const H5Node *> &out) {
  for (const H5Node &c : node.children) {
    if (c.dataset) continue;
    if (c.name == "vars" && !c.children.empty()) out.push_back(&c);
    else collectVars(c, out);
  }
}

// The sublayer a Kiln weight prefix names, as a Keras attribute:
// "forward_lstm" -> forward_layer, "query" -> query_dense or _query_dense,
// "attention_output" -> output_dense.
std::string attributeStem(std::string name) {
  if (name.starts_with("_")) name.erase(0, 1);
  for (const char *suffix : {"_dense", "_layer"})
    if (name.ends_with(suffix)) name.resize(name.size() - std::strlen(suffix));
  return name;
}

std::string prefixStem(const std::string &prefix) {
  if (prefix.starts_with("forward_")) return "forward";
  if (prefix.starts_with("backward_")) return "backward";
  if (prefix == "attention_output") return "output";
  return prefix;
}

std::vector<std::string> split(const std::string &path) {
  std::vector<std::string> parts;
  for (size_t at = 0; at <= path.size();) {
    size_t slash = std::min(path.find('/', at), path.size());
    parts.push_back(path.substr(at, slash - at));
    at = slash + 1;
  }
  return parts;
}

// Whether var group `path` (relative to the layer's group) holds the weights
// of the sublayer a Kiln prefix names, component by component:
// forward_layer/cell/cells/gru_cell/vars holds forward_rnn/gru_cell/...
// The attributes that only lead to a sublayer do not count: TimeDistributed's
// `layer` before it, an RNN's `cell` and StackedRNNCells' `cells`.
bool sublayerMatches(std::vector<std::string> path, const std::vector<std::string> &prefix) {
  while (!path.empty() && path.front() == "layer") path.erase(path.begin());
  std::erase_if(path, [](const std::string &p) { return p == "cell" || p == "cells" || p == "vars"; });
  if (path.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i)
    if (attributeStem(path[i]) != prefixStem(prefix[i])) return false;
  return true;
}

struct SavingBinder {
  SavingBinder(WeightFile &file, DiagnosticEngine &diags) : file(file), diags(diags) {}
  WeightFile &file;
  DiagnosticEngine &diags;
  std::set<const Layer *> seen;
  std::set<const H5Node *> used;
  bool ok = true;

  // The var group holding the weights whose names start with `prefix`.
  const H5Node *varsFor(const std::string &prefix, const H5Node &layer, const std::vector<const H5Node *> &vars) {
    if (prefix.empty()) return vars.size() == 1 ? vars[0] : nullptr;
    const H5Node *found = nullptr;
    for (const H5Node *v : vars) {
      const std::vector<std::string> *name = v->attribute("name");  // Keras 3.5+ records the sublayer's name
      std::string below = layer.path == "/" ? "/" : layer.path + "/";  // v is in layer's group
      bool match = (name && name->size() == 1 && name->front() == prefix) ||
                   sublayerMatches(split(v->path.substr(below.size())), split(prefix));
      if (match && found) return nullptr;
      if (match) found = v;
    }
    return found;
  }

  void bindLayer(Layer &layer, const H5Node *node, const std::string &where) {
    if (!node) {
      diags.report(DiagID::err_weight_layer_missing, layer.range, file.path, layer.describe(),
                   " (Keras keeps them in '" + where + "')");
      ok = false;
      return;
    }
    std::vector<const H5Node *> vars;
    collectVars(*node, vars);
    std::vector<std::pair<std::string, std::vector<size_t>>> groups;  // by prefix, in declaration order
    for (size_t i = 0; i < layer.weights.size(); ++i) {
      const std::string &name = layer.weights[i].name;
      std::string prefix = name.find('/') == std::string::npos ? "" : name.substr(0, name.rfind('/'));
      if (groups.empty() || groups.back().first != prefix) groups.push_back({prefix, {}});
      groups.back().second.push_back(i);
    }
    for (const auto &[prefix, indices] : groups) {
      const H5Node *group = varsFor(prefix, *node, vars);
      if (!group) {
        std::string paths = listed(vars, [](const H5Node *v) { return "'" + v->path + "'"; });
        diags.report(DiagID::err_weight_layer_missing, layer.range, file.path,
                     layer.describe() + (prefix.empty() ? "" : " ('" + prefix + "/...')"),
                     " among its groups of weights in '" + node->path + "': " + paths);
        ok = false;
        continue;
      }
      used.insert(group);
      std::vector<WeightEntry> entries;
      for (size_t j = 0; const H5Node *d = group->child(std::to_string(j)); ++j)
        entries.push_back({d->name, d->path, d->shape, std::move(const_cast<H5Node *>(d)->data), d->unsupported});
      std::vector<WeightRef> refs;
      for (size_t i : indices) refs.push_back({&layer, i});
      if (entries.size() != indices.size() || entries.size() != group->children.size()) {
        diags.report(DiagID::err_weight_count, layer.range, layer.describe(), refs.size(), listed(refs, describeRef),
                     file.path, group->children.size(), group->path,
                     listed(group->children, [](const H5Node &d) { return d.name + " " + shapeText(d.shape); }));
        ok = false;
        continue;
      }
      for (size_t j = 0; j < entries.size(); ++j) ok = assignWeight(layer, indices[j], entries[j], file.path, diags) && ok;
    }
  }

  void bindModel(const Model &model, const H5Node *group, const std::string &where) {
    const H5Node *layers = group ? group->child("layers") : nullptr;
    std::map<std::string, int> names;
    for (Layer *layer : model.layers) {
      std::string key = toSnakeCase(layer->className());
      if (int n = names[key]++) key.append(1, '_').append(std::to_string(n));
      if (!seen.insert(layer).second) continue;  // a shared layer is saved once, where Keras first meets it
      bindUnit(*layer, layers ? layers->child(key) : nullptr, where + "layers/" + key);
    }
  }

  void bindUnit(Layer &layer, const H5Node *node, const std::string &path) {
    if (layer.model && !layer.model->sublayers.empty()) bindComposite(*layer.model, node, path);
    else if (layer.model) bindModel(*layer.model, node, path + "/");
    else if (!layer.weights.empty()) bindLayer(layer, node, path);
  }

  // A composite custom layer: its sublayers under the attributes that hold
  // them (att/, ffn/layers/dense/, blocks/dense_1/).
  void bindComposite(const Model &model, const H5Node *group, const std::string &where) {
    for (const auto &[attribute, layer] : model.sublayers) {
      if (!seen.insert(layer).second) continue;
      const H5Node *node = group;
      for (size_t at = 0; node && at <= attribute.size();) {
        size_t slash = std::min(attribute.find('/', at), attribute.size());
        node = node->child(attribute.substr(at, slash - at));
        at = slash + 1;
      }
      bindUnit(*layer, node, where + "/" + attribute);
    }
  }

  void warnUnused(const H5Node &node) {
    for (const H5Node &c : node.children) {
      if (c.dataset) continue;
      if (c.name == "vars" && !c.children.empty() && !used.count(&c))
        for (const H5Node &d : c.children)
          diags.report(DiagID::warn_weight_unused, SourceRange{}, file.path, d.path, shapeText(d.shape));
      warnUnused(c);
    }
  }
};

}  // namespace

namespace {

struct Unit {
  Layer *layer;
  std::vector<WeightRef> refs;
};

// A file from Theano (warn_weights_theano): said once, at the first
// convolution kernel (a kernel of rank 3 or more).
void warnTheanoKernels(const std::vector<Unit> &units, const std::string &file, DiagnosticEngine &diags) {
  for (const Unit &u : units)
    for (const WeightRef &r : u.refs) {
      const WeightSpec &spec = r.layer->weights[r.index];
      if (weightLeaf(spec.name) == "kernel" && spec.shape.size() >= 3) {
        diags.report(DiagID::warn_weights_theano, r.layer->range, file, r.layer->name);
        return;
      }
    }
}

}  // namespace

bool bindKerasHdf5(const Model &model, WeightFile &file, DiagnosticEngine &diags) {
  std::vector<Unit> units;
  std::set<const Layer *> seen;
  bool frozen = model.layer && !trainable(*model.layer);
  for (Layer *layer : model.layers) {
    if (!seen.insert(layer).second) continue;
    std::vector<WeightRef> trainables, others;
    collect(layer, frozen, seen, trainables, others);
    trainables.insert(trainables.end(), others.begin(), others.end());
    if (!trainables.empty()) units.push_back({layer, std::move(trainables)});
  }
  std::map<std::string, StoredLayer *> byName;
  std::vector<StoredLayer *> withWeights;
  for (StoredLayer &s : file.layers) {
    byName.emplace(s.name, &s);
    if (!s.weights.empty()) withWeights.push_back(&s);
  }

  std::vector<StoredLayer *> stored;
  for (const Unit &u : units)
    if (auto it = byName.find(u.layer->name); it != byName.end()) stored.push_back(it->second);
  if (stored.size() != units.size()) {
    if (units.size() != withWeights.size()) {
      for (const Unit &u : units)
        if (!byName.count(u.layer->name))
          diags.report(DiagID::err_weight_layer_missing, u.layer->range, file.path, u.layer->describe(),
                       "; its layers with weights are " +
                           listed(withWeights, [](const StoredLayer *s) { return "'" + s->name + "'"; }));
      return false;
    }
    stored = withWeights;
    for (size_t i = 0; i < units.size(); ++i)
      if (units[i].layer->name != stored[i]->name) {
        diags.report(DiagID::warn_weights_by_order, SourceRange{}, file.path, units[i].layer->name, stored[i]->name);
        break;
      }
  }
  if (file.backend == "theano") warnTheanoKernels(units, file.path, diags);
  bool ok = true;
  std::set<const StoredLayer *> used(stored.begin(), stored.end());
  for (size_t i = 0; i < units.size(); ++i)
    ok = bindGroup(*units[i].layer, units[i].refs, *stored[i], file.path, file.keras1, diags) && ok;
  for (const StoredLayer *s : withWeights)
    if (!used.count(s)) diags.report(DiagID::warn_weight_layer_unused, SourceRange{}, file.path, s->name, s->path);
  return ok;
}

bool bindKerasSaving(const Model &model, WeightFile &file, DiagnosticEngine &diags) {
  SavingBinder binder(file, diags);
  // A subclassed model keeps its sublayers under their attributes at the root.
  if (!model.sublayers.empty()) binder.bindComposite(model, &file.tree, "");
  else binder.bindModel(model, &file.tree, "/");
  if (binder.ok) binder.warnUnused(file.tree);
  return binder.ok;
}

}  // namespace kiln
