// libFuzzer target: the .kiln front end on arbitrary bytes, as `kilnc
// summary` and `kilnc build` run it: parse, evaluate (names, arguments,
// shapes), choose the model, the summary, and, for models of a bounded size,
// the seeded weights and the graph passes.
#include "graph/Program.h"
#include "graph/Summary.h"
#include "sema/Evaluator.h"
#include "syntax/Parser.h"
#include "weights/Weights.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  using namespace kiln;
  SourceManager sources;
  DiagnosticEngine diags(sources);
  Graph graph;
  uint32_t file = sources.addBuffer("fuzz.kiln", std::string(reinterpret_cast<const char *>(data), size));
  std::optional<ast::Module> module = parseFile(sources, file, diags);
  if (!module) return 0;
  Evaluator evaluator(diags, graph, {});
  evaluator.run(*module);
  if (diags.hasErrors()) return 0;
  Model *model = evaluator.selectModel("", file);
  if (!model || !evaluator.finishModel(model) || diags.hasErrors()) return 0;
  formatSummary(*model);
  // Weights take memory in proportion to the model; a fuzzer's memory limit is not a finding.
  if (model->paramCount(true) + model->paramCount(false) > (1 << 20)) return 0;
  initializeWeights(*model, 1, diags);
  buildProgram(*model, {});
  return 0;
}
