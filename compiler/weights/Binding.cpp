// Binding weight values to layers, and seeded initialization.
#include "weights/Internal.h"

#include "layers/LayerKind.h"
#include "layers/recurrent/Recurrent.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace kiln {

namespace {

// "model/dense_1/kernel:0" -> {"model", "dense_1", "kernel"}
std::vector<std::string> components(std::string name) {
  if (size_t colon = name.rfind(':'); colon != std::string::npos) name.resize(colon);
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t slash; (slash = name.find('/', start)) != std::string::npos; start = slash + 1)
    parts.push_back(name.substr(start, slash - start));
  parts.push_back(name.substr(start));
  return parts;
}

// How well a stored name fits weight `spec` of `layer`: files name weights
// "<layer>/<weight>" (TensorFlow.js), "<layer>/<layer>/<weight>:0" (Keras 2
// .h5) or "<layer>/<cell>/<weight>" (recurrent cells), possibly under a model
// prefix. 2: the layer right before the weight; 1: the layer further up; 0: no.
int tailQuality(const std::vector<std::string> &entry, const std::string &layer, const std::vector<std::string> &weight) {
  if (entry.size() <= weight.size() || !std::equal(weight.rbegin(), weight.rend(), entry.rbegin())) return 0;
  size_t before = entry.size() - weight.size();
  if (entry[before - 1] == layer) return 2;
  for (size_t i = 0; i + 1 < before; ++i)
    if (entry[i] == layer) return 1;
  return 0;
}

// A wrapped recurrent layer's weight, "forward_lstm/kernel" to Kiln, is
// "bidirectional/forward_lstm/lstm_cell/kernel" in the TensorFlow.js files
// tensorflowjs converts from Keras: the cell's scope sits before the weight.
int matchQuality(const std::vector<std::string> &entry, const std::string &layer, const std::string &spec) {
  std::vector<std::string> weight = components(spec);
  if (int quality = tailQuality(entry, layer, weight)) return quality;
  if (entry.size() < 3 || !entry[entry.size() - 2].ends_with("_cell")) return 0;
  std::vector<std::string> withoutCell = entry;
  withoutCell.erase(withoutCell.end() - 2);
  return tailQuality(withoutCell, layer, weight);
}

// TensorFlow.js: each weight of the model looked up by name.
bool bindByName(const Model &model, WeightFile &file, DiagnosticEngine &diags) {
  std::vector<std::vector<std::string>> names;
  for (const WeightEntry &e : file.entries) names.push_back(components(e.name));
  std::set<const WeightEntry *> used;
  bool ok = true;
  for (Layer *layer : weightedLayers(model)) {
    for (size_t i = 0; i < layer->weights.size(); ++i) {
      const WeightSpec &spec = layer->weights[i];
      WeightEntry *found = nullptr;
      int best = 0;
      for (size_t e = 0; e < file.entries.size(); ++e) {
        int quality = used.count(&file.entries[e]) ? 0 : matchQuality(names[e], layer->name, spec.name);
        if (quality > best) {
          best = quality;
          found = &file.entries[e];
        }
      }
      if (!found) {
        Diagnostic &d = diags.report(DiagID::err_weight_missing, layer->range, file.path, layer->name + "/" + spec.name,
                                     layer->describe());
        std::string present;
        for (size_t e = 0; e < file.entries.size(); ++e)
          if (std::find(names[e].begin(), names[e].end(), layer->name) != names[e].end())
            present += (present.empty() ? "" : ", ") + file.entries[e].name;
        if (!present.empty()) d.note(DiagID::note_weight_candidates, layer->range, layer->name, present);
        ok = false;
        continue;
      }
      used.insert(found);
      ok = assignWeight(*layer, i, *found, file.path, diags) && ok;
    }
  }
  for (const WeightEntry &e : file.entries)
    if (!used.count(&e)) diags.report(DiagID::warn_weight_unused, SourceRange{}, file.path, e.name, shapeText(e.shape));
  return ok;
}

}  // namespace

std::string weightLeaf(const std::string &name) {
  std::string s = name.substr(0, name.rfind(':'));
  return s.substr(s.rfind('/') + 1);
}

std::string shapeText(const std::vector<int64_t> &shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + (shape.size() == 1 ? ",)" : ")");
}

bool assignWeight(Layer &layer, size_t index, WeightEntry &entry, const std::string &file, DiagnosticEngine &diags) {
  const WeightSpec &spec = layer.weights[index];
  std::string at = entry.path.empty() ? "" : " at '" + entry.path + "'";
  if (!entry.unsupported.empty()) {
    diags.report(DiagID::err_weight_unsupported, layer.range, spec.name, layer.describe(), entry.path, file,
                 entry.unsupported);
    return false;
  }
  if (entry.shape != spec.shape) {
    diags.report(DiagID::err_weight_shape, layer.range, spec.name, layer.describe(), shapeText(entry.shape), file, at,
                 shapeText(spec.shape));
    return false;
  }
  // A diverged training run saves NaN: Keras loads it without a word and
  // predicts NaN; so does Kiln, but it says so.
  size_t nan = 0, infinite = 0, first = entry.data.size();
  for (size_t i = 0; i < entry.data.size(); ++i) {
    if (std::isfinite(entry.data[i])) continue;
    (std::isnan(entry.data[i]) ? nan : infinite)++;
    first = std::min(first, i);
  }
  if (nan || infinite) {
    std::string counts = nan ? std::to_string(nan) + " NaN" : "";
    if (infinite) counts += (nan ? " and " : "") + std::to_string(infinite) + " infinite";
    diags.report(DiagID::warn_weight_nonfinite, layer.range, spec.name, layer.describe(), counts + " values", file, at,
                 first);
  }
  if (layer.weightValues.size() != layer.weights.size()) layer.weightValues.resize(layer.weights.size());
  layer.weightValues[index] = std::move(entry.data);
  return true;
}

bool bindWeights(const Model &model, WeightFile &file, DiagnosticEngine &diags) {
  for (Layer *layer : weightedLayers(model)) layer->weightValues.assign(layer->weights.size(), {});
  switch (file.layout) {
  case WeightLayout::TfjsNames: return bindByName(model, file, diags);
  case WeightLayout::KerasHdf5: return bindKerasHdf5(model, file, diags);
  case WeightLayout::KerasSaving: return bindKerasSaving(model, file, diags);
  }
  return false;
}

namespace {

// splitmix64: a small, well-mixed generator whose sequence is the same everywhere.
struct Random {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  double uniform() { return double(next() >> 11) * 0x1.0p-53; }  // [0, 1)
  double normal() {
    double u = uniform(), v = uniform();
    return std::sqrt(-2.0 * std::log(1.0 - u)) * std::cos(2.0 * M_PI * v);
  }
  double truncatedNormal() {
    for (;;) {
      double x = normal();
      if (std::fabs(x) <= 2.0) return x;
    }
  }
};

std::vector<float> draw(const std::string &init, const std::vector<int64_t> &shape, Random &rng) {
  int64_t count = 1;
  for (int64_t d : shape) count *= d;
  double receptive = 1;
  for (size_t i = 0; i + 2 < shape.size(); ++i) receptive *= double(shape[i]);
  double fanIn = shape.size() >= 2 ? shape[shape.size() - 2] * receptive : shape.empty() ? 1 : shape[0];
  double fanOut = shape.size() >= 2 ? shape.back() * receptive : fanIn;
  std::vector<float> out(count);
  auto fill = [&](auto f) {
    for (float &v : out) v = static_cast<float>(f());
  };
  // Keras's variance scaling: scale / fan, uniform limit sqrt(3 * variance),
  // truncated normal stddev sqrt(variance) / .87962566103423978.
  auto scaling = [&](double scale, double fan, bool uniform) {
    double variance = scale / std::max(1.0, fan);
    if (uniform) fill([&] { return (rng.uniform() * 2 - 1) * std::sqrt(3 * variance); });
    else fill([&] { return rng.truncatedNormal() * std::sqrt(variance) / .87962566103423978; });
  };
  if (init == "zeros" || init == "zero") fill([] { return 0.0; });
  else if (init == "ones" || init == "one") fill([] { return 1.0; });
  else if (init == "uniform" || init == "random_uniform") fill([&] { return (rng.uniform() * 2 - 1) * 0.05; });
  else if (init == "normal" || init == "random_normal") fill([&] { return rng.normal() * 0.05; });
  else if (init == "truncated_normal") fill([&] { return rng.truncatedNormal() * 0.05; });
  else if (init == "he_uniform") scaling(2, fanIn, true);
  else if (init == "he_normal") scaling(2, fanIn, false);
  else if (init == "lecun_uniform") scaling(1, fanIn, true);
  else if (init == "lecun_normal") scaling(1, fanIn, false);
  else if (init == "glorot_normal") scaling(2, fanIn + fanOut, false);
  else if (init == "identity" && shape.size() == 2) {
    for (int64_t i = 0; i < std::min(shape[0], shape[1]); ++i) out[i * shape[1] + i] = 1;
  } else scaling(2, fanIn + fanOut, true);  // glorot_uniform, and the documented fallback
  return out;
}

// The initializer argument `arg` of weight `name`: the layer's own, or for
// a wrapper (TimeDistributed, Bidirectional) the wrapped layer's, or for RNN
// over stacked cells the cell's (lstm_cell/kernel).
const Value &initializerOf(const Layer &layer, const std::string &name, const std::string &arg) {
  static const Value none = Value::none();
  if (layer.config.has(arg)) return layer.config.get(arg);
  size_t slash = name.find('/');
  std::string head = name.substr(0, slash), rest = slash == std::string::npos ? name : name.substr(slash + 1);
  for (const char *wrapped : {head.starts_with("backward_") ? "backward_layer" : "layer", "layer"}) {
    const Value *inner = layer.config.has(wrapped) ? &layer.config.get(wrapped) : nullptr;
    if (inner && inner->is(ValueKind::Layer))
      if (const Value &v = initializerOf(*inner->layer, rest, arg); !v.is(ValueKind::None)) return v;
  }
  if (layer.config.has("cell") && slash != std::string::npos)
    for (const auto &[cellName, cell] : stackedCells(layer.config))
      if (cellName == head) return initializerOf(*cell, rest, arg);
  return none;
}

}  // namespace

void initializeWeights(const Model &model, uint64_t seed, DiagnosticEngine &) {
  Random rng{seed};
  for (Layer *layer : weightedLayers(model)) {
    layer->weightValues.clear();
    for (const WeightSpec &spec : layer->weights) {
      const Value &init = initializerOf(*layer, spec.name, spec.initializerArg);
      std::string name = init.is(ValueKind::Str) ? init.text : init.is(ValueKind::Opaque) ? "glorot_uniform" : "zeros";
      if (spec.initializerArg.starts_with("=")) name = spec.initializerArg.substr(1);  // a fixed initializer
      if (spec.name == "moving_variance" || spec.name == "gamma") name = init.is(ValueKind::Str) ? init.text : "ones";
      layer->weightValues.push_back(draw(name, spec.shape, rng));
    }
  }
}

}  // namespace kiln
