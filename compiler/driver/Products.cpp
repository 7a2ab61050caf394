#include "driver/Products.h"

#include "codegen/Emit.h"
#include "codegen/Header.h"
#include "codegen/Link.h"
#include "codegen/Targets.h"
#include "driver/BuildCache.h"

#include <llvm/Support/FileSystem.h>
#include <llvm/Support/Path.h>

#include <fstream>
#include <unistd.h>

namespace kiln {

namespace {

bool writeText(const std::string &path, const std::string &text, std::string &error) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out.flush()) error = "cannot write '" + path + "'";
  return static_cast<bool>(out);
}

// libkiln_rt for `triple`, as arguments of the linker driver: for this
// machine the archive built with Kiln; for another target the archive the
// target's own compiler built from the runtime's C sources (cached), or those
// sources, which it then builds into the executable.
std::vector<std::string> runtimeArguments(const llvm::Triple &triple, const Linker &linker, const char *argv0) {
  if (isHost(triple)) {
    if (const char *dir = std::getenv("KILN_RUNTIME_DIR")) return {std::string(dir) + "/libkiln_rt.a"};
    return {installDirectory(argv0) + "/lib/libkiln_rt.a"};
  }
  std::string runtime = installDirectory(argv0) + "/share/kiln/runtime";
  std::vector<std::string> args{"-O2", "-std=c11", "-I" + runtime + "/include"};
  if (std::optional<std::string> archive = cachedRuntime(linker, runtime, args)) return {*archive};
  std::error_code ec;
  for (llvm::sys::fs::directory_iterator it(runtime + "/src", ec), end; it != end && !ec; it.increment(ec))
    if (llvm::sys::path::extension(it->path()) == ".c") args.push_back(it->path());
  return args;
}

// The object file as a temporary, removed when this goes out of scope.
struct TemporaryObject {
  llvm::SmallString<256> path;
  ~TemporaryObject() {
    if (!path.empty()) llvm::sys::fs::remove(path);
  }
  bool create(std::string &error) {
    int fd;
    if (std::error_code ec = llvm::sys::fs::createTemporaryFile("kiln", "o", fd, path)) {
      error = "cannot create a temporary file: " + ec.message();
      return false;
    }
    ::close(fd);
    return true;
  }
};

// The object file, with the weights written into it.
bool writeModelObject(llvm::Module &module, llvm::TargetMachine &machine, const ProductContext &cx,
                      const std::string &path, std::string &error) {
  bool ok = writeObject(module, machine, path, false, error) && (!cx.weights || cx.weights->patchObject(path, error));
  cx.phases->mark("object emission");
  return ok;
}

bool writeHeaders(const ProductContext &cx, std::string &error) {
  std::string cHeader = replaceExtension(cx.output, ".h");
  HeaderNames names{cx.prefix, llvm::sys::path::filename(cx.options.input).str(),
                    llvm::sys::path::filename(cHeader).str()};
  return writeText(cHeader, generateHeader(cx.program, cx.entry, names), error) &&
         writeText(replaceExtension(cx.output, ".hpp"), generateCxxHeader(cx.program, cx.entry, names), error);
}

}  // namespace

std::string installDirectory(const char *argv0) {
  static int anchor;
  std::string exe = llvm::sys::fs::getMainExecutable(argv0, &anchor);
  return llvm::sys::path::parent_path(llvm::sys::path::parent_path(exe)).str();
}

std::string replaceExtension(const std::string &path, const std::string &extension) {
  llvm::SmallString<256> p(path);
  llvm::sys::path::replace_extension(p, extension);
  return std::string(p);
}

bool writeProduct(llvm::Module &module, llvm::TargetMachine &machine, const ProductContext &cx, std::string &error) {
  const Options &o = cx.options;
  switch (o.emit) {
  case EmitKind::LLVM: return writeIR(module, cx.output, error);
  case EmitKind::Asm: return writeObject(module, machine, cx.output, true, error);
  case EmitKind::Obj: return writeModelObject(module, machine, cx, cx.output, error) && writeHeaders(cx, error);
  case EmitKind::Lib:
  case EmitKind::Shared:
  case EmitKind::Exe: break;
  }

  TemporaryObject object;
  if (!object.create(error) || !writeModelObject(module, machine, cx, std::string(object.path), error)) return false;
  if (o.emit == EmitKind::Lib) {
    llvm::StringRef name = llvm::sys::path::filename(cx.output);
    name.consume_back(".a");
    return writeStaticLibrary({{std::string(object.path), name.str() + ".o"}}, cx.output, error) &&
           writeHeaders(cx, error);
  }

  const llvm::Triple &triple = machine.getTargetTriple();
  std::optional<Linker> linker = findLinker(o.cc, triple, o.triple, error);
  if (!linker) return false;
  bool ok = o.emit == EmitKind::Shared
                ? linkSharedLibrary(*linker, std::string(object.path), apiSymbols(cx.prefix, !cx.options.externalWeights.empty()), cx.output, error)
                : linkExecutable(*linker, std::string(object.path), runtimeArguments(triple, *linker, cx.argv0), cx.output,
                                 error);
  cx.phases->mark("link");
  if (!ok) {
    error = "linking '" + cx.output + "' failed: " + error;
    return false;
  }
  return o.emit == EmitKind::Exe || writeHeaders(cx, error);
}

}  // namespace kiln
