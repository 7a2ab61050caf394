// Emits the LLVM module of a compiled model: the reentrant entry point
// `<prefix>_run`, `<prefix>_scratch_size`, weights as constants, the kernels
// it calls, and for executables a `main` that hands over to libkiln_rt.
#pragma once

#include "codegen/EntryPoint.h"
#include "codegen/WeightBlob.h"
#include "graph/Program.h"
#include "layers/Activations.h"

#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Module.h>

#include <functional>
#include <map>
#include <memory>
#include <string>

namespace kiln {

// Reference inputs and outputs an executable carries for --self-test
// (kiln_test_vectors in kiln_rt.h).
struct TestVectors {
  int64_t batch = 0;
  std::vector<std::vector<char>> inputs, outputs;  // little-endian, in the model's dtypes
  double atol = 0, rtol = 0;
};
class ExternalWeights;

struct CodegenOptions {
  std::string prefix = "model";  // C identifier prefix of the entry points
  KerasVersion kerasVersion = KerasVersion::V2;
  bool emitMain = false;
  std::string triple;
  std::string dataLayout;
  std::string abi;                // LLVM's ABI name, if the triple leaves it open
  llvm::StringRef kernelLibrary;  // bitcode of the target family's kernels
  const TestVectors *testVectors = nullptr;  // executables: built in for --self-test
  // --external-weights: constants go to this file instead of the module, and
  // the module gets <prefix>_weights_check. An executable looks for the file
  // at `weightsPath` (relative: to the executable's directory).
  ExternalWeights *externalWeights = nullptr;
  std::string weightsPath;
  std::string registerTile = "3x1";  // the GEMM kernels' variant (Targets.h)
  // Where weights built into the code go: a blob patched into the object
  // file, or (null) LLVM constants, for IR and assembly a reader can see.
  WeightBlob *weightBlob = nullptr;
  // Objects: kernel `name` as assembly compiled apart (codegen/KernelAssembly.h),
  // which the module carries instead of the kernel's IR. Unset (IR and
  // assembly, for a reader): the kernels are linked in as IR.
  std::function<bool(const std::string &name, std::string &assembly, std::string &error)> kernelAssembly = nullptr;
};

class ModelCodegen {
public:
  ModelCodegen(llvm::LLVMContext &context, const Program &program, const EntryPoint &entry, CodegenOptions options);

  // Builds the module; on failure returns null and sets `error`.
  std::unique_ptr<llvm::Module> build(std::string &error);

  // For LowerContext.
  llvm::IRBuilder<> &ir() { return builder_; }
  llvm::Module &module() { return *module_; }
  llvm::Value *buffer(int id) { return bufferPointers_[id]; }
  llvm::Value *batch() { return batch_; }
  // A dimension's value in the function being emitted (open axes are its
  // parameters); an expression that overflows int64 sets overflow().
  llvm::Value *dim(const Dim &d);
  llvm::Value *overflow() { return overflow_; }
  // The run's abi::RunContext, which every kernel call passes last.
  llvm::Value *runContext() { return runContext_; }
  llvm::Function *kernel(const char *name);
  // A weight tensor, by unique name: a pointer into the external weights
  // file, the weight blob, or a constant global; one per name however often
  // it is asked for.
  llvm::Value *weightConstant(const std::string &name, const std::vector<float> &data);
  // weightConstant(name, packPanels(kernel, k, n)), written to the blob or
  // the external file one panel at a time.
  llvm::Value *packedWeightConstant(const std::string &name, const std::vector<float> &kernel, int64_t k, int64_t n);
  const CodegenOptions &options() const { return options_; }
  const Program &program() const { return program_; }
  // The weights argument of <prefix>_run (external weights only).
  llvm::Value *weights() { return weights_; }

private:
  void emitThreadCount();
  llvm::StructType *runContextType();
  void emitRunContext(llvm::Value *scratch, llvm::Value *parallel);
  void emitRun();
  void emitStep(const Step &step, llvm::Value *batch, llvm::Value *first);
  void emitChunkedRun(const SampleChunks &run);
  llvm::Function *emitChunkTask(const SampleChunks &run, llvm::StructType *contextType);
  void emitScratchSize();
  void emitMain();
  llvm::Constant *emitTestVectors();
  bool emitWeightsCheck(std::string &error);
  uint64_t definitionHash() const;
  llvm::Constant *blobPointer(int64_t offset);
  bool finishWeights(std::string &error);
  llvm::Type *paramType(EntryParam::Role role);
  // Binds the open axes to `axes` and clears the overflow flag.
  void beginSizes(std::vector<llvm::Value *> axes);
  // True (i1) if the sizes are unusable: an open axis below 1, a failed
  // Program::sizeChecks, or a size evaluated so far overflowing int64.
  llvm::Value *invalidSizes();

  llvm::LLVMContext &context_;
  const Program &program_;
  const EntryPoint &entry_;
  CodegenOptions options_;
  std::unique_ptr<llvm::Module> module_;
  std::unique_ptr<llvm::Module> kernels_;
  llvm::IRBuilder<> builder_;
  std::vector<llvm::Value *> bufferPointers_;
  llvm::Value *batch_ = nullptr;
  llvm::Value *runThreads_ = nullptr;  // the run's thread count
  llvm::Value *chunkArena_ = nullptr;  // after the threads' workspaces
  llvm::Value *runContext_ = nullptr;
  llvm::Function *threadCount_ = nullptr;
  llvm::Value *weights_ = nullptr;
  // By Dim::axis id: the file's open axes are numbered across its models.
  std::map<int, llvm::Value *> axes_;
  llvm::Value *overflow_ = nullptr;
  // dim()'s values by expression node and the block they were computed in,
  // which they dominate from there on; each entry holds its Dim, so a node
  // stays alive (its address not reused) while it is a key.
  std::map<std::pair<const void *, llvm::BasicBlock *>, std::pair<Dim, llvm::Value *>> dims_;
  llvm::Value *computeDim(const Dim &d);
  llvm::Function *run_ = nullptr;
  llvm::Function *scratchSize_ = nullptr;
  llvm::Function *weightsCheck_ = nullptr;
  // Stands for the blob's global until its size is known.
  llvm::GlobalVariable *blobPlaceholder_ = nullptr;
  std::map<std::string, llvm::Value *> weightConstants_;
};

}  // namespace kiln
