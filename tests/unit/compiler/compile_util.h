// Parsing and evaluating a .kiln source held in memory, as `kilnc` does for a
// file, for tests that look at the resulting graph or diagnostics.
#pragma once

#include "graph/Graph.h"
#include "graph/Program.h"
#include "layers/LayerKind.h"
#include "sema/Evaluator.h"
#include "syntax/Parser.h"

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace kiln_test {

struct Compiled {
  kiln::SourceManager sources;
  kiln::DiagnosticEngine diags{sources};
  kiln::Graph graph;
  std::unique_ptr<kiln::Evaluator> evaluator;
  uint32_t file = 0;
  bool parsed = false;
  kiln::Model *model = nullptr;  // the selected model, if it was built

  // Every diagnostic reported so far (not yet printed), one per line, as
  // "error: message" / "warning: ..." / "note: ...".
  std::string messages() const {
    std::string out;
    auto add = [&](const kiln::Diagnostic &d) {
      out += d.severity == kiln::Severity::Error     ? "error: "
             : d.severity == kiln::Severity::Warning ? "warning: "
                                                     : "note: ";
      out += d.message + "\n";
    };
    for (const kiln::Diagnostic &d : diags.diagnostics()) {
      add(d);
      for (const kiln::Diagnostic &n : d.notes) add(n);
    }
    return out;
  }

  bool has(kiln::DiagID id) const {
    for (const kiln::Diagnostic &d : diags.diagnostics())
      if (d.id == id) return true;
    return false;
  }

  // The layer of the selected model with this name.
  kiln::Layer *layer(const std::string &name) const {
    if (!model) return nullptr;
    for (kiln::Layer *l : model->layers)
      if (l->name == name) return l;
    return nullptr;
  }

  std::vector<std::string> layerNames() const {
    std::vector<std::string> names;
    if (model)
      for (kiln::Layer *l : model->layers) names.push_back(l->name);
    return names;
  }
};

// Parses and evaluates `source`, then selects (and checks) the model named
// `modelName` (default: the one bound to `model`, else the last one).
inline std::unique_ptr<Compiled> compile(const std::string &source, const std::string &modelName = "") {
  auto c = std::make_unique<Compiled>();
  c->file = c->sources.addBuffer("test.kiln", source);
  std::optional<kiln::ast::Module> module = kiln::parseFile(c->sources, c->file, c->diags);
  if (!module) return c;
  c->parsed = true;
  c->evaluator = std::make_unique<kiln::Evaluator>(c->diags, c->graph, kiln::EvalOptions{});
  c->evaluator->run(*module);
  if (c->diags.hasErrors()) return c;
  kiln::Model *m = c->evaluator->selectModel(modelName, c->file);
  if (m && c->evaluator->finishModel(m) && !c->diags.hasErrors()) c->model = m;
  return c;
}

// Like compile(), but the source must give a model without errors.
inline std::unique_ptr<Compiled> compileOk(const std::string &source, const std::string &modelName = "") {
  std::unique_ptr<Compiled> c = compile(source, modelName);
  EXPECT_NE(c->model, nullptr) << "source:\n" << source << "\ndiagnostics:\n" << c->messages();
  return c;
}

}  // namespace kiln_test
