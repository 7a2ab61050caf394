#include "codegen/EntryPoint.h"

#include <algorithm>
#include <cctype>

namespace kiln {

namespace {

// Names a parameter may not take: C and C++ keywords, names the standard
// headers define as macros or types, and the names the generated functions
// use besides their parameters.
bool reserved(const std::string &s) {
  static const char *const words[] = {
      // C
      "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else", "enum", "extern",
      "float", "for", "goto", "if", "inline", "int", "long", "register", "restrict", "return", "short", "signed",
      "sizeof", "static", "struct", "switch", "typedef", "union", "unsigned", "void", "volatile", "while",
      // C++
      "alignas", "alignof", "and", "and_eq", "asm", "bitand", "bitor", "bool", "catch", "char8_t", "char16_t",
      "char32_t", "class", "compl", "concept", "consteval", "constexpr", "constinit", "const_cast", "co_await",
      "co_return", "co_yield", "decltype", "delete", "dynamic_cast", "explicit", "export", "false", "friend",
      "mutable", "namespace", "new", "noexcept", "not", "not_eq", "nullptr", "operator", "or", "or_eq", "private",
      "protected", "public", "reinterpret_cast", "requires", "static_assert", "static_cast", "template", "this",
      "thread_local", "throw", "true", "try", "typeid", "typename", "using", "virtual", "wchar_t", "xor", "xor_eq",
      // the standard library's macros and types
      "NULL", "assert", "errno", "offsetof", "stdin", "stdout", "stderr", "int32_t", "int64_t", "size_t",
      "uintptr_t", "uint64_t",
      // the generated functions' own names
      "batch", "weights", "scratch", "parallel", "model", "model_", "kiln_parallel", "kiln_task"};
  return std::any_of(std::begin(words), std::end(words), [&](const char *w) { return s == w; });
}

// A C identifier for a tensor name, distinct from those already taken.
std::string identifier(const std::string &name, std::vector<std::string> &taken) {
  // Other characters become '_', never two in a row ("__" is reserved in C++).
  std::string base;
  for (char c : name) {
    char k = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
    if (k != '_' || base.empty() || base.back() != '_') base += k;
  }
  // No leading digit, and not in the implementation's namespace (_X).
  if (base.empty() || std::isdigit(static_cast<unsigned char>(base[0]))) base = "t_" + base;
  else if (base[0] == '_') base = "t" + base;
  std::string id = base;
  auto used = [&](const std::string &s) { return reserved(s) || std::count(taken.begin(), taken.end(), s); };
  std::string separator = base.back() == '_' ? "" : "_";
  for (int n = 1; used(id); ++n) id = base + separator + std::to_string(n);
  taken.push_back(id);
  return id;
}

}  // namespace

const char *cElementType(DType dtype) { return dtype == DType::Float32 ? "float" : "int32_t"; }

namespace {
size_t position(const std::vector<EntryParam> &params, EntryParam::Role role, int index) {
  for (size_t i = 0; i < params.size(); ++i)
    if (params[i].role == role && params[i].index == index) return i;
  return params.size();
}
}  // namespace

size_t EntryPoint::runPosition(EntryParam::Role role, int index) const { return position(run, role, index); }

size_t EntryPoint::scratchSizePosition(EntryParam::Role role) const { return position(scratchSize, role, -1); }

EntryPoint describeEntryPoint(const Program &program, bool externalWeights) {
  using Role = EntryParam::Role;
  EntryPoint e;
  EntryParam batch{Role::Batch, "batch", "int64_t"};
  e.scratchSize.push_back(batch);
  e.run.push_back(batch);
  std::vector<std::string> taken;
  for (size_t i = 0; i < program.openAxes.size(); ++i) {
    EntryParam axis{Role::Axis, identifier(program.openAxes[i].name, taken), "int64_t", static_cast<int>(i)};
    e.scratchSize.push_back(axis);
    e.run.push_back(axis);
  }
  for (size_t i = 0; i < program.inputs.size(); ++i)
    e.run.push_back({Role::Input, identifier(program.inputNames[i], taken),
                     std::string("const ") + cElementType(program.buffers[program.inputs[i]].type.dtype) + " *",
                     static_cast<int>(i)});
  for (size_t i = 0; i < program.outputs.size(); ++i)
    e.run.push_back({Role::Output, identifier(program.outputNames[i], taken),
                     std::string(cElementType(program.buffers[program.outputs[i]].type.dtype)) + " *",
                     static_cast<int>(i)});
  if (externalWeights) e.run.push_back({Role::Weights, "weights", "const void *"});
  e.run.push_back({Role::Scratch, "scratch", "void *"});
  EntryParam parallel{Role::Parallel, "parallel", "const kiln_parallel *"};
  e.scratchSize.push_back(parallel);
  e.run.push_back(parallel);
  return e;
}

std::vector<std::string> apiSymbols(const std::string &prefix, bool externalWeights) {
  std::vector<std::string> symbols{prefix + "_run", prefix + "_scratch_size"};
  if (externalWeights) symbols.push_back(prefix + "_weights_check");
  return symbols;
}

}  // namespace kiln
