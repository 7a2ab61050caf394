#include "codegen/KernelAssembly.h"

#include <llvm/ADT/SmallString.h>
#include <llvm/Bitcode/BitcodeReader.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/LegacyPassManager.h>
#include <llvm/IR/Module.h>
#include <llvm/Linker/Linker.h>
#include <llvm/Support/raw_ostream.h>

#include <cctype>

namespace kiln {

namespace {

bool symbolChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '$'; }

// The directives that describe a whole file (the model's module writes its
// own), and the one that would export the kernel.
bool fileDirective(llvm::StringRef line, const std::string &name) {
  line = line.ltrim();
  for (llvm::StringRef prefix : {".file", ".ident", ".addrsig", ".section\t\".note.GNU-stack\"", ".eabi_attribute",
                                 ".attribute", ".build_attributes"})
    if (line.starts_with(prefix)) return true;
  return line.consume_front(".globl") && line.trim() == name;
}

// `text` with the directives above dropped and its assembler-local labels
// (.L...) renamed after `name`, outside string literals: each kernel's
// labels, like its functions, must differ from the model's and the others'.
std::string localize(llvm::StringRef text, const std::string &name) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  while (!text.empty()) {
    auto [line, rest] = text.split('\n');
    text = rest;
    if (fileDirective(line, name)) continue;
    bool quoted = false;
    for (size_t i = 0; i < line.size(); ++i) {
      char c = line[i];
      if (c == '"' && (i == 0 || line[i - 1] != '\\')) quoted = !quoted;
      if (!quoted && c == '.' && i + 1 < line.size() && line[i + 1] == 'L' && (i == 0 || !symbolChar(line[i - 1]))) {
        out += ".L" + name + "_";
        ++i;
        continue;
      }
      out += c;
    }
    out += '\n';
  }
  out += "\t.text\n";
  return out;
}

}  // namespace

bool compileKernelAssembly(llvm::StringRef library, const std::string &name, const TargetOptions &target,
                           std::string &assembly, std::string &error) {
  std::unique_ptr<llvm::TargetMachine> machine = createTargetMachine(target, error);
  if (!machine) return false;
  machine->Options.MCOptions.AsmVerbose = false;
  llvm::LLVMContext context;
  llvm::Expected<std::unique_ptr<llvm::Module>> kernels =
      llvm::getLazyBitcodeModule(llvm::MemoryBufferRef(library, "kiln-kernels"), context);
  if (!kernels) {
    error = "cannot read the kernel library: " + llvm::toString(kernels.takeError());
    return false;
  }
  llvm::Function *proto = (*kernels)->getFunction(name);
  if (!proto || proto->isDeclaration()) {
    error = "the kernel library has no kernel '" + name + "'";
    return false;
  }
  auto module = std::make_unique<llvm::Module>(name, context);
  module->setTargetTriple(machine->getTargetTriple().str());
  module->setDataLayout(machine->createDataLayout());
  (*kernels)->setTargetTriple(module->getTargetTriple());
  (*kernels)->setDataLayout(module->getDataLayout());
  llvm::Function::Create(proto->getFunctionType(), llvm::GlobalValue::ExternalLinkage, name, *module);
  if (llvm::Linker::linkModules(*module, std::move(*kernels), llvm::Linker::LinkOnlyNeeded)) {
    error = "linking kernel '" + name + "' failed";
    return false;
  }
  // What the kernel calls and reads is its own: local, and named after it.
  for (llvm::GlobalValue &value : module->global_values()) {
    if (value.isDeclaration() || value.getName() == name) continue;
    if (!value.hasPrivateLinkage()) {
      value.setLinkage(llvm::GlobalValue::InternalLinkage);
      value.setName(name + "." + value.getName());
    }
  }
  llvm::Function *kernel = module->getFunction(name);
  kernel->removeFnAttr(llvm::Attribute::AlwaysInline);

  setTargetAttributes(*module, *machine);
  optimizeModule(*module, *machine, target.optLevel);
  llvm::SmallString<0> text;
  llvm::raw_svector_ostream out(text);
  llvm::legacy::PassManager passes;
  if (machine->addPassesToEmitFile(passes, out, nullptr, llvm::CodeGenFileType::AssemblyFile)) {
    error = "the target cannot emit assembly";
    return false;
  }
  passes.run(*module);
  assembly = localize(text, name);
  return true;
}

}  // namespace kiln
