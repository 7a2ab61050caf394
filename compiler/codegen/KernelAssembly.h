// One kernel of a target family's library compiled apart from any model, to
// assembly that a model's module carries as module-level assembly. A GEMM
// kernel's register tiles take LLVM seconds to compile; compiled this way,
// once per kernel and target (and kept in kilnc's cache, driver/BuildCache.h),
// a model's build pays only for its own code.
#pragma once

#include "codegen/Emit.h"

#include <llvm/ADT/StringRef.h>

#include <string>

namespace kiln {

// Compiles the kernel `name` of the bitcode `library`, with every function it
// calls, for `target` into `assembly`. The text defines `name` as a local
// symbol and renames everything else it defines after `name`, so that
// several kernels and the model's own code assemble together in one object
// with nothing exported. False with `error` set on failure.
bool compileKernelAssembly(llvm::StringRef library, const std::string &name, const TargetOptions &target,
                           std::string &assembly, std::string &error);

}  // namespace kiln
