// Weights in the layouts tf.keras 2's load_weights converts from
// (hdf5_format.preprocess_weights_for_loading): Keras 1's, whose files state
// no keras_version, and convolution kernels stored with their axes in
// another order.
#include "layers/LayerKind.h"
#include "weights/Internal.h"

namespace kiln {

namespace {

// The layer that owns a wrapper's weights: TimeDistributed's and
// Bidirectional's wrapped layer (its directions share a class).
const Layer &owner(const Layer &layer) {
  std::string cls = layer.className();
  if ((cls == "TimeDistributed" || cls == "Bidirectional") && layer.config.has("layer") &&
      layer.config.get("layer").is(ValueKind::Layer))
    return owner(*layer.config.get("layer").layer);
  return layer;
}

bool channelsFirstLayer(const Layer &layer) {
  return layer.config.has("data_format") && layer.config.get("data_format").is(ValueKind::Str) &&
         layer.config.get("data_format").text == "channels_first";
}

// Axis a of the result is axis perm[a] of `e` (numpy.transpose).
void transpose(WeightEntry &e, const std::vector<int> &perm) {
  const size_t rank = e.shape.size();
  std::vector<int64_t> shape(rank), strides(rank, 1), outStrides(rank);
  for (size_t a = rank - 1; a > 0; --a) strides[a - 1] = strides[a] * e.shape[a];
  for (size_t a = 0; a < rank; ++a) shape[a] = e.shape[perm[a]], outStrides[a] = strides[perm[a]];
  std::vector<float> out(e.data.size());
  std::vector<int64_t> index(rank, 0);
  for (size_t i = 0; i < out.size(); ++i) {
    int64_t from = 0;
    for (size_t a = 0; a < rank; ++a) from += index[a] * outStrides[a];
    out[i] = e.data[from];
    for (size_t a = rank; a-- > 0;)
      if (++index[a] < shape[a]) break;
      else index[a] = 0;
  }
  e.shape = std::move(shape);
  e.data = std::move(out);
}

// Keras 1 kept a recurrent layer's weights per gate: (W, U, b) for each
// gate, LSTM's in the order i, c, f, o and GRU's z, r, h. Keras 2
// concatenates each along its last axis, LSTM's gates in the order i, f, c,
// o. `at` is the first of the layer's 3 * gates stored weights, `want` the
// shapes of its kernel, recurrent kernel and bias.
bool mergeGates(std::vector<WeightEntry> &stored, size_t at, const std::vector<std::vector<int64_t>> &want,
                int gates, std::vector<WeightEntry> &merged) {
  if (stored.size() - at < size_t(3 * gates)) return false;
  for (int g = 0; g < gates; ++g)
    for (int k = 0; k < 3; ++k) {
      std::vector<int64_t> part = want[k];
      part.back() /= gates;
      const WeightEntry &e = stored[at + 3 * g + k];
      if (e.shape != part || !e.unsupported.empty()) return false;
    }
  static const int lstmOrder[] = {0, 2, 1, 3};  // Keras 2's gate g is Keras 1's lstmOrder[g]
  for (int k = 0; k < 3; ++k) {
    WeightEntry out = stored[at + k];
    out.shape = want[k];
    int64_t width = want[k].back() / gates, rows = int64_t(stored[at + k].data.size()) / width;
    out.data.assign(rows * want[k].back(), 0.0f);
    for (int g = 0; g < gates; ++g) {
      const std::vector<float> &part = stored[at + 3 * (gates == 4 ? lstmOrder[g] : g) + k].data;
      for (int64_t r = 0; r < rows; ++r)
        std::copy_n(part.begin() + r * width, width, out.data.begin() + r * want[k].back() + g * width);
    }
    merged.push_back(std::move(out));
  }
  return true;
}

// A recurrent layer's kernel, recurrent kernel and bias at refs[i], and its
// number of gates (4: LSTM, ConvLSTM; 3: GRU), or 0.
int recurrentGates(const std::vector<WeightRef> &refs, size_t i) {
  if (i + 2 >= refs.size() || refs[i + 1].layer != refs[i].layer || refs[i + 2].layer != refs[i].layer) return 0;
  const Layer &layer = *refs[i].layer;
  const WeightSpec &k = layer.weights[refs[i].index], &r = layer.weights[refs[i + 1].index],
                   &b = layer.weights[refs[i + 2].index];
  std::string prefix = k.name.substr(0, k.name.rfind('/') + 1);
  if (weightLeaf(k.name) != "kernel" || r.name != prefix + "recurrent_kernel" || b.name != prefix + "bias" ||
      r.shape.size() < 2 || b.shape.size() != 1)
    return 0;
  std::string cls = owner(layer).className();
  int64_t units = r.shape[r.shape.size() - 2];
  if ((cls == "LSTM" || cls == "ConvLSTM2D") && r.shape.back() == 4 * units) return 4;
  if (cls == "GRU" && r.shape.back() == 3 * units) return 3;
  return 0;
}

// Keras 1's convolution kernels in Keras 2's layout (the kernel is a
// layer's first weight).
void keras1Kernel(const Layer &layer, const WeightSpec &spec, WeightEntry &e) {
  std::string cls = layer.className();
  bool first = channelsFirstLayer(layer);
  size_t rank = e.shape.size();
  if (cls == "Conv1D" && rank == 4) {
    // (length, 1, channels, filters); Keras 1.1's (filters, channels, length, 1)
    if (spec.shape.size() == 3 && (e.shape[0] != spec.shape[0] || e.shape[1] != 1 || e.shape[3] != spec.shape[2]))
      transpose(e, {2, 3, 1, 0});
    if (e.shape[1] == 1) e.shape.erase(e.shape.begin() + 1);
  } else if (cls == "Conv2D" && first && rank == 4) {
    transpose(e, {2, 3, 1, 0});  // from (filters, channels, rows, cols)
  } else if (cls == "Conv2DTranspose" && rank == 4) {
    transpose(e, first ? std::vector<int>{2, 3, 0, 1} : std::vector<int>{0, 1, 3, 2});
  } else if (cls == "Conv3D" && first && rank == 5) {
    transpose(e, {2, 3, 4, 1, 0});
  }
}

}  // namespace

void adaptLegacyWeights(const std::vector<WeightRef> &refs, StoredLayer &stored, bool keras1) {
  if (keras1 && stored.weights.size() > refs.size()) {
    std::vector<WeightEntry> weights;
    size_t at = 0;
    for (size_t i = 0; i < refs.size() && at < stored.weights.size();) {
      std::vector<std::vector<int64_t>> want;
      if (int gates = recurrentGates(refs, i)) {
        for (int k = 0; k < 3; ++k) want.push_back(refs[i + k].layer->weights[refs[i + k].index].shape);
        if (mergeGates(stored.weights, at, want, gates, weights)) {
          at += 3 * gates, i += 3;
          continue;
        }
      }
      weights.push_back(std::move(stored.weights[at++]));
      ++i;
    }
    for (; at < stored.weights.size(); ++at) weights.push_back(std::move(stored.weights[at]));
    stored.weights = std::move(weights);
  }
  if (stored.weights.size() != refs.size()) return;  // reported by the binder
  for (size_t i = 0; i < refs.size(); ++i) {
    const WeightSpec &spec = refs[i].layer->weights[refs[i].index];
    const Layer &layer = owner(*refs[i].layer);
    WeightEntry &e = stored.weights[i];
    std::string cls = layer.className(), leaf = weightLeaf(spec.name);
    if (!e.unsupported.empty()) continue;
    if (keras1 && leaf == "kernel") keras1Kernel(layer, spec, e);
    if (keras1 && cls == "ConvLSTM2D" && channelsFirstLayer(layer) && e.shape.size() == 4 &&
        (leaf == "kernel" || leaf == "recurrent_kernel"))
      transpose(e, {2, 3, 1, 0});
    // Any version: a convolution kernel of another shape is taken as
    // (channels, filters, cols, rows) and transposed (as Keras does).
    bool convolution = cls == "Conv1D" || cls == "Conv2D" || cls == "Conv3D" || cls == "Conv2DTranspose" ||
                       cls == "ConvLSTM2D";
    bool kernel = leaf == "kernel" || (cls == "ConvLSTM2D" && leaf == "recurrent_kernel");
    if (convolution && kernel && e.shape != spec.shape && e.shape.size() == 4)
      transpose(e, {3, 2, 0, 1});
  }
}

}  // namespace kiln
