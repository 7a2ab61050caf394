#include "codegen/Link.h"

#include "codegen/Targets.h"

#include <llvm/ADT/SmallString.h>
#include <llvm/Support/FileSystem.h>
#include <llvm/Support/Program.h>
#include <llvm/Support/raw_ostream.h>

namespace kiln {

bool runDriver(const Linker &linker, const std::vector<std::string> &arguments, std::string &error) {
  std::vector<llvm::StringRef> args{linker.driver};
  for (const std::string &a : linker.flags) args.push_back(a);
  for (const std::string &a : arguments) args.push_back(a);
  std::string message;
  int status = llvm::sys::ExecuteAndWait(linker.driver, args, std::nullopt, {}, 0, 0, &message);
  if (status != 0) {
    error = message.empty() ? linker.driver + " exited with status " + std::to_string(status) : message;
    return false;
  }
  return true;
}

namespace {

// A sanitizer build (KILN_SANITIZE) links executables with its own C
// compiler and sanitizer flags: its libkiln_rt needs their runtimes.
#ifdef KILN_SANITIZE_CC
const char *const kHostDriver = KILN_SANITIZE_CC;
const std::vector<std::string> kHostFlags = {KILN_SANITIZE_LINK};
#else
const char *const kHostDriver = "cc";
const std::vector<std::string> kHostFlags;
#endif

}  // namespace

std::optional<Linker> findLinker(const std::string &requested, const llvm::Triple &triple,
                                 const std::string &spelled, std::string &error) {
  auto find = [](const std::string &name) -> std::optional<std::string> {
    llvm::ErrorOr<std::string> path = llvm::sys::findProgramByName(name);
    return path ? std::optional<std::string>(*path) : std::nullopt;
  };
  if (!requested.empty()) {
    if (auto path = find(requested)) return Linker{*path, isHost(triple) ? kHostFlags : std::vector<std::string>{}};
    error = "the C compiler '" + requested + "' given with --cc was not found";
    return std::nullopt;
  }
  if (isHost(triple)) {
    if (auto path = find(kHostDriver)) return Linker{*path, kHostFlags};
    error = std::string("no C compiler driver '") + kHostDriver + "' on PATH to link with";
    return std::nullopt;
  }
  std::string plain = (llvm::Triple::getArchTypeName(triple.getArch()) + "-" +
                       llvm::Triple::getOSTypeName(triple.getOS()) + "-" +
                       llvm::Triple::getEnvironmentTypeName(triple.getEnvironment()))
                          .str();
  for (const std::string &name : {spelled + "-gcc", plain + "-gcc"})
    if (auto path = find(name)) return Linker{*path, {}};
  for (const char *clang : {"clang-19", "clang"})
    if (auto path = find(clang)) return Linker{*path, {"--target=" + triple.str()}};
  error = "no C compiler to link for '" + triple.str() + "': install its cross toolchain (" + plain +
          "-gcc on Debian) or name one with --cc";
  return std::nullopt;
}

bool linkExecutable(const Linker &linker, const std::string &object, const std::vector<std::string> &runtime,
                    const std::string &output, std::string &error) {
  std::vector<std::string> args{object};
  args.insert(args.end(), runtime.begin(), runtime.end());
  args.insert(args.end(), {"-lm", "-pthread", "-o", output});
  return runDriver(linker, args, error);
}

bool linkSharedLibrary(const Linker &linker, const std::string &object, const std::vector<std::string> &symbols,
                       const std::string &output, std::string &error) {
  int fd;
  llvm::SmallString<256> script;
  if (std::error_code ec = llvm::sys::fs::createTemporaryFile("kiln-exports", "map", fd, script)) {
    error = "cannot create a temporary file: " + ec.message();
    return false;
  }
  {
    llvm::raw_fd_ostream out(fd, true);
    out << "{\n  global:\n";
    for (const std::string &s : symbols) out << "    " << s << ";\n";
    out << "  local: *;\n};\n";
  }
  bool ok = runDriver(linker, {"-shared", "-Wl,--version-script=" + std::string(script), object, "-lm", "-o", output},
                      error);
  llvm::sys::fs::remove(script);
  return ok;
}

}  // namespace kiln
