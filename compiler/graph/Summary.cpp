// Follows tf.keras 2.x's print_summary: column positions, line wrapping at
// "),"/"'," and the sequential-like test that decides whether a functional
// model gets the "Connected to" column. Names are printed as `printable`
// spells them: a name may hold control characters, which must not reach the
// terminal.
#include "graph/Summary.h"

#include "diagnostics/Utf8.h"
#include "layers/LayerKind.h"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <map>
#include <set>

namespace kiln {

namespace {

std::string withCommas(int64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

void printRow(std::string &out, std::vector<std::string> fields, const std::vector<size_t> &positions) {
  auto remaining = [&] { return std::any_of(fields.begin(), fields.end(), [](auto &f) { return !f.empty(); }); };
  while (remaining()) {
    std::string line;
    for (size_t col = 0; col < fields.size(); ++col) {
      size_t start = col ? positions[col - 1] : 0;
      size_t space = col + 1 != positions.size() ? 2 : 0;
      size_t cutoff = positions[col] - start - space;
      std::string fit = fields[col].substr(0, cutoff);
      size_t best = std::string::npos;
      for (const char *brk : {"),", "},", "],", "',"}) {
        size_t at = fit.find(brk);
        if (at != std::string::npos) best = std::min(best, at + 2);
      }
      if (best != std::string::npos) {
        cutoff = best;
        fit = fit.substr(0, cutoff);
      }
      if (col == 0) line += " ";
      line += fit + std::string(space, ' ');
      fields[col] = cutoff < fields[col].size() ? fields[col].substr(cutoff) : "";
      if (line.size() < positions[col]) line += std::string(positions[col] - line.size(), ' ');
    }
    out += line + "\n";
  }
}

std::string outputShape(const Layer &layer, const Model &model) {
  std::set<const Node *> inModel(model.nodes.begin(), model.nodes.end());
  std::vector<const Node *> nodes;
  for (const Node *n : layer.nodes)
    if (inModel.count(n) || n->inputs.empty()) nodes.push_back(n);
  if (nodes.empty()) nodes.assign(layer.nodes.begin(), layer.nodes.end());
  if (nodes.empty()) return "?";
  std::string shape;
  const std::vector<Tensor *> &outs = nodes[0]->outputs;
  for (const Node *n : nodes) {
    if (n->outputs.size() != outs.size()) return "multiple";
    for (size_t i = 0; i < outs.size(); ++i)
      if (n->outputs[i]->type.dims != outs[i]->type.dims) return "multiple";
  }
  if (outs.size() == 1 && !(layer.kind && layer.kind->className() == "InputLayer"))
    return shapeString(outs[0]->type);
  for (size_t i = 0; i < outs.size(); ++i) shape += (i ? ", " : "") + shapeString(outs[i]->type);
  return "[" + shape + "]";
}

// Keras prints a functional model like a Sequential one when it is a chain:
// one node per depth, none with several inputs, no layer called twice.
bool sequentialLike(const Model &model) {
  if (model.sequential) return true;
  KerasGraphOrder order = kerasGraphOrder(model.inputs, model.outputs, false);
  std::map<int, int> perDepth;
  std::map<const Layer *, int> calls;
  for (const auto &[node, depth] : order.nodeDepth) {
    if (++perDepth[depth] > 1 || node->inputs.size() > 1) return false;
    if (++calls[node->layer] > 1) return false;
  }
  return true;
}

}  // namespace

std::string formatSummary(const Model &model) {
  bool simple = sequentialLike(model);
  size_t width = simple ? 65 : 98;
  std::vector<double> fractions = simple ? std::vector<double>{.45, .85, 1.} : std::vector<double>{.33, .55, .67, 1.};
  std::vector<size_t> positions;
  for (double f : fractions) positions.push_back(static_cast<size_t>(width * f));

  std::string out = fmt::format("Model: \"{}\"\n", printable(model.name));
  out += std::string(width, '_') + "\n";
  std::vector<std::string> header{"Layer (type)", "Output Shape", "Param #"};
  if (!simple) header.push_back("Connected to");
  printRow(out, header, positions);
  out += std::string(width, '=') + "\n";

  std::set<const Node *> relevant(model.nodes.begin(), model.nodes.end());
  std::vector<Layer *> layers = model.layers;
  for (size_t i = 0; i < layers.size(); ++i) {
    const Layer &l = *layers[i];
    if (l.kind && l.kind->isCallArgument()) continue;
    std::vector<std::string> fields{printable(l.name) + " (" + l.className() + ")", outputShape(l, model),
                                    std::to_string(l.paramCount(true) + l.paramCount(false))};
    if (!simple) {
      std::string connected = "[";
      // A call's mask= is an input of the call in Keras, not a layer.
      std::function<void(const Tensor *)> connect = [&](const Tensor *t) {
        const Node *from = t->producer;
        if (from->layer->kind && from->layer->kind->isCallArgument()) {
          for (const Tensor *in : from->inputs) connect(in);
          return;
        }
        connected += fmt::format("{}'{}[{}][{}]'", connected.size() > 1 ? ", " : "", printable(from->layer->name),
                                 from->indexInLayer, t->outputIndex);
      };
      for (const Node *n : l.nodes)
        if (relevant.count(n))
          for (const Tensor *t : n->inputs) connect(t);
      fields.push_back(connected + "]");
    }
    printRow(out, fields, positions);
    out += std::string(width, ' ') + "\n";
  }
  out += std::string(width, '=') + "\n";
  int64_t trainable = model.paramCount(true), frozen = model.paramCount(false);
  out += fmt::format("Total params: {}\nTrainable params: {}\nNon-trainable params: {}\n", withCommas(trainable + frozen),
                     withCommas(trainable), withCommas(frozen));
  out += std::string(width, '_') + "\n";
  return out;
}

}  // namespace kiln
