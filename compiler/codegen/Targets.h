// The target families kilnc compiles models for. Each has its own kernel
// library (the kernels compiled to bitcode for the family when kilnc was
// built, see compiler/CMakeLists.txt), and the CPU, features and ABI a
// model gets when the command line names no CPU.
#pragma once

#include <llvm/ADT/StringRef.h>
#include <llvm/Target/TargetMachine.h>
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

// The GEMM register tile whose accumulators fit the machine's vector
// registers ("12x2", "6x1" or "3x1"; see kernels/Gemm.h): the suffix of the
// kernels a model calls.
const char *registerTile(const llvm::TargetMachine &machine);

// Whether the machine has 512-bit vector registers (AVX-512).
bool hasWideVectors(const llvm::TargetMachine &machine);

// This machine's triple, normalized.
llvm::Triple hostTriple();

// Whether code for `triple` runs on this machine with its C library (the
// same architecture, OS and environment; the vendor does not matter).
bool isHost(const llvm::Triple &triple);

}  // namespace kiln
