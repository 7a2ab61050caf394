// libFuzzer target: Keras's .h5 and .keras files past the HDF5 library, as
// `kilnc import` and `kilnc build --weights` take them: the model config
// imported as .kiln source and evaluated, and the weights tree, as the
// isolated reader hands it to the parent, read in Keras's layouts and bound
// to that model. An input is a .keras file's config.json, a NUL byte, then
// the tree in the reader's pipe format; with nothing before the NUL it is an
// .h5 from model.save(), whose config is its model_config attribute.
// tests/fuzz/keras_seed writes a Keras file in this form.
#include "import/Import.h"
#include "sema/Evaluator.h"
#include "syntax/Parser.h"
#include "weights/KerasFile.h"
#include "weights/Weights.h"

#include <cstdlib>
#include <cstring>
#include <sys/mman.h>
#include <unistd.h>

namespace {

// The tree in `bytes` as the parent reads it from the child; false if malformed.
bool readTree(const uint8_t *bytes, size_t size, kiln::H5Node &root) {
  int fd = ::memfd_create("h5node", MFD_CLOEXEC);
  if (fd < 0 || ::write(fd, bytes, size) != ssize_t(size)) std::abort();
  ::lseek(fd, 0, SEEK_SET);
  kiln::ByteReader in(fd);
  std::string error;
  bool ok = kiln::readH5Node(in, true, root, error);
  ::close(fd);
  return ok;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  using namespace kiln;
  const uint8_t *nul = static_cast<const uint8_t *>(std::memchr(data, 0, size));
  if (!nul) return 0;
  KerasFile keras;
  keras.config.assign(reinterpret_cast<const char *>(data), size_t(nul - data));
  keras.zip = !keras.config.empty();
  bool tree = readTree(nul + 1, size - size_t(nul + 1 - data), keras.root);
  if (!tree && !keras.zip) return 0;  // the config is in the tree

  SourceManager sources;
  DiagnosticEngine diags(sources);
  std::optional<ModelConfig> config = configOfKerasFile(keras, "fuzz.h5", diags);
  std::optional<ImportedModel> imported;
  if (config) imported = importModelConfig(config->json, 0, "fuzz.h5", config->kerasVersion, diags);
  if (!imported) {
    if (!diags.hasErrors()) std::abort();  // every failure says why
    return 0;
  }
  uint32_t file = sources.addBuffer("imported.kiln", imported->source);
  std::optional<ast::Module> module = parseFile(sources, file, diags);
  if (!module) return 0;
  Graph graph;
  EvalOptions options;
  options.kerasVersion = imported->keras3 ? KerasVersion::V3 : KerasVersion::V2;
  Evaluator evaluator(diags, graph, options);
  evaluator.run(*module);
  Model *model = diags.hasErrors() ? nullptr : evaluator.selectModel("model", file);
  if (!model || !evaluator.finishModel(model) || diags.hasErrors()) return 0;
  checkImportedMasks(*model, *imported, "fuzz.h5", diags);
  if (!tree) return 0;
  std::optional<WeightFile> weights = weightsOfKerasFile(keras, "fuzz.h5", diags);
  bool bound = weights && bindWeights(*model, *weights, diags);
  if (!bound && !diags.hasErrors()) std::abort();
  return 0;
}
