#include "codegen/Header.h"

#include "diagnostics/Utf8.h"
#include "kiln_weights.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace kiln {

namespace {

using Role = EntryParam::Role;

std::string upperCase(const std::string &s) {
  std::string u;
  for (char c : s) u += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return u;
}

// A name (which may hold any character) as it can stand in a comment: on one
// line, control characters spelled out, and no "*/" or "/*" that would end
// the comment early or nest one.
std::string commentText(std::string_view name) {
  std::string text = printable(name), out;
  for (size_t i = 0; i < text.size(); ++i) {
    out += text[i];
    if (i + 1 < text.size() && (text[i] == '*' || text[i] == '/') && text[i + 1] == (text[i] == '*' ? '/' : '*'))
      out += '\\';
  }
  return out;
}

// The C names of the open axes, by Dim::axis id: their parameter names.
std::vector<std::string> axisNames(const Program &program, const EntryPoint &entry) {
  std::vector<std::string> names;
  for (const EntryParam &p : entry.run) {
    if (p.role != Role::Axis) continue;
    int id = program.openAxes[p.index].id;
    names.resize(std::max<size_t>(names.size(), id + 1));
    names[id] = p.name;
  }
  return names;
}

std::string batchShape(const TensorType &t, const std::vector<std::string> &axes) {
  std::string s = "(batch";
  for (size_t i = 1; i < t.dims.size(); ++i) s += ", " + t.dims[i].expression(axes);
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

// The sample size macro: a constant, or with open axes a function-like
// macro of every axis (sampleSize is then the call with the axes'
// parameter names, ready to use inside the generated functions).
TensorParam tensorOf(const Program &program, const EntryPoint &entry, const EntryParam &p, const std::string &upper) {
  bool input = p.role == Role::Input;
  const std::vector<int> &ids = input ? program.inputs : program.outputs;
  const std::vector<std::string> &names = input ? program.inputNames : program.outputNames;
  std::string macro = fmt::format("{}_{}_{}_SAMPLE_SIZE", upper, input ? "IN" : "OUT", p.index);
  std::string axes;
  for (const EntryParam &x : entry.run)
    if (x.role == Role::Axis) axes += (axes.empty() ? "" : ", ") + x.name;
  if (!axes.empty()) macro += "(" + axes + ")";
  return {program.buffers[ids[p.index]].type, names[p.index], macro};
}

bool isTensor(const EntryParam &p) { return p.role == Role::Input || p.role == Role::Output; }

bool hasWeights(const EntryPoint &entry) {
  return std::any_of(entry.run.begin(), entry.run.end(), [](const EntryParam &p) { return p.role == Role::Weights; });
}

// The parallel-for type, the same text as in kiln_rt.h: either header may
// come first.
const char *parallelType() {
  return "#ifndef KILN_PARALLEL_DEFINED\n"
         "#define KILN_PARALLEL_DEFINED\n"
         "/* A parallel-for the caller lends to a run: parallel_for(context, task,\n"
         " * task_context, count) calls task(task_context, i, thread) once for every i\n"
         " * in [0, count), on up to `threads` threads at once, and returns when all\n"
         " * calls have returned. `thread` is in [0, threads), and no two calls that\n"
         " * run at the same time get the same one. libkiln_rt's kiln_pool is one. */\n"
         "typedef void (*kiln_task)(void *task_context, int64_t index, int32_t thread);\n"
         "typedef struct kiln_parallel {\n"
         "  void (*parallel_for)(void *context, kiln_task task, void *task_context, int64_t count);\n"
         "  void *context;\n"
         "  int32_t threads;\n"
         "} kiln_parallel;\n"
         "#endif\n\n";
}

}  // namespace

std::string generateHeader(const Program &program, const EntryPoint &entry, const HeaderNames &names) {
  const std::string &p = names.prefix;
  std::string upper = upperCase(p);
  std::string h = fmt::format("/* {}: model '{}' compiled by kilnc from {}. Generated; do not edit.\n", names.cHeader,
                              commentText(program.modelName), commentText(names.sourceName));
  h += " *\n"
       " * The model's C interface, for C99 and C++. Tensors are dense, C-ordered\n"
       " * arrays with the batch axis first; the caller picks the batch size per call.\n";
  std::vector<std::string> axes = axisNames(program, entry);
  auto tensorList = [&](Role role, const char *title) {
    h += fmt::format(" * {}:\n", title);
    for (const EntryParam &param : entry.run) {
      if (param.role != role) continue;
      TensorParam t = tensorOf(program, entry, param, upper);
      h += fmt::format(" *   {:<20} {:<8} {:<20} '{}'\n", param.name, dtypeName(t.type.dtype), batchShape(t.type, axes),
                       commentText(t.kerasName));
    }
  };
  h += fmt::format(" *\n * The tensors in the order of {}_run's parameters (parameter, dtype, shape,\n * Keras name):\n", p);
  tensorList(Role::Input, "Inputs");
  tensorList(Role::Output, "Outputs");
  if (!program.openAxes.empty()) {
    h += fmt::format(" *\n * Open axes (None in Keras): sized per call, passed after batch to {0}_run\n"
                     " * and {0}_scratch_size; every size at least 1. Shapes above use their names\n"
                     " * ('/' rounds down, as the sizes are positive).\n", p);
    for (const EntryParam &param : entry.run) {
      if (param.role != Role::Axis) continue;
      const OpenAxis &a = program.openAxes[param.index];
      h += fmt::format(" *   {:<20} axis {} of input '{}'\n", param.name, a.axis, program.inputNames[a.input]);
    }
  }
  h += fmt::format(
      " *\n"
      " * Memory belongs to the caller; {0}_run allocates nothing and keeps no state:\n"
      " *   scratch  {0}_scratch_size({3}) bytes{4}aligned to {1}_SCRATCH_ALIGNMENT;\n"
      " *            threads running the model at the same time each need their own\n"
      " *   inputs and outputs  batch times their sample size ({1}_IN_<i>_SAMPLE_SIZE,\n"
      " *            {1}_OUT_<i>_SAMPLE_SIZE) elements, aligned to their element type;\n"
      " *            an output overlaps no other region\n"
      " *   weights  {2}\n"
      " */\n",
      p, upper,
      hasWeights(entry) ? "the bytes of the weights file kilnc wrote (--external-weights),\n"
                          " *            64-byte aligned (mmap gives that), accepted by\n"
                          " *            " + p + "_weights_check; read only, shared by all threads"
                        : "constants inside the compiled code",
      join(entry.scratchSize, ", ", [](const EntryParam &x) { return x.name; }),
      program.openAxes.empty() ? " " : ",\n *            ");
  h += fmt::format("#ifndef KILN_MODEL_{0}_H\n#define KILN_MODEL_{0}_H\n\n", upper);
  h += "#include <stddef.h>\n#include <stdint.h>\n#ifndef KILN_NO_ALLOC\n#include <stdlib.h>\n#endif\n\n"
       "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n";
  h += parallelType();
  h += fmt::format("enum {{\n  {0}_NUM_INPUTS = {1},\n  {0}_NUM_OUTPUTS = {2},\n  {0}_SCRATCH_ALIGNMENT = 64\n}};\n\n",
                   upper, program.inputs.size(), program.outputs.size());
  // The codes this model can return, as <prefix>_run's comments name them.
  std::vector<std::string> codes = {upper + "_OK = 0,",
                                    upper + "_ERR_BATCH = 1,     /* batch < 0, or more than the scratch holds */",
                                    upper + "_ERR_NO_MEMORY = 2, /* " + p + "_model_init: no memory for the scratch */"};
  if (hasWeights(entry))
    codes.push_back(upper + "_ERR_WEIGHTS = 4,   /* " + p + "_model_init: the weights fail " + p + "_weights_check */");
  if (!program.openAxes.empty())
    codes.push_back(upper + "_ERR_AXES = 5,      /* open axes sized below 1, too small for a window,\n"
                            "                             or unequal where a merge needs them equal */");
  // No comma after the last code; its comment stays.
  std::string &last = codes.back();
  if (size_t comma = last.find(','); comma != std::string::npos) last[comma] = ' ';
  h += fmt::format("/* Return values of {0}_run and {0}_model_run. */\nenum {{\n", p);
  for (const std::string &code : codes) h += "  " + code + "\n";
  h += "};\n\n";
  for (const EntryParam &param : entry.run) {
    if (!isTensor(param)) continue;
    TensorParam t = tensorOf(program, entry, param, upper);
    Dim size = t.type.sampleSize();
    std::vector<std::string> parameters;  // the macro's: parenthesized
    for (const std::string &a : axes) parameters.push_back("(" + a + ")");
    h += fmt::format("/* Elements of one sample of {} '{}'. */\n#define {} {}\n",
                     param.role == Role::Input ? "input" : "output", commentText(t.kerasName), t.sampleSize,
                     size.known() ? std::to_string(size.value()) : "((int64_t)(" + size.expression(parameters) + "))");
  }

  auto declare = [](const EntryParam &x) { return declaration(x.cType, x.name); };
  auto pass = [](const EntryParam &x) { return x.name; };
  std::string sizeParams = join(entry.scratchSize, ", ", declare);
  std::string runParams = join(entry.run, ",\n    ", declare);
  bool open = !program.openAxes.empty();
  h += fmt::format(
      "\n/* Bytes of scratch memory {0}_run needs for `batch` samples on the threads\n"
      " * of `parallel` (NULL: the calling thread only); -1 if batch is negative{4}\n"
      " * or the size does not fit in int64_t. */\n"
      "int64_t {0}_scratch_size({1});\n\n"
      "/* Runs the model on `batch` samples, splitting the work over the threads of\n"
      " * `parallel` (NULL: all on the calling thread): reentrant, no global state,\n"
      " * no allocation; all intermediate tensors live in `scratch`. Returns {2}_OK{5}. */\n"
      "int {0}_run({3});\n\n",
      p, sizeParams, upper, runParams, open ? ", the open axes' sizes are ones the model\n * cannot take," : "",
      open ? ",\n * " + upper + "_ERR_BATCH for a negative batch, or " + upper + "_ERR_AXES"
           : " or " + upper + "_ERR_BATCH for a negative batch");
  if (hasWeights(entry))
    h += fmt::format(
        "/* What {0}_weights_check returns. */\n"
        "enum {{\n"
        "  {1}_WEIGHTS_OK = {2},\n"
        "  {1}_WEIGHTS_NOT_WEIGHTS = {3},  /* too short, or not a Kiln weights file */\n"
        "  {1}_WEIGHTS_BAD_VERSION = {4},  /* a format version this code does not read */\n"
        "  {1}_WEIGHTS_OTHER_MODEL = {5},  /* built for another model definition */\n"
        "  {1}_WEIGHTS_TRUNCATED = {6},    /* shorter or longer than its header says */\n"
        "  {1}_WEIGHTS_CORRUPT = {7},      /* a checksum does not match: the file is damaged */\n"
        "  {1}_WEIGHTS_MISALIGNED = {8}    /* data is not 64-byte aligned */\n"
        "}};\n\n"
        "/* Checks `size` bytes at `data` as this model's weights file: its header\n"
        " * (magic number, format version, the hash of the model definition), the\n"
        " * size and place of every tensor, and every checksum. Call it once after\n"
        " * loading the file; {0}_run trusts the weights it is given. */\n"
        "int {0}_weights_check(const void *data, size_t size);\n\n",
        p, upper, int(KILN_WEIGHTS_OK), int(KILN_WEIGHTS_NOT_WEIGHTS), int(KILN_WEIGHTS_BAD_VERSION),
        int(KILN_WEIGHTS_OTHER_MODEL), int(KILN_WEIGHTS_TRUNCATED), int(KILN_WEIGHTS_CORRUPT),
        int(KILN_WEIGHTS_MISALIGNED));

  // The convenience functions: scratch allocated once, for calls of up to
  // the sizes given to init.
  // With external weights init also takes the file's bytes, checks them and
  // keeps them for run.
  bool weights = hasWeights(entry);
  auto runOwnArgs = [](const EntryParam &x) {
    return x.role == Role::Scratch || x.role == Role::Weights ? std::string() : declaration(x.cType, x.name);
  };
  auto passModel = [](const EntryParam &x) {
    return x.role == Role::Scratch ? std::string("model->scratch")
           : x.role == Role::Weights ? std::string("model->weights") : x.name;
  };
  // A negative scratch size: a negative batch, or (with any batch) open
  // axes the model cannot take.
  std::string invalidSizes = upper + "_ERR_BATCH";
  if (open) {
    std::string zeroBatch = join(entry.scratchSize, ", ", [](const EntryParam &x) {
      return x.role == Role::Batch ? std::string("0") : x.name;
    });
    invalidSizes = "batch >= 0 && " + p + "_scratch_size(" + zeroBatch + ") < 0 ? " + upper + "_ERR_AXES : " + upper +
                   "_ERR_BATCH";
  }
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
      "{6}"
      "}} {0}_model;\n\n"
      "/* Returns {1}_OK, {1}_ERR_BATCH{7}{11} or {1}_ERR_NO_MEMORY. */\n"
      "static inline int {0}_model_init({0}_model *model, {2}{8}) {{\n"
      "  int64_t bytes = {0}_scratch_size({3});\n"
      "  model->scratch = model->allocation = NULL;\n"
      "  model->scratch_size = 0;\n"
      "{9}"
      "  if (bytes < 0) return {10};\n"
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
      "  if ({0}_scratch_size({3}) < 0) return {10};\n"
      "  if ({0}_scratch_size({3}) > model->scratch_size) return {1}_ERR_BATCH;\n"
      "  return {0}_run({5});\n"
      "}}\n\n"
      "static inline void {0}_model_free({0}_model *model) {{\n"
      "  free(model->allocation);\n"
      "  model->scratch = model->allocation = NULL;\n"
      "  model->scratch_size = 0;\n"
      "}}\n"
      "#endif /* KILN_NO_ALLOC */\n\n",
      p, upper, sizeParams, join(entry.scratchSize, ", ", pass), join(entry.run, ",\n    ", runOwnArgs),
      join(entry.run, ", ", passModel),
      weights ? "  const void *weights;   /* the weights file's bytes, as given to init */\n" : "",
      weights ? ", " + upper + "_ERR_WEIGHTS" : "", weights ? ", const void *weights, size_t weights_size" : "",
      weights ? "  model->weights = weights;\n  if (" + p + "_weights_check(weights, weights_size) != " + upper +
                    "_WEIGHTS_OK) return " + upper + "_ERR_WEIGHTS;\n"
              : "",
      invalidSizes, open ? ", " + upper + "_ERR_AXES" : "");
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
      p, commentText(program.modelName), names.cHeader, upper);

  // Tensors as spans; the scratch (and external weights) are the object's own.
  auto declare = [&](const EntryParam &x) -> std::string {
    switch (x.role) {
    case Role::Batch:
    case Role::Axis: return declaration(x.cType, x.name);
    case Role::Input:
    case Role::Output: {
      const char *element = cElementType(tensorOf(program, entry, x, upper).type.dtype);
      return fmt::format("kiln::span<{}{}> {}", x.role == Role::Input ? "const " : "", element, x.name);
    }
    case Role::Weights:
    case Role::Scratch: return "";
    case Role::Parallel: return declaration(x.cType, x.name) + " = nullptr";
    }
    return "";
  };
  auto pass = [](const EntryParam &x) -> std::string {
    switch (x.role) {
    case Role::Batch:
    case Role::Axis: return x.name;
    case Role::Input:
    case Role::Output: return x.name + ".data()";
    case Role::Weights:
    case Role::Scratch: return "";
    case Role::Parallel: return x.name;
    }
    return "";
  };
  std::string sizeChecks;
  for (const EntryParam &x : entry.run) {
    if (!isTensor(x)) continue;
    if (!sizeChecks.empty()) sizeChecks += " ||\n        ";
    sizeChecks += fmt::format("!kiln::detail::holds({}, batch, {})", x.name, tensorOf(program, entry, x, upper).sampleSize);
  }

  // The constructor takes the parallel-for last, after the weights, so that
  // it can default to nullptr.
  auto declareSize = [](const EntryParam &x) {
    return x.role == Role::Parallel ? std::string() : declaration(x.cType, x.name);
  };
  auto passSize = [](const EntryParam &x) { return x.name; };
  h += fmt::format(
      "// The model with its scratch memory, allocated once for calls of up to the\n"
      "// batch size given to the constructor. Movable, not copyable; one object\n"
      "// serves one thread at a time (give each thread its own).\n"
      "class {0} {{\npublic:\n"
      "  static constexpr int num_inputs = {1}_NUM_INPUTS;\n"
      "  static constexpr int num_outputs = {1}_NUM_OUTPUTS;\n\n"
      "  // Allocates the scratch{7}. On failure throws kiln::error or, when\n"
      "  // built without exceptions, leaves ok() false.\n"
      "  explicit {0}({2}{8}, const kiln_parallel *parallel = nullptr) {{\n"
      "    kiln::detail::report(static_cast<kiln::status>({0}_model_init(&model_, {3}{9})));\n"
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
      join(entry.run, ",\n                   ", declare), sizeChecks, join(entry.run, ", ", pass),
      hasWeights(entry) ? " and checks the weights file's bytes (kept, not copied)" : "",
      hasWeights(entry) ? ", const void *weights, std::size_t weights_size" : "",
      hasWeights(entry) ? ", weights, weights_size" : "");
  return h;
}

}  // namespace kiln
