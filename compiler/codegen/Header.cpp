#include "codegen/Header.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <vector>

namespace kiln {

namespace {
std::string batchShape(const TensorType &t) {
  std::string s = "(batch";
  for (size_t i = 1; i < t.dims.size(); ++i) s += fmt::format(", {}", t.dims[i]);
  return s + ")";
}

// A C identifier for a tensor name, distinct from the others already taken
// and from the fixed parameters and C's keywords.
std::string identifier(const std::string &name, std::vector<std::string> &taken) {
  static const std::vector<std::string> reserved = {
      "batch", "scratch", "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else",
      "enum", "extern", "float", "for", "goto", "if", "inline", "int", "long", "register", "restrict", "return",
      "short", "signed", "sizeof", "static", "struct", "switch", "typedef", "union", "unsigned", "void", "volatile",
      "while", "bool", "true", "false", "int32_t", "size_t"};
  std::string base;
  for (char c : name) base += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  if (base.empty() || std::isdigit(static_cast<unsigned char>(base[0]))) base = "_" + base;
  std::string id = base;
  auto used = [&](const std::string &s) {
    return std::count(taken.begin(), taken.end(), s) || std::count(reserved.begin(), reserved.end(), s);
  };
  for (int n = 1; used(id); ++n) id = base + "_" + std::to_string(n);
  taken.push_back(id);
  return id;
}

const char *ctype(DType t) { return t == DType::Float32 ? "float" : "int32_t"; }
}  // namespace

std::string generateHeader(const Program &program, const std::string &prefix, const std::string &sourceName) {
  std::string upper;
  for (char c : prefix) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::string h;
  h += fmt::format("/* {}.h: model '{}' compiled by kilnc from {}. Generated; do not edit.\n", prefix,
                   program.modelName, sourceName);
  h += " *\n * Tensors are dense, C-ordered arrays with the batch axis first; the caller\n"
       " * picks the batch size per call.\n *\n * Inputs:\n";
  for (size_t i = 0; i < program.inputs.size(); ++i) {
    const TensorType &t = program.buffers[program.inputs[i]].type;
    h += fmt::format(" *   {:<20} {:<8} {}\n", program.inputNames[i], dtypeName(t.dtype), batchShape(t));
  }
  h += " * Outputs:\n";
  for (size_t i = 0; i < program.outputs.size(); ++i) {
    const TensorType &t = program.buffers[program.outputs[i]].type;
    h += fmt::format(" *   {:<20} {:<8} {}\n", program.outputNames[i], dtypeName(t.dtype), batchShape(t));
  }
  h += " */\n";
  h += fmt::format("#ifndef KILN_MODEL_{0}_H\n#define KILN_MODEL_{0}_H\n\n", upper);
  h += "#include <stddef.h>\n#include <stdint.h>\n\n#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n";
  h += fmt::format("enum {{\n  {0}_NUM_INPUTS = {1},\n  {0}_NUM_OUTPUTS = {2},\n  {0}_SCRATCH_ALIGNMENT = 64\n}};\n\n",
                   upper, program.inputs.size(), program.outputs.size());
  auto sizes = [&](const std::vector<int> &ids, const std::vector<std::string> &names, const char *kind) {
    for (size_t i = 0; i < ids.size(); ++i)
      h += fmt::format("/* Elements of one sample of {} '{}'. */\n#define {}_{}_{}_SAMPLE_SIZE {}\n", kind, names[i],
                       upper, kind[0] == 'i' ? "IN" : "OUT", i, program.buffers[ids[i]].type.sampleElements());
  };
  sizes(program.inputs, program.inputNames, "input");
  sizes(program.outputs, program.outputNames, "output");
  h += fmt::format(
      "\n/* Bytes of scratch memory {0}_run needs for `batch` samples. The caller owns\n"
      " * it: allocate it once (aligned to {1}_SCRATCH_ALIGNMENT bytes) and reuse it.\n"
      " * Calls on different threads need different scratch. */\n"
      "size_t {0}_scratch_size(size_t batch);\n\n",
      prefix, upper);
  h += fmt::format(
      "/* Runs the model on `batch` samples. Reentrant: no global state and no\n"
      " * allocation; all intermediate tensors live in `scratch`. Returns 0. */\nint {}_run(size_t batch", prefix);
  std::vector<std::string> taken;
  for (size_t i = 0; i < program.inputs.size(); ++i)
    h += fmt::format(",\n    const {} *{}", ctype(program.buffers[program.inputs[i]].type.dtype),
                     identifier(program.inputNames[i], taken));
  for (size_t i = 0; i < program.outputs.size(); ++i)
    h += fmt::format(",\n    {} *{}", ctype(program.buffers[program.outputs[i]].type.dtype),
                     identifier(program.outputNames[i], taken));
  h += ",\n    void *scratch);\n\n#ifdef __cplusplus\n}\n#endif\n\n";
  h += fmt::format("#endif /* KILN_MODEL_{}_H */\n", upper);
  return h;
}

}  // namespace kiln
