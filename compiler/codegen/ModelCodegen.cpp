#include "codegen/ModelCodegen.h"

#include "codegen/ExternalWeights.h"
#include "codegen/LowerContext.h"
#include "diagnostics/Utf8.h"
#include "layers/LayerKind.h"

#include "kiln_weights.h"

#include <llvm/Bitcode/BitcodeReader.h>
#include <llvm/IR/Constants.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Linker/Linker.h>
#include <llvm/Support/raw_ostream.h>

#include <algorithm>
#include <optional>

namespace kiln {

namespace {
// Reads a kernel library (bitcode compiled when kilnc was built).
std::unique_ptr<llvm::Module> loadKernelLibrary(llvm::LLVMContext &context, llvm::StringRef bitcode,
                                                std::string &error) {
  auto module = llvm::getLazyBitcodeModule(llvm::MemoryBufferRef(bitcode, "kiln-kernels"), context);
  if (!module) {
    error = "cannot read the kernel library: " + llvm::toString(module.takeError());
    return nullptr;
  }
  return std::move(*module);
}
}  // namespace

ModelCodegen::ModelCodegen(llvm::LLVMContext &context, const Program &program, const EntryPoint &entry,
                           CodegenOptions options)
    : context_(context), program_(program), entry_(entry), options_(std::move(options)), builder_(context) {}

llvm::Type *ModelCodegen::paramType(EntryParam::Role role) {
  switch (role) {
  case EntryParam::Role::Batch:
  case EntryParam::Role::Axis: return builder_.getInt64Ty();
  case EntryParam::Role::Input:
  case EntryParam::Role::Output:
  case EntryParam::Role::Weights:
  case EntryParam::Role::Scratch:
  case EntryParam::Role::Parallel: return builder_.getPtrTy();
  }
  return nullptr;
}

// A kernel by name; the GEMM kernels come in one variant per register tile
// (name__<tile>), and the target's is the one called.
llvm::Function *ModelCodegen::kernel(const char *name) {
  std::string tiled = std::string(name) + "__" + options_.registerTile;
  for (const std::string &candidate : {tiled, std::string(name)}) {
    if (llvm::Function *f = module_->getFunction(candidate)) return f;
    if (llvm::Function *proto = kernels_->getFunction(candidate))
      return llvm::Function::Create(proto->getFunctionType(), llvm::Function::ExternalLinkage, candidate, *module_);
  }
  return nullptr;
}

std::unique_ptr<llvm::Module> ModelCodegen::build(std::string &error) {
  kernels_ = loadKernelLibrary(context_, options_.kernelLibrary, error);
  if (!kernels_) return nullptr;
  module_ = std::make_unique<llvm::Module>(program_.modelName, context_);
  if (!options_.triple.empty()) module_->setTargetTriple(options_.triple);
  if (!options_.dataLayout.empty()) module_->setDataLayout(options_.dataLayout);
  if (!options_.abi.empty())
    module_->addModuleFlag(llvm::Module::Error, "target-abi", llvm::MDString::get(context_, options_.abi));
  kernels_->setTargetTriple(module_->getTargetTriple());
  kernels_->setDataLayout(module_->getDataLayout());

  emitThreadCount();
  emitScratchSize();
  emitRun();
  if (options_.externalWeights && !emitWeightsCheck(error)) return nullptr;
  if (options_.emitMain) emitMain();
  if (!finishWeights(error)) return nullptr;

  // Bring in the kernels the model calls; they are private to the model.
  // Each stays one function however often the model calls it, so that the
  // optimizer's work grows with the kernels used, not with the layers; in an
  // object each is assembly compiled apart, so that it is not compiled again
  // with every model.
  std::vector<std::string> used;
  for (llvm::Function &f : *module_)
    if (f.isDeclaration() && !f.isIntrinsic() && kernels_->getFunction(f.getName())) used.push_back(f.getName().str());
  if (options_.kernelAssembly) {
    for (const std::string &name : used) {
      std::string assembly;
      if (!options_.kernelAssembly(name, assembly, error)) return nullptr;
      module_->appendModuleInlineAsm(assembly);
      module_->getFunction(name)->setDSOLocal(true);
    }
  } else {
    if (llvm::Linker::linkModules(*module_, std::move(kernels_), llvm::Linker::LinkOnlyNeeded)) {
      error = "linking the kernel library failed";
      return nullptr;
    }
    for (const std::string &name : used) {
      llvm::Function *f = module_->getFunction(name);
      f->setLinkage(llvm::GlobalValue::InternalLinkage);
      f->removeFnAttr(llvm::Attribute::AlwaysInline);
      f->addFnAttr(llvm::Attribute::NoInline);
    }
  }

  std::string message;
  llvm::raw_string_ostream os(message);
  if (llvm::verifyModule(*module_, &os)) {
    error = "internal error: invalid module: " + os.str();
    return nullptr;
  }
  return std::move(module_);
}

void ModelCodegen::beginSizes(std::vector<llvm::Value *> axes) {
  axes_.clear();
  for (size_t i = 0; i < axes.size(); ++i) axes_[program_.openAxes[i].id] = axes[i];
  overflow_ = builder_.getFalse();
}

llvm::Value *ModelCodegen::dim(const Dim &d) {
  if (!d.symbolic()) return builder_.getInt64(d.value());
  auto key = std::make_pair(d.node(), builder_.GetInsertBlock());
  if (auto found = dims_.find(key); found != dims_.end()) return found->second.second;
  llvm::Value *value = computeDim(d);
  dims_.emplace(key, std::make_pair(d, value));
  return value;
}

llvm::Value *ModelCodegen::computeDim(const Dim &d) {
  auto checked = [&](llvm::Intrinsic::ID op, const Dim &a, const Dim &b) {
    llvm::Value *r = builder_.CreateBinaryIntrinsic(op, dim(a), dim(b));
    overflow_ = builder_.CreateOr(overflow_, builder_.CreateExtractValue(r, 1));
    return builder_.CreateExtractValue(r, 0);
  };
  // Floor division by a positive constant: C's division rounds toward zero.
  auto floorDivision = [&](llvm::Value *a, int64_t b) {
    llvm::Value *q = builder_.CreateSDiv(a, builder_.getInt64(b));
    llvm::Value *inexact = builder_.CreateICmpNE(builder_.CreateMul(q, builder_.getInt64(b)), a);
    llvm::Value *negative = builder_.CreateICmpSLT(a, builder_.getInt64(0));
    return builder_.CreateSub(q, builder_.CreateZExt(builder_.CreateAnd(inexact, negative), builder_.getInt64Ty()));
  };
  switch (d.op()) {
  case Dim::Op::Constant:
  case Dim::Op::None: return builder_.getInt64(d.value());
  case Dim::Op::Axis: return axes_.at(d.axisId());
  case Dim::Op::Add: return checked(llvm::Intrinsic::sadd_with_overflow, d.lhs(), d.rhs());
  case Dim::Op::Sub: return checked(llvm::Intrinsic::ssub_with_overflow, d.lhs(), d.rhs());
  case Dim::Op::Mul: return checked(llvm::Intrinsic::smul_with_overflow, d.lhs(), d.rhs());
  case Dim::Op::FloorDiv: return floorDivision(dim(d.lhs()), d.rhs().value());
  case Dim::Op::CeilDiv:
    return builder_.CreateNeg(floorDivision(builder_.CreateNeg(dim(d.lhs())), d.rhs().value()));
  case Dim::Op::Max: return builder_.CreateBinaryIntrinsic(llvm::Intrinsic::smax, dim(d.lhs()), dim(d.rhs()));
  }
  return nullptr;
}

llvm::Value *ModelCodegen::invalidSizes() {
  llvm::Value *bad = builder_.getFalse();
  for (const auto &[id, axis] : axes_) bad = builder_.CreateOr(bad, builder_.CreateICmpSLT(axis, builder_.getInt64(1)));
  // Sizes are only evaluated once every open axis is known to be positive,
  // so their arithmetic never divides a negative size.
  for (const SizeCheck &c : program_.sizeChecks) {
    llvm::Value *v = dim(c.value);
    bad = builder_.CreateOr(bad, c.equals.none() ? builder_.CreateICmpSLT(v, builder_.getInt64(1))
                                                 : builder_.CreateICmpNE(v, dim(c.equals)));
  }
  return builder_.CreateOr(bad, overflow_);
}

// The threads a run uses: the parallel-for's count (kiln_parallel.threads),
// or 1 without one or with a count below 1.
void ModelCodegen::emitThreadCount() {
  llvm::Type *i64 = builder_.getInt64Ty(), *ptr = builder_.getPtrTy();
  threadCount_ = llvm::Function::Create(llvm::FunctionType::get(i64, {ptr}, false), llvm::Function::InternalLinkage,
                                        options_.prefix + "_threads", *module_);
  llvm::Argument *parallel = threadCount_->getArg(0);
  parallel->setName("parallel");
  auto *entry = llvm::BasicBlock::Create(context_, "entry", threadCount_);
  auto *given = llvm::BasicBlock::Create(context_, "given", threadCount_);
  auto *none = llvm::BasicBlock::Create(context_, "none", threadCount_);
  builder_.SetInsertPoint(entry);
  builder_.CreateCondBr(builder_.CreateIsNull(parallel), none, given);
  builder_.SetInsertPoint(given);
  auto *parallelType = llvm::StructType::get(context_, {ptr, ptr, builder_.getInt32Ty()});
  llvm::Value *count = builder_.CreateSExt(
      builder_.CreateLoad(builder_.getInt32Ty(), builder_.CreateStructGEP(parallelType, parallel, 2)), i64);
  builder_.CreateRet(builder_.CreateSelect(builder_.CreateICmpSGT(count, builder_.getInt64(1)), count,
                                           builder_.getInt64(1)));
  builder_.SetInsertPoint(none);
  builder_.CreateRet(builder_.getInt64(1));
}

llvm::Constant *ModelCodegen::blobPointer(int64_t offset) {
  if (!blobPlaceholder_)
    blobPlaceholder_ = new llvm::GlobalVariable(*module_, builder_.getInt8Ty(), true, llvm::GlobalValue::ExternalLinkage,
                                                nullptr, "kiln.weights.pending");
  return llvm::ConstantExpr::getInBoundsGetElementPtr(builder_.getInt8Ty(), blobPlaceholder_,
                                                      builder_.getInt64(offset < 0 ? 0 : offset));
}

llvm::Value *ModelCodegen::packedWeightConstant(const std::string &name, const std::vector<float> &kernel, int64_t k,
                                                int64_t n) {
  WeightBlob *blob = options_.weightBlob;
  ExternalWeights *file = options_.externalWeights;
  if (!blob && !file) return weightConstant(name, packPanels(kernel, k, n));
  // packPanels' layout, one panel at a time, straight to the blob or file.
  auto writePanels = [&](auto &&write) {
    std::vector<float> panel(k * abi::kPanelWidth);
    for (int64_t p = 0; p < abi::panelCount(n); ++p) {
      int64_t col = p * abi::kPanelWidth, width = std::min(abi::kPanelWidth, n - col);
      std::fill(panel.begin(), panel.end(), 0.0f);
      for (int64_t row = 0; row < k; ++row)
        std::copy_n(kernel.begin() + row * n + col, width, panel.begin() + row * abi::kPanelWidth);
      write(panel.data(), panel.size() * sizeof(float));
    }
  };
  if (file) {
    std::optional<uint64_t> offset = file->offsetOf(name);
    if (!offset) {
      offset = file->begin(name);
      writePanels([&](const float *data, size_t bytes) { file->extend(data, bytes); });
      file->end();
    }
    return builder_.CreateInBoundsGEP(builder_.getInt8Ty(), weights_, builder_.getInt64(*offset), name);
  }
  if (auto known = weightConstants_.find(name); known != weightConstants_.end()) return known->second;
  int64_t offset = blob->append(nullptr, 0);
  writePanels([&](const float *data, size_t bytes) { blob->extend(data, bytes); });
  return weightConstants_[name] = blobPointer(offset);
}

llvm::Value *ModelCodegen::weightConstant(const std::string &name, const std::vector<float> &data) {
  // The file keeps one copy per name; the pointer is computed where it is used.
  if (ExternalWeights *file = options_.externalWeights) {
    uint64_t offset = file->add(name, data.data(), data.size() * sizeof(float));
    return builder_.CreateInBoundsGEP(builder_.getInt8Ty(), weights_, builder_.getInt64(offset), name);
  }
  if (auto known = weightConstants_.find(name); known != weightConstants_.end()) return known->second;
  llvm::Constant *pointer = nullptr;
  if (options_.weightBlob) {
    pointer = blobPointer(options_.weightBlob->append(data.data(), data.size() * sizeof(float)));
  } else {
    auto *init = llvm::ConstantDataArray::get(context_, llvm::ArrayRef<float>(data));
    auto *var = new llvm::GlobalVariable(*module_, init->getType(), true, llvm::GlobalValue::PrivateLinkage, init,
                                         name);
    var->setAlignment(llvm::Align(64));
    var->setUnnamedAddr(llvm::GlobalValue::UnnamedAddr::Global);
    pointer = var;
  }
  return weightConstants_[name] = pointer;
}

// The blob's global: zeros of its size in its own section, which
// WeightBlob::patchObject fills; externally initialized, so that the
// optimizer never reads the zeros as the weights.
bool ModelCodegen::finishWeights(std::string &error) {
  if (!blobPlaceholder_) return true;
  if (!options_.weightBlob->error().empty()) {
    error = options_.weightBlob->error();
    return false;
  }
  auto *type = llvm::ArrayType::get(builder_.getInt8Ty(), uint64_t(options_.weightBlob->size()));
  auto *blob = new llvm::GlobalVariable(*module_, type, true, llvm::GlobalValue::PrivateLinkage,
                                        llvm::ConstantAggregateZero::get(type), "kiln.weights");
  blob->setAlignment(llvm::Align(64));
  blob->setSection(WeightBlob::kSection);
  blob->setExternallyInitialized(true);
  blobPlaceholder_->replaceAllUsesWith(blob);
  blobPlaceholder_->eraseFromParent();
  blobPlaceholder_ = nullptr;
  return true;
}

// batch * arena bytes per sample + a workspace and a chunk arena per
// thread, or -1 for a negative batch, sizes of open axes the model cannot
// run with, or a size that overflows int64.
void ModelCodegen::emitScratchSize() {
  std::vector<llvm::Type *> params;
  for (const EntryParam &p : entry_.scratchSize) params.push_back(paramType(p.role));
  llvm::Type *i64 = builder_.getInt64Ty();
  auto *type = llvm::FunctionType::get(i64, params, false);
  scratchSize_ = llvm::Function::Create(type, llvm::Function::ExternalLinkage, options_.prefix + "_scratch_size", *module_);
  std::vector<llvm::Value *> axes;
  for (size_t i = 0; i < entry_.scratchSize.size(); ++i) {
    scratchSize_->getArg(i)->setName(entry_.scratchSize[i].name);
    if (entry_.scratchSize[i].role == EntryParam::Role::Axis) axes.push_back(scratchSize_->getArg(i));
  }
  llvm::Argument *batch = scratchSize_->getArg(0);
  llvm::Argument *parallel = scratchSize_->getArg(entry_.scratchSizePosition(EntryParam::Role::Parallel));
  builder_.SetInsertPoint(llvm::BasicBlock::Create(context_, "entry", scratchSize_));
  beginSizes(axes);
  llvm::Value *arena = builder_.CreateBinaryIntrinsic(llvm::Intrinsic::smul_with_overflow, batch,
                                                      dim(program_.arenaBytesPerSample), nullptr, "arena");
  llvm::Value *workspaces = builder_.CreateBinaryIntrinsic(
      llvm::Intrinsic::smul_with_overflow, builder_.CreateCall(threadCount_, {parallel}),
      dim(add(program_.workspaceBytes, program_.chunkArenaBytes)), nullptr, "workspaces");
  llvm::Value *total = builder_.CreateBinaryIntrinsic(llvm::Intrinsic::sadd_with_overflow,
                                                      builder_.CreateExtractValue(arena, 0),
                                                      builder_.CreateExtractValue(workspaces, 0), nullptr, "total");
  overflow_ = builder_.CreateOr(overflow_, builder_.CreateExtractValue(workspaces, 1));
  llvm::Value *invalid = builder_.CreateOr(builder_.CreateICmpSLT(batch, builder_.getInt64(0)),
                                           builder_.CreateOr(builder_.CreateExtractValue(arena, 1),
                                                             builder_.CreateExtractValue(total, 1)));
  invalid = builder_.CreateOr(invalid, invalidSizes());
  builder_.CreateRet(builder_.CreateSelect(invalid, builder_.getInt64(-1), builder_.CreateExtractValue(total, 0)));
}

void ModelCodegen::emitRun() {
  using Role = EntryParam::Role;
  std::vector<llvm::Type *> params;
  for (const EntryParam &p : entry_.run) params.push_back(paramType(p.role));
  auto *type = llvm::FunctionType::get(builder_.getInt32Ty(), params, false);
  run_ = llvm::Function::Create(type, llvm::Function::ExternalLinkage, options_.prefix + "_run", *module_);
  run_->addFnAttr(llvm::Attribute::NoUnwind);
  std::vector<llvm::Value *> axes;
  for (size_t i = 0; i < entry_.run.size(); ++i) {
    const EntryParam &p = entry_.run[i];
    llvm::Argument *a = run_->getArg(i);
    if (p.role == Role::Axis) axes.push_back(a);
    a->setName(p.role == Role::Output ? program_.outputNames[p.index] + ".out"
               : p.role == Role::Input ? program_.inputNames[p.index] : p.name);
    if (p.role == Role::Input || p.role == Role::Output || p.role == Role::Scratch)
      run_->addParamAttr(i, llvm::Attribute::NoAlias);
    if (p.role == Role::Input || p.role == Role::Weights) run_->addParamAttr(i, llvm::Attribute::ReadOnly);
    if (p.role == Role::Weights) {
      run_->addParamAttr(i, llvm::Attribute::getWithAlignment(context_, llvm::Align(KILN_WEIGHTS_ALIGNMENT)));
      weights_ = a;
    }
  }
  batch_ = run_->getArg(entry_.runPosition(Role::Batch));
  llvm::Value *scratch = run_->getArg(entry_.runPosition(Role::Scratch));
  bufferPointers_.assign(program_.buffers.size(), nullptr);

  // A negative batch, or sizes of the open axes the model cannot take, are
  // the caller's mistake: report them rather than run.
  bool open = !program_.openAxes.empty();
  llvm::BasicBlock *entry = llvm::BasicBlock::Create(context_, "entry", run_);
  llvm::BasicBlock *sizes = open ? llvm::BasicBlock::Create(context_, "sizes", run_) : nullptr;
  llvm::BasicBlock *body = llvm::BasicBlock::Create(context_, "body", run_);
  llvm::BasicBlock *badBatch = llvm::BasicBlock::Create(context_, "bad_batch", run_);
  builder_.SetInsertPoint(badBatch);
  builder_.CreateRet(builder_.getInt32(1));
  builder_.SetInsertPoint(entry);
  builder_.CreateCondBr(builder_.CreateICmpSLT(batch_, builder_.getInt64(0), "negative"), badBatch,
                        open ? sizes : body);
  beginSizes(axes);
  if (open) {
    llvm::BasicBlock *badSizes = llvm::BasicBlock::Create(context_, "bad_sizes", run_);
    builder_.SetInsertPoint(badSizes);
    builder_.CreateRet(builder_.getInt32(5));  // <PREFIX>_ERR_AXES
    builder_.SetInsertPoint(sizes);
    dim(program_.arenaBytesPerSample);
    dim(program_.workspaceBytes);
    builder_.CreateCondBr(invalidSizes(), badSizes, body);
  }
  builder_.SetInsertPoint(body);
  emitRunContext(scratch, run_->getArg(entry_.runPosition(Role::Parallel)));
  for (size_t id = 0; id < program_.buffers.size(); ++id) {
    const Buffer &b = program_.buffers[id];
    switch (b.kind) {
    case Buffer::Kind::Input: bufferPointers_[id] = run_->getArg(entry_.runPosition(Role::Input, b.index)); break;
    case Buffer::Kind::Output: bufferPointers_[id] = run_->getArg(entry_.runPosition(Role::Output, b.index)); break;
    case Buffer::Kind::Arena: {
      llvm::Value *offset = builder_.CreateMul(batch_, dim(b.offset));
      bufferPointers_[id] = builder_.CreateInBoundsGEP(builder_.getInt8Ty(), scratch, offset, b.name + ".out");
      break;
    }
    case Buffer::Kind::Chunk: {
      llvm::Value *offset = builder_.CreateMul(runThreads_, dim(b.offset));
      bufferPointers_[id] = builder_.CreateInBoundsGEP(builder_.getInt8Ty(), chunkArena_, offset, b.name + ".chunk");
      break;
    }
    }
  }
  auto chunked = program_.chunkedRuns.begin();
  for (size_t i = 0; i < program_.steps.size();) {
    if (chunked != program_.chunkedRuns.end() && chunked->begin == i) {
      emitChunkedRun(*chunked);
      i = chunked++->end;
    } else {
      emitStep(program_.steps[i++], batch_, nullptr);
    }
  }
  builder_.CreateRet(builder_.getInt32(0));
}

// A step for `batch` samples from sample `first` (null: the whole batch).
void ModelCodegen::emitStep(const Step &step, llvm::Value *batch, llvm::Value *first) {
  auto pointer = [&](int id) -> llvm::Value * {
    if (id < 0) return nullptr;
    if (!first || program_.buffers[id].kind == Buffer::Kind::Chunk) return bufferPointers_[id];
    llvm::Value *offset = builder_.CreateMul(first, dim(program_.buffers[id].bytesPerSample()));
    return builder_.CreateInBoundsGEP(builder_.getInt8Ty(), bufferPointers_[id], offset);
  };
  if (step.copy) {
    llvm::Value *bytes = dim(mul(step.inputTypes[0].sampleSize(), 4));
    builder_.CreateMemCpy(pointer(step.outputs[0]), llvm::MaybeAlign(4), pointer(step.inputs[0]), llvm::MaybeAlign(4),
                          builder_.CreateMul(batch, bytes));
    return;
  }
  LowerBindings b;
  b.layer = b.weightLayer = step.layer;
  for (int id : step.inputs) b.inputs.push_back(pointer(id));
  for (int id : step.outputs) b.outputs.push_back(pointer(id));
  // A mask as the step sees it: its time folds in the batch axis.
  auto maskType = [&](int id) {
    if (id < 0) return TensorType{};
    TensorType t = program_.buffers[id].type;
    for (size_t i = 0; i < step.timeFolds.size(); ++i) t = foldTimeAxis(t);
    return t;
  };
  for (int id : step.inputMasks) {
    b.inputMasks.push_back(pointer(id));
    b.inputMaskTypes.push_back(maskType(id));
  }
  for (int id : step.outputMasks) {
    b.outputMasks.push_back(pointer(id));
    b.outputMaskTypes.push_back(maskType(id));
  }
  b.inputTypes = step.inputTypes;
  b.outputTypes = step.outputTypes;
  b.batch = step.timeFolds.empty() ? batch : builder_.CreateMul(batch, dim(product(step.timeFolds)), "batch.steps");
  b.temporary = pointer(step.temporary);
  b.fusedActivation = step.fusedActivation;
  b.channelAffine = step.channelAffine;
  b.projectInto = step.projectInto;
  b.inputProjected = step.inputProjected;
  LowerContext cx(*this, std::move(b));
  step.layer->kind->lower(cx);
}

// The steps of `run` a chunk of samples at a time. A batch that gives every
// thread a chunk runs its chunks in parallel, each on one thread with that
// thread's room in the chunk arena, so that no step waits for the others
// between chunks; a smaller one runs whole, each step split over the threads.
void ModelCodegen::emitChunkedRun(const SampleChunks &run) {
  llvm::Type *i64 = builder_.getInt64Ty(), *ptr = builder_.getPtrTy();
  llvm::Value *one = builder_.getInt64(1);
  auto ceilDiv = [&](llvm::Value *a, llvm::Value *b) {
    return builder_.CreateSDiv(builder_.CreateSub(builder_.CreateAdd(a, b), one), b);
  };
  llvm::Value *samples = builder_.CreateBinaryIntrinsic(
      llvm::Intrinsic::smax, one,
      builder_.CreateBinaryIntrinsic(llvm::Intrinsic::smin, builder_.getInt64(run.samples),
                                     ceilDiv(batch_, runThreads_)),
      nullptr, "chunk.samples");
  llvm::Value *chunks = ceilDiv(batch_, samples);
  auto *whole = llvm::BasicBlock::Create(context_, "run.whole", run_);
  auto *chunked = llvm::BasicBlock::Create(context_, "run.chunked", run_);
  auto *serial = llvm::BasicBlock::Create(context_, "chunks.serial", run_);
  auto *parallel = llvm::BasicBlock::Create(context_, "chunks.parallel", run_);
  auto *done = llvm::BasicBlock::Create(context_, "run.done", run_);
  builder_.CreateCondBr(builder_.CreateICmpSLT(chunks, runThreads_), whole, chunked);

  builder_.SetInsertPoint(whole);
  for (size_t i = run.begin; i < run.end; ++i) emitStep(program_.steps[i], batch_, nullptr);
  builder_.CreateBr(done);

  // The task's context: the batch, the samples per chunk, the weights, the
  // workspaces, the chunk arena, then every buffer's base pointer.
  builder_.SetInsertPoint(chunked);
  std::vector<llvm::Type *> fields(5 + bufferPointers_.size(), ptr);
  fields[0] = fields[1] = i64;
  auto *contextType = llvm::StructType::get(context_, fields);
  llvm::Value *taskContext = builder_.CreateAlloca(contextType, nullptr, "chunks.context");
  llvm::StructType *runContextType = this->runContextType();
  llvm::Value *values[5] = {batch_, samples, weights_ ? weights_ : llvm::ConstantPointerNull::get(builder_.getPtrTy()),
                            builder_.CreateLoad(ptr, builder_.CreateStructGEP(runContextType, runContext_, 1)),
                            chunkArena_};
  for (unsigned f = 0; f < 5; ++f) builder_.CreateStore(values[f], builder_.CreateStructGEP(contextType, taskContext, f));
  for (size_t id = 0; id < bufferPointers_.size(); ++id)
    if (bufferPointers_[id])
      builder_.CreateStore(bufferPointers_[id], builder_.CreateStructGEP(contextType, taskContext, 5 + id));
  llvm::Function *task = emitChunkTask(run, contextType);
  llvm::Value *parallelFor = builder_.CreateLoad(ptr, builder_.CreateStructGEP(runContextType, runContext_, 0));
  builder_.CreateCondBr(builder_.CreateIsNull(parallelFor), serial, parallel);

  builder_.SetInsertPoint(serial);
  llvm::PHINode *index = builder_.CreatePHI(i64, 2, "chunk");
  index->addIncoming(builder_.getInt64(0), chunked);
  builder_.CreateCall(task, {taskContext, index, builder_.getInt32(0)});
  llvm::Value *next = builder_.CreateAdd(index, one);
  index->addIncoming(next, serial);
  builder_.CreateCondBr(builder_.CreateICmpSLT(next, chunks), serial, done);

  builder_.SetInsertPoint(parallel);
  auto *parallelType = llvm::StructType::get(context_, {ptr, ptr, builder_.getInt32Ty()});
  auto *forType = llvm::FunctionType::get(builder_.getVoidTy(), {ptr, ptr, ptr, i64}, false);
  builder_.CreateCall(forType, builder_.CreateLoad(ptr, builder_.CreateStructGEP(parallelType, parallelFor, 0)),
                      {builder_.CreateLoad(ptr, builder_.CreateStructGEP(parallelType, parallelFor, 1)), task,
                       taskContext, chunks});
  builder_.CreateBr(done);
  builder_.SetInsertPoint(done);
}

// task(context, chunk, thread): the steps of `run` for one chunk of samples
// on the calling thread, in that thread's workspace and chunk arena.
llvm::Function *ModelCodegen::emitChunkTask(const SampleChunks &run, llvm::StructType *contextType) {
  llvm::Type *i64 = builder_.getInt64Ty(), *ptr = builder_.getPtrTy();
  auto *type = llvm::FunctionType::get(builder_.getVoidTy(), {ptr, i64, builder_.getInt32Ty()}, false);
  auto *task = llvm::Function::Create(type, llvm::Function::InternalLinkage,
                                      options_.prefix + "_run.chunk" + std::to_string(run.begin), *module_);
  task->addFnAttr(llvm::Attribute::NoUnwind);
  llvm::IRBuilderBase::InsertPointGuard guard(builder_);
  builder_.SetInsertPoint(llvm::BasicBlock::Create(context_, "entry", task));
  llvm::Value *taskContext = task->getArg(0);
  llvm::Value *thread = builder_.CreateSExt(task->getArg(2), i64);
  auto field = [&](unsigned f, llvm::Type *t) {
    return builder_.CreateLoad(t, builder_.CreateStructGEP(contextType, taskContext, f));
  };
  llvm::Value *batch = field(0, i64), *samples = field(1, i64);
  llvm::Value *first = builder_.CreateMul(task->getArg(1), samples, "first");
  llvm::Value *count = builder_.CreateBinaryIntrinsic(llvm::Intrinsic::smin, samples, builder_.CreateSub(batch, first));
  // One thread's run context: no parallel-for, its own workspace.
  llvm::StructType *runContextType = this->runContextType();
  llvm::Value *context = builder_.CreateAlloca(runContextType, nullptr, "run.context");
  llvm::Value *workspaceBytes = dim(program_.workspaceBytes);
  llvm::Value *values[4] = {llvm::ConstantPointerNull::get(builder_.getPtrTy()),
                            builder_.CreateInBoundsGEP(builder_.getInt8Ty(), field(3, ptr),
                                                       builder_.CreateMul(thread, workspaceBytes)),
                            workspaceBytes, builder_.getInt64(1)};
  for (unsigned f = 0; f < 4; ++f) builder_.CreateStore(values[f], builder_.CreateStructGEP(runContextType, context, f));
  llvm::Value *chunkArena = builder_.CreateInBoundsGEP(builder_.getInt8Ty(), field(4, ptr),
                                                       builder_.CreateMul(thread, dim(program_.chunkArenaBytes)));
  std::vector<llvm::Value *> pointers(bufferPointers_.size(), nullptr);
  for (size_t i = run.begin; i < run.end; ++i) {
    size_t written;
    for (int id : touchedBuffers(program_.steps[i], written)) {
      if (pointers[id]) continue;
      const Buffer &b = program_.buffers[id];
      pointers[id] = b.kind == Buffer::Kind::Chunk
                         ? builder_.CreateInBoundsGEP(builder_.getInt8Ty(), chunkArena, dim(b.offset))
                         : field(5 + id, ptr);
    }
  }
  std::swap(pointers, bufferPointers_);
  llvm::Value *runWeights = weights_, *runContext = runContext_;
  weights_ = weights_ ? field(2, ptr) : nullptr;
  runContext_ = context;
  for (size_t i = run.begin; i < run.end; ++i) emitStep(program_.steps[i], count, first);
  builder_.CreateRetVoid();
  std::swap(pointers, bufferPointers_);
  weights_ = runWeights;
  runContext_ = runContext;
  return task;
}

// The kiln_test_vectors of an executable, or a null pointer.
llvm::Constant *ModelCodegen::emitTestVectors() {
  llvm::Type *ptr = builder_.getPtrTy();
  const TestVectors *t = options_.testVectors;
  if (!t) return llvm::ConstantPointerNull::get(builder_.getPtrTy());
  auto table = [&](const std::vector<std::vector<char>> &data, const char *what) {
    std::vector<llvm::Constant *> pointers;
    for (const std::vector<char> &bytes : data) {
      auto *init = llvm::ConstantDataArray::get(
          context_, llvm::ArrayRef<uint8_t>(reinterpret_cast<const uint8_t *>(bytes.data()), bytes.size()));
      auto *var = new llvm::GlobalVariable(*module_, init->getType(), true, llvm::GlobalValue::PrivateLinkage, init,
                                           std::string("test.") + what);
      var->setAlignment(llvm::Align(64));
      pointers.push_back(var);
    }
    auto *type = llvm::ArrayType::get(ptr, pointers.size());
    return new llvm::GlobalVariable(*module_, type, true, llvm::GlobalValue::PrivateLinkage,
                                    llvm::ConstantArray::get(type, pointers), std::string("test.") + what + ".table");
  };
  llvm::Type *f64 = builder_.getDoubleTy();
  auto *type = llvm::StructType::get(context_, {builder_.getInt64Ty(), ptr, ptr, f64, f64});
  llvm::Constant *init = llvm::ConstantStruct::get(
      type, {builder_.getInt64(t->batch), table(t->inputs, "inputs"), table(t->outputs, "outputs"),
             llvm::ConstantFP::get(f64, t->atol), llvm::ConstantFP::get(f64, t->rtol)});
  return new llvm::GlobalVariable(*module_, type, true, llvm::GlobalValue::PrivateLinkage, init, "test.vectors");
}

// What identifies the model definition an external weights file is built
// for: the model's interface, every step's layer and configuration, and the
// place and size of every tensor in the file.
uint64_t ModelCodegen::definitionHash() const {
  std::string d = program_.modelName + "\n";
  for (size_t i = 0; i < program_.inputs.size(); ++i)
    d += "in " + program_.inputNames[i] + " " + shapeString(program_.buffers[program_.inputs[i]].type) + "\n";
  for (size_t i = 0; i < program_.outputs.size(); ++i)
    d += "out " + program_.outputNames[i] + " " + shapeString(program_.buffers[program_.outputs[i]].type) + "\n";
  for (const Step &step : program_.steps) {
    if (step.copy) continue;
    d += step.layer->className() + " " + step.layer->name;
    for (const auto &[name, value] : step.layer->config.entries()) d += " " + name + "=" + repr(value);
    d += "\n";
  }
  for (uint64_t v : options_.externalWeights->layout()) d += std::to_string(v) + " ";
  return kiln_weights_checksum(d.data(), d.size());
}

// <prefix>_weights_check(data, size): the file's header, table and
// checksums against this model (kiln_weights_validate).
bool ModelCodegen::emitWeightsCheck(std::string &error) {
  ExternalWeights &file = *options_.externalWeights;
  uint64_t hash = definitionHash();
  if (!file.finish(hash, error)) return false;
  llvm::Type *ptr = builder_.getPtrTy();
  llvm::Type *size = module_->getDataLayout().getIntPtrType(context_);
  auto *type = llvm::FunctionType::get(builder_.getInt32Ty(), {ptr, size}, false);
  weightsCheck_ =
      llvm::Function::Create(type, llvm::Function::ExternalLinkage, options_.prefix + "_weights_check", *module_);
  weightsCheck_->addFnAttr(llvm::Attribute::NoUnwind);
  weightsCheck_->getArg(0)->setName("data");
  weightsCheck_->getArg(1)->setName("size");
  builder_.SetInsertPoint(llvm::BasicBlock::Create(context_, "entry", weightsCheck_));
  auto *layoutInit = llvm::ConstantDataArray::get(context_, llvm::ArrayRef<uint64_t>(file.layout()));
  auto *layout = new llvm::GlobalVariable(*module_, layoutInit->getType(), true, llvm::GlobalValue::PrivateLinkage,
                                         layoutInit, "weights.layout");
  llvm::Value *bytes = builder_.CreateZExtOrTrunc(weightsCheck_->getArg(1), builder_.getInt64Ty());
  builder_.CreateRet(builder_.CreateCall(kernel("kiln_weights_check"),
                                         {weightsCheck_->getArg(0), bytes, builder_.getInt64(hash), layout,
                                          builder_.getInt32(uint32_t(file.layout().size() / 2))}));
  return true;
}

// The run context (abi::RunContext) the kernels share: the parallel-for if
// it has more than one thread, and the workspaces after the arena.
// abi::RunContext: parallel, workspace, workspaceBytes, threads.
llvm::StructType *ModelCodegen::runContextType() {
  llvm::Type *ptr = builder_.getPtrTy(), *i64 = builder_.getInt64Ty();
  return llvm::StructType::get(context_, {ptr, ptr, i64, i64});
}

void ModelCodegen::emitRunContext(llvm::Value *scratch, llvm::Value *parallel) {
  llvm::Type *ptr = builder_.getPtrTy();
  llvm::StructType *contextType = runContextType();
  runContext_ = builder_.CreateAlloca(contextType, nullptr, "run.context");
  llvm::Value *threads = builder_.CreateCall(threadCount_, {parallel}, "threads");
  llvm::Value *several = builder_.CreateICmpSGT(threads, builder_.getInt64(1));
  auto field = [&](unsigned i) { return builder_.CreateStructGEP(contextType, runContext_, i); };
  builder_.CreateStore(builder_.CreateSelect(several, parallel, llvm::ConstantPointerNull::get(builder_.getPtrTy())),
                       field(0));
  llvm::Value *arena = builder_.CreateMul(batch_, dim(program_.arenaBytesPerSample));
  builder_.CreateStore(builder_.CreateInBoundsGEP(builder_.getInt8Ty(), scratch, arena, "workspace"), field(1));
  builder_.CreateStore(dim(program_.workspaceBytes), field(2));
  builder_.CreateStore(threads, field(3));
  runThreads_ = threads;
  llvm::Value *workspaces = builder_.CreateMul(threads, dim(program_.workspaceBytes));
  chunkArena_ = builder_.CreateInBoundsGEP(builder_.getInt8Ty(), builder_.CreateLoad(ptr, field(1)), workspaces,
                                           "chunk.arena");
}

// The executable's entry: describe the model to kiln_rt_main and hand over.
void ModelCodegen::emitMain() {
  llvm::Type *ptr = builder_.getPtrTy();
  llvm::Type *i32 = builder_.getInt32Ty();
  llvm::Type *i64 = builder_.getInt64Ty();
  auto *tensorInfo = llvm::StructType::get(context_, {ptr, i32, i32, ptr, ptr});
  auto *modelInfo =
      llvm::StructType::get(context_, {ptr, i32, i32, ptr, ptr, ptr, ptr, ptr, ptr, ptr, i32, ptr, ptr, ptr});
  auto internal = [&](const std::string &name, llvm::Type *result, std::vector<llvm::Type *> params) {
    auto *f = llvm::Function::Create(llvm::FunctionType::get(result, params, false), llvm::Function::InternalLinkage,
                                     options_.prefix + name, *module_);
    builder_.SetInsertPoint(llvm::BasicBlock::Create(context_, "entry", f));
    return f;
  };
  // The open axes' sizes from an array (the runtime's `axes`).
  auto loadAxes = [&](llvm::Value *array) {
    std::vector<llvm::Value *> axes;
    for (size_t i = 0; i < program_.openAxes.size(); ++i)
      axes.push_back(builder_.CreateLoad(i64, builder_.CreateConstGEP1_64(i64, array, i)));
    return axes;
  };
  // The entry points' parameters from the runtime's arrays.
  auto unpack = [&](const std::vector<EntryParam> &params, llvm::Value *batch, const std::vector<llvm::Value *> &axes,
                    llvm::Value *inputs, llvm::Value *outputs, llvm::Value *weights, llvm::Value *scratch,
                    llvm::Value *parallel) {
    std::vector<llvm::Value *> args;
    for (const EntryParam &p : params) {
      switch (p.role) {
      case EntryParam::Role::Batch: args.push_back(batch); break;
      case EntryParam::Role::Axis: args.push_back(axes[p.index]); break;
      case EntryParam::Role::Input: args.push_back(builder_.CreateLoad(ptr, builder_.CreateConstGEP1_64(ptr, inputs, p.index))); break;
      case EntryParam::Role::Output: args.push_back(builder_.CreateLoad(ptr, builder_.CreateConstGEP1_64(ptr, outputs, p.index))); break;
      case EntryParam::Role::Weights: args.push_back(weights); break;
      case EntryParam::Role::Scratch: args.push_back(scratch); break;
      case EntryParam::Role::Parallel: args.push_back(parallel); break;
      }
    }
    return args;
  };

  // run_generic(batch, axes[], inputs[], outputs[], weights, scratch, parallel)
  llvm::Function *run = internal("_run_generic", i32, {i64, ptr, ptr, ptr, ptr, ptr, ptr});
  builder_.CreateRet(builder_.CreateCall(run_, unpack(entry_.run, run->getArg(0), loadAxes(run->getArg(1)), run->getArg(2),
                                                      run->getArg(3), run->getArg(4), run->getArg(5), run->getArg(6))));
  // scratch_generic(batch, axes[], parallel)
  llvm::Function *scratch = internal("_scratch_size_generic", i64, {i64, ptr, ptr});
  builder_.CreateRet(builder_.CreateCall(scratchSize_, unpack(entry_.scratchSize, scratch->getArg(0),
                                                              loadAxes(scratch->getArg(1)), nullptr, nullptr, nullptr,
                                                              nullptr, scratch->getArg(2))));
  // output_dims(axes[], dims[]): the outputs' dims, or the first failed size check.
  llvm::Function *outputDims = internal("_output_dims", i32, {ptr, ptr});
  beginSizes(loadAxes(outputDims->getArg(0)));
  int64_t at = 0;
  for (int id : program_.outputs) {
    const std::vector<Dim> &dims = program_.buffers[id].type.dims;
    for (size_t a = 0; a < dims.size(); ++a)
      builder_.CreateStore(a == 0 ? builder_.getInt64(-1) : dim(dims[a]),
                           builder_.CreateConstGEP1_64(i64, outputDims->getArg(1), at++));
  }
  llvm::Value *failed = builder_.getInt32(-1);
  for (size_t i = program_.sizeChecks.size(); i-- > 0;) {
    const SizeCheck &c = program_.sizeChecks[i];
    llvm::Value *v = dim(c.value);
    llvm::Value *bad = c.equals.none() ? builder_.CreateICmpSLT(v, builder_.getInt64(1)) : builder_.CreateICmpNE(v, dim(c.equals));
    failed = builder_.CreateSelect(bad, builder_.getInt32(i), failed);
  }
  builder_.CreateRet(failed);

  std::vector<std::string> axisNames(program_.openAxes.empty() ? 0 : 1);
  for (const EntryParam &p : entry_.run)
    if (p.role == EntryParam::Role::Axis) {
      int id = program_.openAxes[p.index].id;
      axisNames.resize(std::max<size_t>(axisNames.size(), id + 1));
      axisNames[id] = p.name;
    }
  auto strings = [&](const std::vector<std::string> &items, const char *what) -> llvm::Constant * {
    std::vector<llvm::Constant *> entries;
    for (const std::string &s : items) entries.push_back(builder_.CreateGlobalStringPtr(s, std::string(what) + ".text"));
    auto *arrayType = llvm::ArrayType::get(ptr, entries.size());
    return new llvm::GlobalVariable(*module_, arrayType, true, llvm::GlobalValue::PrivateLinkage,
                                    llvm::ConstantArray::get(arrayType, entries), what);
  };
  auto tensorTable = [&](const std::vector<int> &ids, const std::vector<std::string> &names, const char *what) {
    std::vector<llvm::Constant *> entries;
    for (size_t i = 0; i < ids.size(); ++i) {
      const TensorType &t = program_.buffers[ids[i]].type;
      std::vector<uint64_t> dims;
      std::string shape = "(batch";
      for (int a = 0; a < t.rank(); ++a) {
        const Dim &d = t.dims[a];
        // kiln_rt.h's KILN_OPEN_AXIS(k) is -2 - k.
        int64_t code = a == 0 ? -1 : d.known() ? d.value() : -2;
        for (size_t k = 0; k < program_.openAxes.size(); ++k)
          if (a > 0 && d.op() == Dim::Op::Axis && d.axisId() == program_.openAxes[k].id) code = -2 - int64_t(k);
        dims.push_back(static_cast<uint64_t>(code));
        if (a > 0) shape += ", " + d.expression(axisNames);
      }
      shape += t.rank() == 1 ? ",)" : ")";
      auto *dimsInit = llvm::ConstantDataArray::get(context_, llvm::ArrayRef<uint64_t>(dims));
      auto *dimsVar = new llvm::GlobalVariable(*module_, dimsInit->getType(), true, llvm::GlobalValue::PrivateLinkage,
                                               dimsInit, std::string(what) + ".dims");
      entries.push_back(llvm::ConstantStruct::get(
          tensorInfo, {builder_.CreateGlobalStringPtr(printable(names[i]), std::string(what) + ".name"),
                       builder_.getInt32(t.dtype == DType::Float32 ? 0 : 1), builder_.getInt32(t.rank()), dimsVar,
                       builder_.CreateGlobalStringPtr(shape, std::string(what) + ".shape")}));
    }
    auto *arrayType = llvm::ArrayType::get(tensorInfo, entries.size());
    return new llvm::GlobalVariable(*module_, arrayType, true, llvm::GlobalValue::PrivateLinkage,
                                    llvm::ConstantArray::get(arrayType, entries), what);
  };
  std::vector<std::string> openNames, checks;
  for (const EntryParam &p : entry_.run)
    if (p.role == EntryParam::Role::Axis) openNames.push_back(p.name);
  for (const SizeCheck &c : program_.sizeChecks) checks.push_back(c.message);
  auto *main = llvm::Function::Create(llvm::FunctionType::get(i32, {i32, ptr}, false), llvm::Function::ExternalLinkage,
                                      "main", *module_);
  builder_.SetInsertPoint(llvm::BasicBlock::Create(context_, "entry", main));
  llvm::Constant *null = llvm::ConstantPointerNull::get(builder_.getPtrTy());
  llvm::Constant *info = llvm::ConstantStruct::get(
      modelInfo, {builder_.CreateGlobalStringPtr(printable(program_.modelName), "model.name"),
                  builder_.getInt32(program_.inputs.size()), builder_.getInt32(program_.outputs.size()),
                  tensorTable(program_.inputs, program_.inputNames, "inputs"),
                  tensorTable(program_.outputs, program_.outputNames, "outputs"), scratch, run,
                  emitTestVectors(),
                  weightsCheck_ ? builder_.CreateGlobalStringPtr(options_.weightsPath, "weights.path") : null,
                  weightsCheck_ ? static_cast<llvm::Constant *>(weightsCheck_) : null,
                  builder_.getInt32(program_.openAxes.size()), strings(openNames, "axis_names"), outputDims,
                  strings(checks, "size_checks")});
  auto *infoVar = new llvm::GlobalVariable(*module_, modelInfo, true, llvm::GlobalValue::PrivateLinkage, info, "model.info");
  llvm::FunctionCallee rtMain = module_->getOrInsertFunction("kiln_rt_main", llvm::FunctionType::get(i32, {ptr, i32, ptr}, false));
  builder_.CreateRet(builder_.CreateCall(rtMain, {infoVar, main->getArg(0), main->getArg(1)}));
}

}  // namespace kiln
