#include "graph/Dot.h"

#include <fmt/format.h>

#include <set>

namespace kiln {

namespace {
std::string quoted(const std::string &s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}
}  // namespace

std::string formatDot(const Model &model) {
  std::string out = fmt::format("digraph {} {{\n  rankdir=TB;\n  node [shape=box, fontname=\"Helvetica\"];\n"
                                "  edge [fontname=\"Helvetica\", fontsize=10];\n",
                                quoted(model.name));
  std::set<const Tensor *> outputs(model.outputs.begin(), model.outputs.end());
  for (const Layer *l : model.layers)
    out += fmt::format("  {} [label={}];\n", quoted(l->name), quoted(l->name + "\n" + l->className()));
  for (const Node *n : model.nodes)
    for (const Tensor *t : n->inputs)
      out += fmt::format("  {} -> {} [label={}];\n", quoted(t->producer->layer->name), quoted(n->layer->name),
                         quoted(shapeString(t->type)));
  // Model outputs end in a small terminal node each, labelled with the shape.
  for (size_t i = 0; i < model.outputs.size(); ++i) {
    const Tensor *t = model.outputs[i];
    std::string sink = "output_" + std::to_string(i);
    out += fmt::format("  {} [shape=plaintext, label={}];\n  {} -> {} [label={}];\n", quoted(sink),
                       quoted("output " + std::to_string(i)), quoted(t->producer->layer->name), quoted(sink),
                       quoted(shapeString(t->type)));
  }
  return out + "}\n";
}

}  // namespace kiln
