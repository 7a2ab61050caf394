#include "codegen/Header.h"

#include <fmt/format.h>

#include <cctype>

namespace kiln {

namespace {

using Role = EntryParam::Role;

std::string upperCase(const std::string &s) {
  std::string u;
  for (char c : s) u += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return u;
}

std::string batchShape(const TensorType &t) {
  std::string s = "(batch";
  for (size_t i = 1; i < t.dims.size(); ++i) s += fmt::format(", {}", t.dims[i]);
  return s + ")";
}

// "const float *x", "int64_t batch"
std::string declaration(const std::string &type, const std::string &name) {
  return type + (type.back() == '*' ? "" : " ") + name;
}

// The parameters as a list: "int64_t batch, const float *x" (declare) or
// "batch, x" (pass); `separator` goes between them.
template <class Map>
std::string join(const std::vector<EntryParam> &params, const char *separator, Map map) {
  std::string s;
  for (const EntryParam &p : params) {
    std::string item = map(p);
    if (item.empty()) continue;
    if (!s.empty()) s += separator;
    s += item;
  }
  return s;
}

// What a tensor parameter stands for: its buffer, model-level name and the
// macro holding its sample size.
struct TensorParam {
  const TensorType &type;
  const std::string &kerasName;
  std::string sampleSize;
};

TensorParam tensorOf(const Program &program, const EntryParam &p, const std::string &upper) {
  bool input = p.role == Role::Input;
  const std::vector<int> &ids = input ? program.inputs : program.outputs;
  const std::vector<std::string> &names = input ? program.inputNames : program.outputNames;
  return {program.buffers[ids[p.index]].type, names[p.index],
          fmt::format("{}_{}_{}_SAMPLE_SIZE", upper, input ? "IN" : "OUT", p.index)};
}

bool isTensor(const EntryParam &p) { return p.role == Role::Input || p.role == Role::Output; }

}  // namespace

std::string generateHeader(const Program &program, const EntryPoint &entry, const HeaderNames &names) {
  const std::string &p = names.prefix;
  std::string upper = upperCase(p);
  std::string h = fmt::format("/* {}: model '{}' compiled by kilnc from {}. Generated; do not edit.\n", names.cHeader,
                              program.modelName, names.sourceName);
  h += " *\n"
       " * The model's C interface, for C99 and C++. Tensors are dense, C-ordered\n"
       " * arrays with the batch axis first; the caller picks the batch size per call.\n";
  auto tensorList = [&](Role role, const char *title) {
    h += fmt::format(" * {}:\n", title);
    for (const EntryParam &param : entry.run) {
      if (param.role != role) continue;
      TensorParam t = tensorOf(program, param, upper);
      h += fmt::format(" *   {:<20} {:<8} {:<20} '{}'\n", param.name, dtypeName(t.type.dtype), batchShape(t.type),
                       t.kerasName);
    }
  };
  h += fmt::format(" *\n * The tensors in the order of {}_run's parameters (parameter, dtype, shape,\n * Keras name):\n", p);
  tensorList(Role::Input, "Inputs");
  tensorList(Role::Output, "Outputs");
  h += fmt::format(
      " *\n"
      " * Memory belongs to the caller; {0}_run allocates nothing and keeps no state:\n"
      " *   scratch  {0}_scratch_size(batch) bytes aligned to {1}_SCRATCH_ALIGNMENT;\n"
      " *            threads running the model at the same time each need their own\n"
      " *   inputs and outputs  batch times their sample size ({1}_IN_<i>_SAMPLE_SIZE,\n"
      " *            {1}_OUT_<i>_SAMPLE_SIZE) elements, aligned to their element type;\n"
      " *            an output overlaps no other region\n"
      " *   weights  constants inside the compiled code\n"
      " */\n",
      p, upper);
  h += fmt::format("#ifndef KILN_MODEL_{0}_H\n#define KILN_MODEL_{0}_H\n\n", upper);
  h += "#include <stddef.h>\n#include <stdint.h>\n#ifndef KILN_NO_ALLOC\n#include <stdlib.h>\n#endif\n\n"
       "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n";
  h += fmt::format("enum {{\n  {0}_NUM_INPUTS = {1},\n  {0}_NUM_OUTPUTS = {2},\n  {0}_SCRATCH_ALIGNMENT = 64\n}};\n\n",
                   upper, program.inputs.size(), program.outputs.size());
  h += fmt::format("/* Return values of {0}_run and {0}_model_run. */\n"
                   "enum {{\n  {1}_OK = 0,\n  {1}_ERR_BATCH = 1,     /* batch < 0, or more than the scratch holds */\n"
                   "  {1}_ERR_NO_MEMORY = 2  /* {0}_model_init: no memory for the scratch */\n}};\n\n",
                   p, upper);
  for (const EntryParam &param : entry.run) {
    if (!isTensor(param)) continue;
    TensorParam t = tensorOf(program, param, upper);
    h += fmt::format("/* Elements of one sample of {} '{}'. */\n#define {} {}\n",
                     param.role == Role::Input ? "input" : "output", t.kerasName, t.sampleSize,
                     t.type.sampleElements());
  }

  auto declare = [](const EntryParam &x) { return declaration(x.cType, x.name); };
  auto pass = [](const EntryParam &x) { return x.name; };
  std::string sizeParams = join(entry.scratchSize, ", ", declare);
  std::string runParams = join(entry.run, ",\n    ", declare);
  h += fmt::format(
      "\n/* Bytes of scratch memory {0}_run needs for `batch` samples; -1 if batch is\n"
      " * negative or the size does not fit in int64_t. */\n"
      "int64_t {0}_scratch_size({1});\n\n"
      "/* Runs the model on `batch` samples: reentrant, no global state, no\n"
      " * allocation; all intermediate tensors live in `scratch`. Returns {2}_OK,\n"
      " * or {2}_ERR_BATCH for a negative batch. */\n"
      "int {0}_run({3});\n\n",
      p, sizeParams, upper, runParams);

  // The convenience functions: scratch allocated once, for calls of up to
  // the sizes given to init.
  auto runWithoutScratch = [](const EntryParam &x) { return x.role == Role::Scratch ? std::string() : declaration(x.cType, x.name); };
  auto passScratch = [](const EntryParam &x) { return x.role == Role::Scratch ? std::string("model->scratch") : x.name; };
  h += fmt::format(
      "#ifndef KILN_NO_ALLOC\n"
      "/* Convenience functions over the above: {0}_model_init allocates scratch\n"
      " * memory once (with malloc) for calls of up to the batch size it is given,\n"
      " * {0}_model_run uses it, {0}_model_free releases it. One {0}_model serves\n"
      " * one thread at a time. Define KILN_NO_ALLOC before including this header\n"
      " * to leave them out. */\n"
      "typedef struct {0}_model {{\n"
      "  void *scratch;         /* aligned to {1}_SCRATCH_ALIGNMENT */\n"
      "  int64_t scratch_size;  /* bytes */\n"
      "  void *allocation;      /* what malloc returned */\n"
      "}} {0}_model;\n\n"
      "/* Returns {1}_OK, {1}_ERR_BATCH or {1}_ERR_NO_MEMORY. */\n"
      "static inline int {0}_model_init({0}_model *model, {2}) {{\n"
      "  int64_t bytes = {0}_scratch_size({3});\n"
      "  model->scratch = model->allocation = NULL;\n"
      "  model->scratch_size = 0;\n"
      "  if (bytes < 0) return {1}_ERR_BATCH;\n"
      "  if ((uint64_t)bytes > (uint64_t)(SIZE_MAX - {1}_SCRATCH_ALIGNMENT)) return {1}_ERR_NO_MEMORY;\n"
      "  model->allocation = malloc((size_t)bytes + {1}_SCRATCH_ALIGNMENT);\n"
      "  if (!model->allocation) return {1}_ERR_NO_MEMORY;\n"
      "  model->scratch = (void *)(((uintptr_t)model->allocation + {1}_SCRATCH_ALIGNMENT - 1) &\n"
      "                            ~(uintptr_t)({1}_SCRATCH_ALIGNMENT - 1));\n"
      "  model->scratch_size = bytes;\n"
      "  return {1}_OK;\n"
      "}}\n\n"
      "/* {0}_run with the model's scratch; {1}_ERR_BATCH if the call needs more. */\n"
      "static inline int {0}_model_run({0}_model *model,\n    {4}) {{\n"
      "  if ({0}_scratch_size({3}) < 0 || {0}_scratch_size({3}) > model->scratch_size) return {1}_ERR_BATCH;\n"
      "  return {0}_run({5});\n"
      "}}\n\n"
      "static inline void {0}_model_free({0}_model *model) {{\n"
      "  free(model->allocation);\n"
      "  model->scratch = model->allocation = NULL;\n"
      "  model->scratch_size = 0;\n"
      "}}\n"
      "#endif /* KILN_NO_ALLOC */\n\n",
      p, upper, sizeParams, join(entry.scratchSize, ", ", pass), join(entry.run, ",\n    ", runWithoutScratch),
      join(entry.run, ", ", passScratch));
  h += "#ifdef __cplusplus\n}\n#endif\n\n";
  h += fmt::format("#endif /* KILN_MODEL_{}_H */\n", upper);
  return h;
}

std::string generateCxxHeader(const Program &program, const EntryPoint &entry, const HeaderNames &names) {
  const std::string &p = names.prefix;
  std::string upper = upperCase(p);
  std::string h = fmt::format(
      "// {0}.hpp: the C++ interface of model '{1}' (see {2}). Generated; do not edit.\n"
      "// Needs C++17 and kiln/model.hpp (installed with Kiln's runtime headers).\n"
      "#ifndef KILN_MODEL_{3}_HPP\n#define KILN_MODEL_{3}_HPP\n\n"
      "#include \"{2}\"\n\n#include <kiln/model.hpp>\n\n"
      "namespace kiln::models {{\n\n",
      p, program.modelName, names.cHeader, upper);

  // Tensors as spans; the scratch is the object's own.
  auto declare = [&](const EntryParam &x) -> std::string {
    switch (x.role) {
    case Role::Batch: return declaration(x.cType, x.name);
    case Role::Input:
    case Role::Output: {
      const char *element = cElementType(tensorOf(program, x, upper).type.dtype);
      return fmt::format("kiln::span<{}{}> {}", x.role == Role::Input ? "const " : "", element, x.name);
    }
    case Role::Scratch: return "";
    }
    return "";
  };
  auto pass = [](const EntryParam &x) -> std::string {
    switch (x.role) {
    case Role::Batch: return x.name;
    case Role::Input:
    case Role::Output: return x.name + ".data()";
    case Role::Scratch: return "";
    }
    return "";
  };
  std::string sizeChecks;
  for (const EntryParam &x : entry.run) {
    if (!isTensor(x)) continue;
    if (!sizeChecks.empty()) sizeChecks += " ||\n        ";
    sizeChecks += fmt::format("!kiln::detail::holds({}, batch, {})", x.name, tensorOf(program, x, upper).sampleSize);
  }

  auto declareSize = [](const EntryParam &x) { return declaration(x.cType, x.name); };
  auto passSize = [](const EntryParam &x) { return x.name; };
  h += fmt::format(
      "// The model with its scratch memory, allocated once for calls of up to the\n"
      "// batch size given to the constructor. Movable, not copyable; one object\n"
      "// serves one thread at a time (give each thread its own).\n"
      "class {0} {{\npublic:\n"
      "  static constexpr int num_inputs = {1}_NUM_INPUTS;\n"
      "  static constexpr int num_outputs = {1}_NUM_OUTPUTS;\n\n"
      "  // Allocates the scratch. On failure throws kiln::error or, when built\n"
      "  // without exceptions, leaves ok() false.\n"
      "  explicit {0}({2}) {{\n"
      "    kiln::detail::report(static_cast<kiln::status>({0}_model_init(&model_, {3})));\n"
      "  }}\n"
      "  ~{0}() {{ {0}_model_free(&model_); }}\n"
      "  {0}({0} &&other) noexcept : model_(other.model_) {{ other.model_ = {0}_model(); }}\n"
      "  {0} &operator=({0} &&other) noexcept {{\n"
      "    if (this != &other) {{\n"
      "      {0}_model_free(&model_);\n"
      "      model_ = other.model_;\n"
      "      other.model_ = {0}_model();\n"
      "    }}\n"
      "    return *this;\n"
      "  }}\n"
      "  {0}(const {0} &) = delete;\n"
      "  {0} &operator=(const {0} &) = delete;\n\n"
      "  bool ok() const {{ return model_.scratch != nullptr; }}\n\n"
      "  // Runs the model on `batch` samples; every span holds at least batch times\n"
      "  // its sample size elements. Returns kiln::status::ok; on an error throws\n"
      "  // kiln::error or, when built without exceptions, returns it.\n"
      "  kiln::status run({4}) {{\n"
      "    if (batch < 0) return kiln::detail::report(kiln::status::bad_batch);\n"
      "    if ({5})\n"
      "      return kiln::detail::report(kiln::status::bad_size);\n"
      "    return kiln::detail::report(static_cast<kiln::status>({0}_model_run(&model_, {6})));\n"
      "  }}\n\n"
      "private:\n  {0}_model model_ = {0}_model();\n}};\n\n"
      "}}  // namespace kiln::models\n\n#endif  // KILN_MODEL_{1}_HPP\n",
      p, upper, join(entry.scratchSize, ", ", declareSize), join(entry.scratchSize, ", ", passSize),
      join(entry.run, ",\n                   ", declare), sizeChecks, join(entry.run, ", ", pass));
  return h;
}

}  // namespace kiln
