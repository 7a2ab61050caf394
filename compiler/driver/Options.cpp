#include "driver/Options.h"

#include "diagnostics/Suggest.h"

#include <cctype>
#include <charconv>
#include <cstring>

namespace kiln {

const char *const kUsage = R"(kilnc: compiles Keras model definitions (.kiln) to native code

usage:
  kilnc check FILE [--verify]        report diagnostics only
  kilnc summary FILE                 print the model table, as Keras's model.summary()
  kilnc graph FILE                   print the model as a Graphviz DOT graph with shapes
  kilnc build FILE [options]         compile the model
  kilnc import CONFIG [-o OUT.kiln]  write a Keras model (.h5, .keras, model.to_json(),
                                     TensorFlow.js model.json) as a .kiln file
  kilnc layers                       list every layer and its arguments (Markdown)
  kilnc --help | --version

build options:
  -o OUT                 output path (default: FILE without .kiln, plus the emit kind's extension)
  --emit=KIND            exe (default): an executable that reads and writes .npy files
                         obj: an object file OUT, the C header beside it (OUT with .h)
                              and the C++ wrapper (OUT with .hpp)
                         lib: a static library OUT and the headers beside it
                         shared: a shared library OUT and the headers beside it
                         llvm: LLVM IR text; asm: assembly
  --weights FILE         trained weights: Keras's .h5 (model.save, save_weights), .weights.h5,
                         .keras, or a TensorFlow.js model.json (with its shards)
  --init-weights SEED    no trained weights: draw them from the layers' initializers
  --external-weights FILE  write the weights to FILE (checked at load) instead of into
                         the code; an executable looks for FILE beside itself
  -O0 -O1 -O2 -O3        optimization level (default -O2)
  --target TRIPLE        target triple (default: this machine); x86_64, aarch64,
                         armv7 (hard float) or riscv64
  --mcpu CPU             target CPU (default: this machine's, or the target's baseline)
  --cc DRIVER            C compiler driver that links exe and shared (default: cc, or
                         with --target the target's cross gcc, e.g. aarch64-linux-gnu-gcc)
  --name PREFIX          C prefix of the generated functions (default: from OUT)
  --no-fuse              keep activation layers separate, and an Embedding's table apart
                         from the recurrent layer after it (for inspecting IR)
  --winograd             3x3 convolutions of stride 1 with 16 or more input and output
                         channels by Winograd's F(2x2, 3x3): about 1.5x faster; results
                         differ from Keras's by rounding, up to about 1e-6 of the layer's
                         largest output
  --time-phases          print the wall and CPU time of each phase and the peak memory
  --embed-test-vectors DIR
                         build DIR/in<i>.npy, DIR/out<i>.npy and the tolerance in
                         DIR/case.json into the executable, for its --self-test

common options:
  --model NAME           the model to compile when the file defines several
                         (default: the one bound to 'model', else the last one)
  --keras-version 2|3    semantics that changed between Keras versions (default 2;
                         3 for a model file that imports keras.ops)
  --verify               check: compare diagnostics with '# expected-error {{...}}' comments
  -v                     list the statements skipped as not building the model
                         (data loading, training, printing); shown anyway when there are errors
)";

namespace {
bool startsWith(const char *s, const char *prefix) { return std::strncmp(s, prefix, std::strlen(prefix)) == 0; }

bool isCIdentifier(const std::string &s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  return true;
}
}  // namespace

std::optional<Options> parseOptions(int argc, char **argv, std::string &error) {
  Options o;
  if (argc < 2) return o;
  std::string command = argv[1];
  if (command == "--help" || command == "-h" || command == "help") return o;
  if (command == "--version") {
    o.command = Command::Version;
    return o;
  }
  if (command == "layers") {
    o.command = Command::Layers;
    return o;
  }
  if (command == "check") o.command = Command::Check;
  else if (command == "summary") o.command = Command::Summary;
  else if (command == "graph") o.command = Command::Graph;
  else if (command == "build") o.command = Command::Build;
  else if (command == "import") o.command = Command::Import;
  else {
    error = "unknown command '" + command + "'";
    if (auto m = closestMatch(command, {"check", "summary", "graph", "build", "import", "layers"}))
      error += "; did you mean '" + *m + "'?";
    else
      error += "; expected check, summary, graph, build, import or layers (see kilnc --help)";
    return std::nullopt;
  }

  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    // "--flag VALUE" or "--flag=VALUE"
    auto value = [&](const char *flag, std::string &out) {
      std::string f = flag;
      if (a == f) {
        if (i + 1 >= argc) {
          error = "option '" + f + "' needs a value";
          return false;
        }
        out = argv[++i];
        return true;
      }
      if (startsWith(a.c_str(), (f + "=").c_str())) {
        out = a.substr(f.size() + 1);
        return true;
      }
      return false;
    };
    std::string v;
    if (a == "--help" || a == "-h") {
      o.command = Command::Help;
      return o;
    } else if (value("-o", o.output) || value("--model", o.model) || value("--weights", o.weights) ||
               value("--external-weights", o.externalWeights) ||
               value("--target", o.triple) || value("--mcpu", o.cpu) || value("--name", o.prefix) || value("--cc", o.cc) ||
               value("--embed-test-vectors", o.testVectors)) {
    } else if (!error.empty()) {
      return std::nullopt;
    } else if (value("--emit", v)) {
      if (v == "exe") o.emit = EmitKind::Exe;
      else if (v == "obj") o.emit = EmitKind::Obj;
      else if (v == "lib") o.emit = EmitKind::Lib;
      else if (v == "shared") o.emit = EmitKind::Shared;
      else if (v == "llvm") o.emit = EmitKind::LLVM;
      else if (v == "asm") o.emit = EmitKind::Asm;
      else {
        error = "unknown --emit kind '" + v + "'; expected exe, obj, lib, shared, llvm or asm";
        return std::nullopt;
      }
    } else if (value("--init-weights", v)) {
      uint64_t seed = 0;
      auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), seed);
      if (ec != std::errc() || p != v.data() + v.size()) {
        error = "--init-weights needs an integer seed, got '" + v + "'";
        return std::nullopt;
      }
      o.initSeed = seed;
    } else if (value("--keras-version", v)) {
      if (v != "2" && v != "3") {
        error = "--keras-version must be 2 or 3, got '" + v + "'";
        return std::nullopt;
      }
      o.kerasVersion = v == "2" ? KerasVersion::V2 : KerasVersion::V3;
      o.kerasVersionGiven = true;
    } else if (a.size() == 3 && startsWith(a.c_str(), "-O") && a[2] >= '0' && a[2] <= '3') {
      o.optLevel = a[2] - '0';
    } else if (a == "--verify") {
      o.verify = true;
    } else if (a == "--no-fuse") {
      o.fuse = false;
    } else if (a == "--winograd") {
      o.winograd = true;
    } else if (a == "-v" || a == "--verbose") {
      o.verbose = true;
    } else if (a == "--time-phases") {
      o.timePhases = true;
    } else if (!a.empty() && a[0] == '-') {
      if (error.empty()) {
        error = "unknown option '" + a + "'";
        std::string flag = a.substr(0, a.find('='));
        if (auto m = closestMatch(flag, {"-o", "--emit", "--weights", "--init-weights", "--target", "--mcpu", "--name",
                                         "--no-fuse", "--winograd", "--model", "--keras-version", "--verify", "--help", "-v",
                                         "--time-phases"}))
          error += "; did you mean '" + *m + "'?";
      }
      return std::nullopt;
    } else if (o.input.empty()) {
      o.input = a;
    } else {
      error = "more than one input file ('" + o.input + "' and '" + a + "')";
      return std::nullopt;
    }
    if (!error.empty()) return std::nullopt;
  }
  if (o.input.empty()) {
    error = "no input file";
    return std::nullopt;
  }
  if (!o.prefix.empty() && !isCIdentifier(o.prefix)) {
    error = "--name needs a C identifier (letters, digits and '_', not starting with a digit), got '" + o.prefix + "'";
    return std::nullopt;
  }
  if (!o.testVectors.empty() && o.emit != EmitKind::Exe) {
    error = "--embed-test-vectors is for executables (--emit=exe), whose --self-test runs them";
    return std::nullopt;
  }
  if (!o.weights.empty() && o.initSeed) {
    error = "--weights and --init-weights exclude each other";
    return std::nullopt;
  }
  return o;
}

}  // namespace kiln
