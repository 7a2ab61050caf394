// kilnc: the command-line driver. Each subcommand runs the pipeline as far
// as it needs: parse -> evaluate (shapes) -> weights -> passes -> codegen.
#include "codegen/Emit.h"
#include "codegen/ExternalWeights.h"
#include "codegen/EntryPoint.h"
#include "codegen/ModelCodegen.h"
#include "codegen/Targets.h"
#include "driver/BuildCache.h"
#include "driver/LayerTable.h"
#include "driver/Options.h"
#include "driver/Phases.h"
#include "driver/Products.h"
#include "driver/TestVectors.h"
#include "graph/Dot.h"
#include "graph/Program.h"
#include "graph/Summary.h"
#include "import/Import.h"
#include "support/Files.h"
#include "sema/Evaluator.h"
#include "syntax/Parser.h"
#include "weights/Weights.h"

#include <llvm/IR/DiagnosticHandler.h>
#include <llvm/IR/DiagnosticInfo.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/Support/FileSystem.h>
#include <llvm/Support/Path.h>
#include <llvm/Support/Signals.h>
#include <llvm/Support/raw_ostream.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <pthread.h>
#include <unistd.h>

#ifndef KILN_VERSION
#define KILN_VERSION "0.0.0"
#endif

namespace kiln {
namespace {

struct Session {
  SourceManager sources;
  DiagnosticEngine diags{sources};
  Graph graph;
  const char *argv0 = nullptr;  // where kilnc is: its library is beside it
  bool color = isatty(2) && !std::getenv("NO_COLOR");
  PhaseTimer phases;  // --time-phases

  int finish(int status) {
    diags.print(stderr, color);
    diags.printSummary(stderr);
    return diags.hasErrors() ? 1 : status;
  }
};

std::string withThousands(int64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string cIdentifier(const std::string &path) {
  std::string stem = llvm::sys::path::stem(path).str(), id;
  for (char c : stem) id += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  if (id.empty() || std::isdigit(static_cast<unsigned char>(id[0]))) id = "model_" + id;
  return id;
}

// Model files are code written or generated for one model: a 10,000-layer
// model takes about 1 MB. More than this is not one.
constexpr uint64_t kMaxModelFileBytes = uint64_t(16) << 20;

std::optional<std::string> readFile(const std::string &path, Session &s) {
  std::string error;
  std::optional<std::string> text = readWholeFile(path, kMaxModelFileBytes, "a model file", error);
  if (!text) s.diags.report(DiagID::err_cannot_open, SourceRange{}, path, error);
  return text;
}

// Parse and evaluate source `file`; returns the chosen model, or null after
// reporting why. Without --keras-version, a file that imports keras.ops (only
// Keras 3 has it), or whose weights file Keras 3 wrote, gets Keras 3's
// semantics, in `o` for the rest of the build.
Model *evaluate(Session &s, Options &o, uint32_t file) {
  std::optional<ast::Module> module = parseFile(s.sources, file, s.diags);
  s.phases.mark("parse");
  if (!module) return nullptr;
  if (!o.kerasVersionGiven &&
      (importsKeras3Api(*module) || (!o.weights.empty() && statedKerasVersion(o.weights).starts_with("3."))))
    o.kerasVersion = KerasVersion::V3;
  else if (!o.kerasVersionGiven && !o.weights.empty() && unversionedSavingLayout(o.weights))
    s.diags.report(DiagID::warn_keras_version_unstated, SourceRange{}, o.weights);
  Evaluator evaluator(s.diags, s.graph, {o.kerasVersion, installDirectory(s.argv0) + "/share/kiln/library", &s.sources});
  evaluator.run(*module);
  Model *model = s.diags.hasErrors() ? evaluator.selectModelBesideErrors(o.model) : evaluator.selectModel(o.model, file);
  if (model && !evaluator.finishModel(model)) model = nullptr;
  // What was skipped explains many errors ("x_train" comes from a skipped
  // statement); on a clean build it is shown only when asked for.
  if (s.diags.hasErrors() || o.verbose) evaluator.noteSkipped();
  s.phases.mark("layers and shapes");
  return s.diags.hasErrors() ? nullptr : model;
}

Model *frontEnd(Session &s, Options &o, uint32_t &file) {
  std::optional<std::string> text = readFile(o.input, s);
  if (!text) return nullptr;
  file = s.sources.addBuffer(o.input, *text);
  return evaluate(s, o, file);
}

// LLVM warns when it cannot apply a transformation the kernels ask for (a
// tile loop left rolled on a target without vector registers); that is the
// kernels' business, not the user's.
struct QuietOptimizationFailures : llvm::DiagnosticHandler {
  bool handleDiagnostics(const llvm::DiagnosticInfo &info) override {
    return info.getKind() == llvm::DK_OptimizationFailure;
  }
};

// Where an executable at `output` finds the weights file `weights`: its
// name when it lies beside it, else its absolute path.
std::string weightsPathFrom(const std::string &output, const std::string &weights) {
  if (weights.empty()) return {};
  llvm::SmallString<256> exe(output), file(weights);
  llvm::sys::fs::make_absolute(exe);
  llvm::sys::fs::make_absolute(file);
  llvm::sys::path::remove_dots(exe, true);
  llvm::sys::path::remove_dots(file, true);
  if (llvm::sys::path::parent_path(exe) == llvm::sys::path::parent_path(file))
    return llvm::sys::path::filename(file).str();
  return std::string(file);
}

bool requireKnownShapes(Session &s, const Program &program, const Model &model) {
  for (size_t i = 0; i < program.buffers.size(); ++i) {
    const Buffer &b = program.buffers[i];
    for (size_t axis = 1; axis < b.type.dims.size(); ++axis) {
      if (!b.type.dims[axis].none()) continue;
      SourceRange where = model.range;
      for (const Tensor *t : model.inputs)
        if (t->producer->layer->name == b.name) where = t->producer->range;
      s.diags.report(DiagID::err_none_dimension, where, "tensor '" + b.name + "'", axis, shapeString(b.type));
      return false;
    }
  }
  return true;
}

int build(Session &s, const Options &o, Model &model, const char *argv0) {
  if (!o.weights.empty()) {
    std::optional<WeightFile> weights = readWeights(o.weights, s.diags);
    if (!weights || !bindWeights(model, *weights, s.diags)) return s.finish(1);
  } else if (o.initSeed) {
    initializeWeights(model, *o.initSeed, s.diags);
  } else if (int64_t params = model.paramCount(true) + model.paramCount(false); params > 0) {
    s.diags.report(DiagID::err_weights_required, model.range, model.name, withThousands(params));
    return s.finish(1);
  }
  s.phases.mark("weights");

  PassOptions passes;
  passes.fuseActivations = o.fuse;
  passes.foldEmbeddings = o.fuse;
  passes.algorithms.winograd = o.winograd;
  Program program = buildProgram(model, passes);
  if (!requireKnownShapes(s, program, model)) return s.finish(1);
  std::optional<TestVectors> vectors;
  if (!o.testVectors.empty() && !(vectors = readTestVectors(o.testVectors, program, s.diags))) return s.finish(1);
  s.phases.mark("graph passes");

  const char *extension = o.emit == EmitKind::Obj ? ".o" : o.emit == EmitKind::Lib ? ".a"
                          : o.emit == EmitKind::Shared ? ".so" : o.emit == EmitKind::LLVM ? ".ll"
                          : o.emit == EmitKind::Asm ? ".s" : "";
  std::string output = o.output.empty() ? replaceExtension(llvm::sys::path::filename(o.input).str(), extension) : o.output;
  if (output == o.input) output += extension[0] ? "" : ".out";
  std::string prefix = !o.prefix.empty() ? o.prefix : cIdentifier(output == "-" ? o.input : output);

  std::string error;
  TargetOptions target{o.triple, o.cpu, o.optLevel};
  std::unique_ptr<llvm::TargetMachine> machine = createTargetMachine(target, error);
  if (!machine) {
    s.diags.report(DiagID::err_backend, SourceRange{}, error);
    return s.finish(1);
  }
  const TargetFamily *family = targetFamily(machine->getTargetTriple(), error);
  bool external = !o.externalWeights.empty();
  EntryPoint entry = describeEntryPoint(program, external);
  ExternalWeights weightsFile;
  if (external && !weightsFile.open(o.externalWeights, error)) {
    s.diags.report(DiagID::err_backend, SourceRange{}, error);
    return s.finish(1);
  }
  llvm::LLVMContext context;
  context.setDiagnosticHandler(std::make_unique<QuietOptimizationFailures>());
  CodegenOptions cg{prefix,
                    o.kerasVersion,
                    o.emit == EmitKind::Exe,
                    machine->getTargetTriple().str(),
                    machine->createDataLayout().getStringRepresentation(),
                    family->abi,
                    family->kernels,
                    vectors ? &*vectors : nullptr,
                    external ? &weightsFile : nullptr,
                    weightsPathFrom(output, o.externalWeights),
                    registerTile(*machine)};
  // Objects get the weights built into the code from a blob patched in
  // after LLVM; IR and assembly show them as constants.
  WeightBlob blob;
  if (o.emit != EmitKind::LLVM && o.emit != EmitKind::Asm) {
    cg.weightBlob = &blob;
    cg.kernelAssembly = [&](const std::string &name, std::string &assembly, std::string &error) {
      return cachedKernelAssembly(family->kernels, name, target, *machine, assembly, error);
    };
  }
  std::unique_ptr<llvm::Module> module = ModelCodegen(context, program, entry, cg).build(error);
  if (!module) {
    s.diags.report(DiagID::err_backend, SourceRange{}, error);
    return s.finish(1);
  }
  s.phases.mark("codegen");
  setTargetAttributes(*module, *machine);
  optimizeModule(*module, *machine, o.optLevel);
  s.phases.mark("LLVM optimization");

  bool ok = writeProduct(*module, *machine, {o, program, entry, prefix, output, argv0, cg.weightBlob, &s.phases}, error);
  if (!ok) s.diags.report(DiagID::err_backend, SourceRange{}, error);
  if (o.timePhases) s.phases.print(stderr);
  return s.finish(ok ? 0 : 1);
}

// kilnc import: writes the model config of a Keras file as .kiln source,
// then checks the result as `kilnc check` would.
int importModel(Session &s, const Options &o) {
  // A JSON file is read here, where its layers can be located for messages;
  // .h5 and .keras files through the weights readers, a SavedModel's
  // directory through its Keras metadata. Only a regular file is probed:
  // reading a FIFO would wait for a writer.
  std::string error;
  std::error_code ec;
  if (!std::filesystem::is_directory(o.input, ec) && !RegularFile(o.input, error).ok()) {
    s.diags.report(DiagID::err_cannot_open, SourceRange{}, o.input, error);
    return s.finish(1);
  }
  std::ifstream probe(o.input, std::ios::binary);
  char first = 0;
  while (probe.get(first) && std::isspace(static_cast<unsigned char>(first))) {
  }
  std::optional<ImportedModel> imported;
  if (first == '{' || first == '[') {
    std::optional<std::string> text = readFile(o.input, s);
    if (!text) return s.finish(1);
    imported = importModelConfig(*text, s.sources.addBuffer(o.input, *text), o.input, "", s.diags);
  } else if (std::optional<ModelConfig> config = readModelConfig(o.input, s.diags)) {
    imported = importModelConfig(config->json, 0, o.input, config->kerasVersion, s.diags);
  }
  if (!imported) return s.finish(1);

  std::string output = o.output.empty() ? replaceExtension(llvm::sys::path::filename(o.input).str(), ".kiln") : o.output;
  if (output == o.input) output += ".kiln";
  if (output == "-") {
    fmt::print("{}", imported->source);
  } else {
    std::ofstream out(output, std::ios::binary);
    out << imported->source;
    if (!out.flush()) {
      s.diags.report(DiagID::err_cannot_open, SourceRange{}, output, std::strerror(errno));
      return s.finish(1);
    }
  }
  // Check the result as `kilnc check` would.
  Options check = o;
  check.model = "model";
  if (imported->keras3) check.kerasVersion = KerasVersion::V3;
  check.kerasVersionGiven = true;  // the saved file's version
  Model *model = evaluate(s, check, s.sources.addBuffer(output == "-" ? "<stdout>" : output, imported->source));
  if (!model) s.diags.report(DiagID::err_import_does_not_compile, SourceRange{}, output);
  else checkImportedMasks(*model, *imported, o.input, s.diags);
  return s.finish(0);
}

}  // namespace
}  // namespace kiln

namespace {

int kilnMain(int argc, char **argv) {
  using namespace kiln;
  std::string error;
  std::optional<Options> options = parseOptions(argc, argv, error);
  if (!options) {
    fmt::print(stderr, "kilnc: error: {}\n", error);
    return 2;
  }
  Options &o = *options;
  if (argc < 2) {  // bare `kilnc`: how to use it, as an error
    fmt::print(stderr, "{}", kUsage);
    return 1;
  }
  if (o.command == Command::Help) {
    fmt::print("{}", kUsage);
    return 0;
  }
  if (o.command == Command::Layers) {
    fmt::print("{}", formatLayerTable());
    return 0;
  }
  if (o.command == Command::Version) {
    fmt::print("kilnc {} (LLVM {})\n", KILN_VERSION, LLVM_VERSION_STRING);
    return 0;
  }

  Session s;
  s.argv0 = argv[0];
  if (o.command == Command::Import) return importModel(s, o);
  uint32_t file = 0;
  Model *model = frontEnd(s, o, file);
  if (o.command == Command::Check) {
    if (o.verify) {
      if (!file) return s.finish(1);
      bool ok = s.diags.verify(stderr, file);
      if (ok) fmt::print("{}: diagnostics as expected\n", o.input);
      return ok ? 0 : 1;
    }
    return s.finish(0);
  }
  if (!model) return s.finish(1);
  if (o.command == Command::Summary || o.command == Command::Graph) {
    s.diags.print(stderr, s.color);
    fmt::print("{}", o.command == Command::Summary ? formatSummary(*model) : formatDot(*model));
    return 0;
  }
  return build(s, o, *model, argv[0]);
}

// The parser, the AST and the evaluator recurse on the nesting of the
// source (1 + 1 + ... is a deep tree): run them on a thread whose stack is
// large enough that no input can exhaust it (the pages are only reserved).
struct Invocation {
  int argc;
  char **argv;
  int status;
};

void *runInvocation(void *arg) {
  auto *inv = static_cast<Invocation *>(arg);
  inv->status = kilnMain(inv->argc, inv->argv);
  return nullptr;
}

}  // namespace

int main(int argc, char **argv) {
  // LLVM installs its signal handlers, with an alternate signal stack from
  // the heap, on first use (writing an archive does). Installed here, they
  // belong to the main thread: AddressSanitizer unmaps a thread's alternate
  // stack when the thread ends, which fails on a heap one. A crash prints a
  // stack trace.
  llvm::sys::PrintStackTraceOnErrorSignal(argv[0]);
  Invocation inv{argc, argv, 1};
  pthread_attr_t attr;
  pthread_t thread;
  if (pthread_attr_init(&attr) == 0 && pthread_attr_setstacksize(&attr, size_t(1) << 30) == 0 &&
      pthread_create(&thread, &attr, runInvocation, &inv) == 0) {
    pthread_join(thread, nullptr);
    return inv.status;
  }
  return kilnMain(argc, argv);  // no thread: run on the main stack
}
