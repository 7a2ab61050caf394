// From an LLVM module to files: target selection, the optimization
// pipeline, object/assembly/IR emission and static libraries.
#pragma once

#include <llvm/IR/Module.h>
#include <llvm/Target/TargetMachine.h>

#include <memory>
#include <string>
#include <vector>

namespace kiln {

struct TargetOptions {
  std::string triple;  // empty: the host
  std::string cpu;     // "native": this machine's CPU (with its features); empty: the
                       // same for the host, the family's baseline for a triple
  int optLevel = 2;
};

std::unique_ptr<llvm::TargetMachine> createTargetMachine(const TargetOptions &options, std::string &error);

// Runs the new pass manager's default pipeline for the level.
void optimizeModule(llvm::Module &module, llvm::TargetMachine &machine, int optLevel);

// Gives every function the machine's CPU and features, so kernels compiled
// for a generic target are specialised for this one.
void setTargetAttributes(llvm::Module &module, llvm::TargetMachine &machine);

bool writeObject(llvm::Module &module, llvm::TargetMachine &machine, const std::string &path, bool assembly,
                 std::string &error);
bool writeIR(llvm::Module &module, const std::string &path, std::string &error);

// Wraps object files into a static library (.a) with a symbol table: each
// member is an object file's path and its name in the archive.
struct ArchiveMember {
  std::string path, name;
};
bool writeStaticLibrary(const std::vector<ArchiveMember> &objects, const std::string &output, std::string &error);

}  // namespace kiln
