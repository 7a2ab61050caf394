// The target families kilnc compiles models for. Each has its own kernel
// library (the kernels compiled to bitcode for the family when kilnc was
// built, see compiler/CMakeLists.txt), and the CPU, features and ABI a
// model gets when the command line names no CPU.
#pragma once

#include <llvm/ADT/StringRef.h>
#include <llvm/TargetParser/Triple.h>

#include <string>

namespace kiln {

struct TargetFamily {
  const char *name;
  const char *cpu;       // the family's baseline, as clang's default for the triple
  const char *features;  // added to the baseline CPU's
  const char *abi;       // LLVM's ABI name, where the triple leaves it open ("" otherwise)
  llvm::StringRef kernels;  // the kernel library's bitcode
};

// The family `triple` belongs to, or null when kilnc has no kernels for it
// (`error` then says which targets it supports).
const TargetFamily *targetFamily(const llvm::Triple &triple, std::string &error);

// This machine's triple, normalized.
llvm::Triple hostTriple();

// Whether code for `triple` runs on this machine with its C library (the
// same architecture, OS and environment; the vendor does not matter).
bool isHost(const llvm::Triple &triple);

}  // namespace kiln
