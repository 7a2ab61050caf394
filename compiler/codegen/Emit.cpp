#include "codegen/Emit.h"

#include "codegen/Targets.h"

#include <llvm/IR/LegacyPassManager.h>
#include <llvm/MC/MCSubtargetInfo.h>
#include <llvm/MC/TargetRegistry.h>
#include <llvm/Object/ArchiveWriter.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/FileSystem.h>
#include <llvm/Support/Path.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/TargetParser/Host.h>

namespace kiln {

std::unique_ptr<llvm::TargetMachine> createTargetMachine(const TargetOptions &options, std::string &error) {
  llvm::InitializeAllTargetInfos();
  llvm::InitializeAllTargets();
  llvm::InitializeAllTargetMCs();
  llvm::InitializeAllAsmPrinters();
  llvm::InitializeAllAsmParsers();  // kernels arrive as module-level assembly (KernelAssembly.h)

  bool host = options.triple.empty();
  llvm::Triple triple = host ? hostTriple() : llvm::Triple(llvm::Triple::normalize(options.triple));
  const TargetFamily *family = targetFamily(triple, error);
  if (!family) return nullptr;
  // As clang does: a hard-float "arm" triple (Debian's arm-linux-gnueabihf) means ARMv7.
  if (triple.getArch() == llvm::Triple::arm && triple.getSubArch() == llvm::Triple::NoSubArch)
    triple.setArchName("armv7");
  const llvm::Target *target = llvm::TargetRegistry::lookupTarget(triple.str(), error);
  if (!target) return nullptr;

  // No CPU: this machine's for the host, the family's baseline for --target.
  std::string cpu = options.cpu;
  std::string features;
  if (cpu.empty() && !host) {
    cpu = family->cpu;
    features = family->features;
  } else if (cpu.empty() || cpu == "native") {
    if (!isHost(triple)) {
      error = "--mcpu=native describes this machine, not target '" + triple.str() + "'";
      return nullptr;
    }
    cpu = llvm::sys::getHostCPUName().str();
    for (const auto &feature : llvm::sys::getHostCPUFeatures()) {
      if (!features.empty()) features += ',';
      features += feature.second ? '+' : '-';
      features += feature.first().str();
    }
  }
  // An unknown CPU would make LLVM abort later; say so now.
  std::unique_ptr<llvm::MCSubtargetInfo> subtarget(target->createMCSubtargetInfo(triple.str(), "", ""));
  if (cpu != "generic" && subtarget && !subtarget->isCPUStringValid(cpu)) {
    error = "unknown CPU '" + cpu + "' for target '" + triple.str() + "'";
    return nullptr;
  }
  llvm::TargetOptions targetOptions;
  targetOptions.MCOptions.ABIName = family->abi;
  auto level = options.optLevel == 0   ? llvm::CodeGenOptLevel::None
               : options.optLevel == 1 ? llvm::CodeGenOptLevel::Less
               : options.optLevel == 2 ? llvm::CodeGenOptLevel::Default
                                       : llvm::CodeGenOptLevel::Aggressive;
  std::unique_ptr<llvm::TargetMachine> machine(target->createTargetMachine(
      triple.str(), cpu, features, targetOptions, llvm::Reloc::PIC_, std::nullopt, level));
  if (!machine) error = "cannot create a target machine for '" + triple.str() + "' (cpu '" + cpu + "')";
  return machine;
}

void setTargetAttributes(llvm::Module &module, llvm::TargetMachine &machine) {
  std::string cpu = machine.getTargetCPU().str();
  std::string features = machine.getTargetFeatureString().str();
  for (llvm::Function &f : module) {
    if (f.isDeclaration()) continue;
    f.removeFnAttr("target-cpu");
    f.removeFnAttr("target-features");
    f.removeFnAttr("tune-cpu");
    f.addFnAttr("target-cpu", cpu);
    if (!features.empty()) f.addFnAttr("target-features", features);
    if (hasWideVectors(machine)) {
      // The kernels' 16-float vectors are one register: keep them whole
      // even where the CPU's tuning prefers 256-bit vectors.
      f.addFnAttr("prefer-vector-width", "512");
      f.addFnAttr("min-legal-vector-width", "512");
    }
  }
}

void optimizeModule(llvm::Module &module, llvm::TargetMachine &machine, int optLevel) {
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PipelineTuningOptions tuning;
  tuning.LoopVectorization = optLevel >= 2;
  tuning.SLPVectorization = optLevel >= 2;
  tuning.LoopUnrolling = optLevel >= 2;
  llvm::PassBuilder builder(&machine, tuning);
  builder.registerModuleAnalyses(mam);
  builder.registerCGSCCAnalyses(cgam);
  builder.registerFunctionAnalyses(fam);
  builder.registerLoopAnalyses(lam);
  builder.crossRegisterProxies(lam, fam, cgam, mam);
  llvm::OptimizationLevel level = optLevel == 0   ? llvm::OptimizationLevel::O0
                                  : optLevel == 1 ? llvm::OptimizationLevel::O1
                                  : optLevel == 2 ? llvm::OptimizationLevel::O2
                                                  : llvm::OptimizationLevel::O3;
  llvm::ModulePassManager passes =
      optLevel == 0 ? builder.buildO0DefaultPipeline(level) : builder.buildPerModuleDefaultPipeline(level);
  passes.run(module, mam);
}

bool writeObject(llvm::Module &module, llvm::TargetMachine &machine, const std::string &path, bool assembly,
                 std::string &error) {
  std::error_code ec;
  llvm::raw_fd_ostream out(path, ec, llvm::sys::fs::OF_None);
  if (ec) {
    error = "cannot write '" + path + "': " + ec.message();
    return false;
  }
  llvm::legacy::PassManager passes;
  auto type = assembly ? llvm::CodeGenFileType::AssemblyFile : llvm::CodeGenFileType::ObjectFile;
  if (machine.addPassesToEmitFile(passes, out, nullptr, type)) {
    error = "the target cannot emit this file type";
    return false;
  }
  passes.run(module);
  out.flush();
  return true;
}

bool writeIR(llvm::Module &module, const std::string &path, std::string &error) {
  std::error_code ec;
  llvm::raw_fd_ostream out(path, ec, llvm::sys::fs::OF_Text);
  if (ec) {
    error = "cannot write '" + path + "': " + ec.message();
    return false;
  }
  module.print(out, nullptr);
  return true;
}

bool writeStaticLibrary(const std::vector<ArchiveMember> &objects, const std::string &output, std::string &error) {
  std::vector<llvm::NewArchiveMember> members;
  for (const ArchiveMember &object : objects) {
    llvm::Expected<llvm::NewArchiveMember> member = llvm::NewArchiveMember::getFile(object.path, true);
    if (!member) {
      error = llvm::toString(member.takeError());
      return false;
    }
    members.push_back(std::move(*member));
    members.back().MemberName = object.name;  // `objects` outlives writeArchive, which reads it
  }
  if (llvm::Error e = llvm::writeArchive(output, members, llvm::SymtabWritingMode::NormalSymtab,
                                         llvm::object::Archive::K_GNU, true, false)) {
    error = llvm::toString(std::move(e));
    return false;
  }
  return true;
}

}  // namespace kiln
