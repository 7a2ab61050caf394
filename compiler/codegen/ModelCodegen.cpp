#include "codegen/ModelCodegen.h"

#include "codegen/ExternalWeights.h"
#include "codegen/LowerContext.h"
#include "layers/LayerKind.h"

#include "kiln_weights.h"

#include <llvm/Bitcode/BitcodeReader.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Linker/Linker.h>
#include <llvm/Support/raw_ostream.h>

namespace kiln {

namespace {
// Reads a kernel library (bitcode compiled when kilnc was built).
std::unique_ptr<llvm::Module> loadKernelLibrary(llvm::LLVMContext &context, llvm::StringRef bitcode,
                                                std::string &error) {
  auto module = llvm::parseBitcodeFile(llvm::MemoryBufferRef(bitcode, "kiln-kernels"), context);
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
  case EntryParam::Role::Batch: return builder_.getInt64Ty();
  case EntryParam::Role::Input:
  case EntryParam::Role::Output:
  case EntryParam::Role::Weights:
  case EntryParam::Role::Scratch: return builder_.getPtrTy();
  }
  return nullptr;
}

llvm::Function *ModelCodegen::kernel(const char *name) {
  if (llvm::Function *f = module_->getFunction(name)) return f;
  llvm::Function *proto = kernels_->getFunction(name);
  if (!proto) return nullptr;
  return llvm::Function::Create(proto->getFunctionType(), llvm::Function::ExternalLinkage, name, *module_);
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

  emitScratchSize();
  emitRun();
  if (options_.externalWeights && !emitWeightsCheck(error)) return nullptr;
  if (options_.emitMain) emitMain();

  // Bring in the kernels the model calls; they are private to the model.
  std::vector<std::string> used;
  for (llvm::Function &f : *module_)
    if (f.isDeclaration() && !f.isIntrinsic() && kernels_->getFunction(f.getName())) used.push_back(f.getName().str());
  if (llvm::Linker::linkModules(*module_, std::move(kernels_), llvm::Linker::LinkOnlyNeeded)) {
    error = "linking the kernel library failed";
    return nullptr;
  }
  for (const std::string &name : used) {
    llvm::Function *f = module_->getFunction(name);
    f->setLinkage(llvm::GlobalValue::InternalLinkage);
    if (!options_.inlineKernels) {
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

// batch * arena bytes per sample + the workspace, or -1 for a negative
// batch or a size that overflows int64.
void ModelCodegen::emitScratchSize() {
  std::vector<llvm::Type *> params;
  for (const EntryParam &p : entry_.scratchSize) params.push_back(paramType(p.role));
  llvm::Type *i64 = builder_.getInt64Ty();
  auto *type = llvm::FunctionType::get(i64, params, false);
  scratchSize_ = llvm::Function::Create(type, llvm::Function::ExternalLinkage, options_.prefix + "_scratch_size", *module_);
  for (size_t i = 0; i < entry_.scratchSize.size(); ++i) scratchSize_->getArg(i)->setName(entry_.scratchSize[i].name);
  llvm::Argument *batch = scratchSize_->getArg(0);
  builder_.SetInsertPoint(llvm::BasicBlock::Create(context_, "entry", scratchSize_));
  llvm::Value *arena = builder_.CreateBinaryIntrinsic(llvm::Intrinsic::smul_with_overflow, batch,
                                                      builder_.getInt64(program_.arenaBytesPerSample), nullptr, "arena");
  llvm::Value *total = builder_.CreateBinaryIntrinsic(llvm::Intrinsic::sadd_with_overflow,
                                                      builder_.CreateExtractValue(arena, 0),
                                                      builder_.getInt64(program_.workspaceBytes), nullptr, "total");
  llvm::Value *invalid = builder_.CreateOr(builder_.CreateICmpSLT(batch, builder_.getInt64(0)),
                                           builder_.CreateOr(builder_.CreateExtractValue(arena, 1),
                                                             builder_.CreateExtractValue(total, 1)));
  builder_.CreateRet(builder_.CreateSelect(invalid, builder_.getInt64(-1), builder_.CreateExtractValue(total, 0)));
}

void ModelCodegen::emitRun() {
  using Role = EntryParam::Role;
  std::vector<llvm::Type *> params;
  for (const EntryParam &p : entry_.run) params.push_back(paramType(p.role));
  auto *type = llvm::FunctionType::get(builder_.getInt32Ty(), params, false);
  run_ = llvm::Function::Create(type, llvm::Function::ExternalLinkage, options_.prefix + "_run", *module_);
  run_->addFnAttr(llvm::Attribute::NoUnwind);
  for (size_t i = 0; i < entry_.run.size(); ++i) {
    const EntryParam &p = entry_.run[i];
    llvm::Argument *a = run_->getArg(i);
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

  // A negative batch is the caller's mistake: report it rather than run.
  llvm::BasicBlock *entry = llvm::BasicBlock::Create(context_, "entry", run_);
  llvm::BasicBlock *body = llvm::BasicBlock::Create(context_, "body", run_);
  llvm::BasicBlock *badBatch = llvm::BasicBlock::Create(context_, "bad_batch", run_);
  builder_.SetInsertPoint(badBatch);
  builder_.CreateRet(builder_.getInt32(1));
  builder_.SetInsertPoint(entry);
  builder_.CreateCondBr(builder_.CreateICmpSLT(batch_, builder_.getInt64(0), "negative"), badBatch, body);
  builder_.SetInsertPoint(body);
  workspace_ = builder_.CreateInBoundsGEP(builder_.getInt8Ty(), scratch,
                                         builder_.CreateMul(batch_, builder_.getInt64(program_.arenaBytesPerSample)),
                                         "workspace");
  for (size_t id = 0; id < program_.buffers.size(); ++id) {
    const Buffer &b = program_.buffers[id];
    switch (b.kind) {
    case Buffer::Kind::Input: bufferPointers_[id] = run_->getArg(entry_.runPosition(Role::Input, b.index)); break;
    case Buffer::Kind::Output: bufferPointers_[id] = run_->getArg(entry_.runPosition(Role::Output, b.index)); break;
    case Buffer::Kind::Arena: {
      llvm::Value *offset = builder_.CreateMul(batch_, builder_.getInt64(b.offset));
      bufferPointers_[id] = builder_.CreateInBoundsGEP(builder_.getInt8Ty(), scratch, offset, b.name + ".out");
      break;
    }
    }
  }
  for (const Step &step : program_.steps) {
    if (step.copy) {
      int64_t bytes = step.inputTypes[0].sampleElements() * 4;
      builder_.CreateMemCpy(bufferPointers_[step.outputs[0]], llvm::MaybeAlign(4), bufferPointers_[step.inputs[0]],
                            llvm::MaybeAlign(4), builder_.CreateMul(batch_, builder_.getInt64(bytes)));
      continue;
    }
    LowerBindings b;
    b.layer = b.weightLayer = step.layer;
    for (int id : step.inputs) b.inputs.push_back(bufferPointers_[id]);
    for (int id : step.outputs) b.outputs.push_back(bufferPointers_[id]);
    for (int id : step.inputMasks) b.inputMasks.push_back(id < 0 ? nullptr : bufferPointers_[id]);
    for (int id : step.outputMasks) b.outputMasks.push_back(id < 0 ? nullptr : bufferPointers_[id]);
    b.inputTypes = step.inputTypes;
    b.outputTypes = step.outputTypes;
    b.batch = batch_;
    b.temporary = step.temporary < 0 ? nullptr : bufferPointers_[step.temporary];
    b.fusedActivation = step.fusedActivation;
    b.channelAffine = step.channelAffine;
    LowerContext cx(*this, std::move(b));
    step.layer->kind->lower(cx);
  }
  builder_.CreateRet(builder_.getInt32(0));
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

// The executable's entry: describe the model to kiln_rt_main and hand over.
void ModelCodegen::emitMain() {
  llvm::Type *ptr = builder_.getPtrTy();
  llvm::Type *i32 = builder_.getInt32Ty();
  llvm::Type *i64 = builder_.getInt64Ty();
  auto *tensorInfo = llvm::StructType::get(context_, {ptr, i32, i32, ptr});
  auto *modelInfo = llvm::StructType::get(context_, {ptr, i32, i32, ptr, ptr, ptr, ptr, ptr, ptr, ptr});

  // run_generic(batch, inputs[], outputs[], weights, scratch) unpacks the arrays.
  auto *genericType = llvm::FunctionType::get(i32, {i64, ptr, ptr, ptr, ptr}, false);
  auto *generic = llvm::Function::Create(genericType, llvm::Function::InternalLinkage, options_.prefix + "_run_generic",
                                         *module_);
  builder_.SetInsertPoint(llvm::BasicBlock::Create(context_, "entry", generic));
  std::vector<llvm::Value *> args;
  for (const EntryParam &p : entry_.run) {
    switch (p.role) {
    case EntryParam::Role::Batch: args.push_back(generic->getArg(0)); break;
    case EntryParam::Role::Input:
      args.push_back(builder_.CreateLoad(ptr, builder_.CreateConstGEP1_64(ptr, generic->getArg(1), p.index)));
      break;
    case EntryParam::Role::Output:
      args.push_back(builder_.CreateLoad(ptr, builder_.CreateConstGEP1_64(ptr, generic->getArg(2), p.index)));
      break;
    case EntryParam::Role::Weights: args.push_back(generic->getArg(3)); break;
    case EntryParam::Role::Scratch: args.push_back(generic->getArg(4)); break;
    }
  }
  builder_.CreateRet(builder_.CreateCall(run_, args));

  auto tensorTable = [&](const std::vector<int> &ids, const std::vector<std::string> &names, const char *what) {
    std::vector<llvm::Constant *> entries;
    for (size_t i = 0; i < ids.size(); ++i) {
      const TensorType &t = program_.buffers[ids[i]].type;
      std::vector<int64_t> dims = t.dims;
      auto *dimsInit = llvm::ConstantDataArray::get(context_, llvm::ArrayRef<uint64_t>(
                                                                  reinterpret_cast<const uint64_t *>(dims.data()), dims.size()));
      auto *dimsVar = new llvm::GlobalVariable(*module_, dimsInit->getType(), true, llvm::GlobalValue::PrivateLinkage,
                                               dimsInit, std::string(what) + ".dims");
      entries.push_back(llvm::ConstantStruct::get(
          tensorInfo, {builder_.CreateGlobalStringPtr(names[i], std::string(what) + ".name"),
                       builder_.getInt32(t.dtype == DType::Float32 ? 0 : 1), builder_.getInt32(t.rank()), dimsVar}));
    }
    auto *arrayType = llvm::ArrayType::get(tensorInfo, entries.size());
    return new llvm::GlobalVariable(*module_, arrayType, true, llvm::GlobalValue::PrivateLinkage,
                                    llvm::ConstantArray::get(arrayType, entries), what);
  };
  auto *main = llvm::Function::Create(llvm::FunctionType::get(i32, {i32, ptr}, false), llvm::Function::ExternalLinkage,
                                      "main", *module_);
  builder_.SetInsertPoint(llvm::BasicBlock::Create(context_, "entry", main));
  llvm::Constant *null = llvm::ConstantPointerNull::get(builder_.getPtrTy());
  llvm::Constant *info = llvm::ConstantStruct::get(
      modelInfo, {builder_.CreateGlobalStringPtr(program_.modelName, "model.name"),
                  builder_.getInt32(program_.inputs.size()), builder_.getInt32(program_.outputs.size()),
                  tensorTable(program_.inputs, program_.inputNames, "inputs"),
                  tensorTable(program_.outputs, program_.outputNames, "outputs"), scratchSize_, generic,
                  emitTestVectors(),
                  weightsCheck_ ? builder_.CreateGlobalStringPtr(options_.weightsPath, "weights.path") : null,
                  weightsCheck_ ? static_cast<llvm::Constant *>(weightsCheck_) : null});
  auto *infoVar = new llvm::GlobalVariable(*module_, modelInfo, true, llvm::GlobalValue::PrivateLinkage, info, "model.info");
  llvm::FunctionCallee rtMain = module_->getOrInsertFunction("kiln_rt_main", llvm::FunctionType::get(i32, {ptr, i32, ptr}, false));
  builder_.CreateRet(builder_.CreateCall(rtMain, {infoVar, main->getArg(0), main->getArg(1)}));
}

}  // namespace kiln
