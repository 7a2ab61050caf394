// libFuzzer target: the TensorFlow.js weights reader and binder. An input is
// a model.json, a NUL byte, then the bytes of its one shard file
// (shard.bin); what it reads is bound to a small fixed model.
#include "FuzzFiles.h"

#include "sema/Evaluator.h"
#include "syntax/Parser.h"
#include "weights/Weights.h"

#include <cstring>

namespace {

// Dense(2) on 3 features: kernel (3, 2) and bias (2,), as model.json names them.
kiln::Model *fixedModel(kiln::SourceManager &sources, kiln::DiagnosticEngine &diags, kiln::Graph &graph) {
  uint32_t file = sources.addBuffer("fuzz.kiln", "model = Sequential([Dense(2, input_dim=3, name='dense')])\n");
  std::optional<kiln::ast::Module> module = kiln::parseFile(sources, file, diags);
  kiln::Evaluator evaluator(diags, graph, {});
  evaluator.run(*module);
  kiln::Model *model = evaluator.selectModel("", file);
  if (!model || !evaluator.finishModel(model)) std::abort();
  return model;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  using namespace kiln;
  const uint8_t *nul = static_cast<const uint8_t *>(std::memchr(data, 0, size));
  size_t jsonSize = nul ? size_t(nul - data) : size;
  std::string json = fuzz::writeFile("model.json", data, jsonSize);
  fuzz::writeFile("shard.bin", nul ? nul + 1 : data, nul ? size - jsonSize - 1 : 0);

  SourceManager sources;
  DiagnosticEngine diags(sources);
  Graph graph;
  Model *model = fixedModel(sources, diags, graph);
  std::optional<WeightFile> weights = readWeights(json, diags);
  bool bound = weights && bindWeights(*model, *weights, diags);
  if (!bound && !diags.hasErrors()) std::abort();  // every failure says why
  return 0;
}
