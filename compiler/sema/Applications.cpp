// keras.applications from Kiln's library: each architecture is a .kiln file
// written as Keras writes it (library/keras/applications/resnet.kiln, ...,
// installed in share/kiln/library beside kilnc). A library module runs once,
// on first use, in globals of its own; the user's code reaches its functions
// by import (from keras.applications import ResNet50), by attribute
// (keras.applications.resnet.ResNet50) or by the bare name. What goes wrong
// inside the library is reported at the user's call into it.
#include "sema/Evaluator.h"

#include "support/Files.h"
#include "syntax/Parser.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

namespace kiln {

namespace {

constexpr const char *kApplications = "keras/applications";
constexpr uint64_t kMaxLibraryFileBytes = uint64_t(1) << 20;

// The names a library module exports, as Python's `__all__` lists them:
// keras.applications.ResNet50 looks for them (ResNet, the builder the
// ResNets share, is reached only as keras.applications.resnet.ResNet).
std::vector<std::string> exported(const Scope &globals) {
  std::vector<std::string> names;
  auto all = globals.names.find("__all__");
  if (all != globals.names.end() && (all->second.is(ValueKind::List) || all->second.is(ValueKind::Tuple)))
    for (const Value &name : all->second.items)
      if (name.is(ValueKind::Str)) names.push_back(name.text);
  return names;
}

// The modules of keras.applications in the library, by name.
std::vector<std::string> moduleStems(const std::string &libraryDir) {
  std::vector<std::string> stems;
  if (libraryDir.empty()) return stems;
  std::error_code ec;
  for (const auto &entry : std::filesystem::directory_iterator(libraryDir + "/" + kApplications, ec))
    if (entry.path().extension() == ".kiln") stems.push_back(entry.path().stem().string());
  std::sort(stems.begin(), stems.end());
  return stems;
}

}  // namespace

Scope *Evaluator::libraryModule(const std::string &stem) {
  if (auto it = libraryModules_.find(stem); it != libraryModules_.end()) return it->second.globals.get();
  LibraryModule &module = libraryModules_[stem];  // registered first: a module that imports itself finds it
  if (options_.libraryDir.empty() || !options_.sources || stem.empty() || stem[0] == '.' ||
      stem.find('/') != std::string::npos)
    return nullptr;
  std::string path = options_.libraryDir + "/" + kApplications + "/" + stem + ".kiln";
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return nullptr;
  std::string error;
  std::optional<std::string> text = readWholeFile(path, kMaxLibraryFileBytes, "a library file", error);
  if (!text) {
    diags_.report(DiagID::err_cannot_open, SourceRange{}, path, error);
    return nullptr;
  }
  uint32_t file = options_.sources->addBuffer(path, std::move(*text));
  libraryFiles_.insert(file);
  std::optional<ast::Module> parsed = parseFile(*options_.sources, file, diags_);
  if (!parsed) return nullptr;
  module.ast = std::make_unique<ast::Module>(std::move(*parsed));
  auto globals = std::make_unique<Scope>();
  globals->library = true;

  // The module's top level runs outside any call, as Python imports it.
  Scope *outerScope = scope_;
  std::vector<Frame> outerFrames = std::move(frames_);
  int outerLoops = loopDepth_;
  frames_.clear();
  scope_ = globals.get();
  loopDepth_ = 0;
  execBlock(module.ast->statements);
  scope_ = outerScope;
  frames_ = std::move(outerFrames);
  loopDepth_ = outerLoops;
  module.globals = std::move(globals);
  return module.globals.get();
}

std::optional<Value> Evaluator::libraryMember(const std::string &module, const std::string &name, SourceRange range) {
  auto member = [&](Scope *globals, bool onlyExported) -> std::optional<Value> {
    if (!globals) return std::nullopt;
    if (onlyExported) {
      std::vector<std::string> names = exported(*globals);
      if (std::find(names.begin(), names.end(), name) == names.end()) return std::nullopt;
    }
    auto it = globals->names.find(name);
    if (it == globals->names.end()) return std::nullopt;
    Value v = it->second;
    v.range = range;
    return v;
  };
  // keras.applications.resnet_v2: a library module.
  if (libraryModule(name)) {
    Value v = Value::make(ValueKind::Module, range);
    v.text = module + "." + name;
    return v;
  }
  // keras.applications.resnet.ResNet101: the module of that name.
  if (module != "keras.applications")
    if (auto v = member(libraryModule(module.substr(module.rfind('.') + 1)), false)) return v;
  // keras.applications.ResNet50, or a submodule the library has no file for
  // (keras.applications.resnet50): any module's application of that name.
  if (options_.libraryDir.empty() || name.empty() || !std::isupper(static_cast<unsigned char>(name[0])))
    return std::nullopt;
  for (const std::string &stem : moduleStems(options_.libraryDir))
    if (auto v = member(libraryModule(stem), true)) return v;
  return std::nullopt;
}

std::vector<std::string> Evaluator::libraryApplications() {
  std::vector<std::string> names;
  for (const std::string &stem : moduleStems(options_.libraryDir))
    if (Scope *globals = libraryModule(stem))
      for (std::string &name : exported(*globals)) names.push_back(std::move(name));
  return names;
}

std::optional<size_t> Evaluator::libraryEntry() const {
  for (size_t i = frames_.size(); i-- > 0;)
    if (!inLibrary(frames_[i].call)) return i;
  return std::nullopt;
}

// An error or warning from library code is the user's call's: it is shown
// there, with a note at the line of the library; the calls that led to it
// follow as notes, like a C++ compiler's "in instantiation of".
void Evaluator::addCallNotes(Diagnostic &d) {
  size_t shownFrom = frames_.size();
  if (inLibrary(d.range)) {
    if (std::optional<size_t> entry = libraryEntry()) {
      SourceRange inside = d.range;
      d.range = frames_[*entry].call;
      d.note(DiagID::note_in_library, inside, functionName(*frames_[*entry].function));
      shownFrom = *entry;
    }
  }
  constexpr size_t kShown = 8;
  for (size_t i = 0; i < shownFrom && i < kShown; ++i) {
    const Frame &f = frames_[shownFrom - 1 - i];
    d.note(DiagID::note_in_call, f.call, functionName(*f.function));
  }
  if (shownFrom > kShown) d.note(DiagID::note_more_calls, frames_.front().call, shownFrom - kShown);
}

Value Evaluator::libraryLoadWeights(CallSite &call) {
  std::optional<size_t> entry = libraryEntry();
  if (call.args.size() == 1 && call.args[0].value.is(ValueKind::Str) && entry)
    diags_.report(DiagID::note_application_weights, frames_[*entry].call, functionName(*frames_[*entry].function),
                  call.args[0].value.text);
  return Value::none(call.range);
}

}  // namespace kiln
