// The parameters of a compiled model's C entry points, in order. The IR of
// `<prefix>_run` and `<prefix>_scratch_size`, the C header, its convenience
// functions and the C++ wrapper are all generated from this one list, so a
// new parameter is added here (and given a meaning in each generator).
#pragma once

#include "graph/Program.h"

#include <string>
#include <vector>

namespace kiln {

struct EntryParam {
  enum class Role {
    Batch,    // int64_t: the number of samples of this call
    Axis,     // int64_t: the size of open axis `index` (Program::openAxes) in this call
    Input,    // const T *: the caller's input `index`
    Output,   // T *: the caller's output `index`
    Weights,  // const void *: the external weights file's bytes (--external-weights)
    Scratch,  // void *: <prefix>_scratch_size(...) bytes of caller-owned memory
    Parallel, // const kiln_parallel *: the caller's parallel-for, or NULL
  };
  Role role;
  std::string name;   // a C identifier, unique among the parameters
  std::string cType;  // as written in the header: "int64_t", "const float *"
  int index = -1;     // Input, Output: position among the model's inputs or outputs; Axis: among the open axes
};

struct EntryPoint {
  std::vector<EntryParam> run;          // <prefix>_run(...)
  std::vector<EntryParam> scratchSize;  // <prefix>_scratch_size(...): the sizes scratch depends on

  // The position of the parameter of `role` (and `index`) in `run`, or in
  // `scratchSize`.
  size_t runPosition(EntryParam::Role role, int index = -1) const;
  size_t scratchSizePosition(EntryParam::Role role) const;
};

// `externalWeights`: the model reads its weights from a file the caller
// loads and passes to <prefix>_run, after checking it with <prefix>_weights_check.
EntryPoint describeEntryPoint(const Program &program, bool externalWeights);

// The symbols a compiled model defines for its callers: the documented
// API, and nothing else.
std::vector<std::string> apiSymbols(const std::string &prefix, bool externalWeights);

// The C element type of a tensor: "float", "int32_t".
const char *cElementType(DType dtype);

}  // namespace kiln
