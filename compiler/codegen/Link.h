// Linking a compiled model with the target's C compiler driver: into an
// executable (with libkiln_rt) or a shared library.
#pragma once

#include <llvm/TargetParser/Triple.h>

#include <optional>
#include <string>
#include <vector>

namespace kiln {

struct Linker {
  std::string driver;              // the C compiler driver's path
  std::vector<std::string> flags;  // before everything else: --target=... for clang
};

// The driver that links for `triple`: `requested` (--cc) if given; for this
// machine `cc`; for another target its cross compiler as Debian names them
// (`spelled` or the triple without vendor, then "-gcc": aarch64-linux-gnu-gcc,
// arm-linux-gnueabihf-gcc, riscv64-linux-gnu-gcc), else clang with --target.
std::optional<Linker> findLinker(const std::string &requested, const llvm::Triple &triple,
                                 const std::string &spelled, std::string &error);

// Runs the driver with its flags and `arguments`.
bool runDriver(const Linker &linker, const std::vector<std::string> &arguments, std::string &error);

// Links `object` with `runtime` (libkiln_rt: an archive, or its C sources
// and the flags to compile them) into an executable.
bool linkExecutable(const Linker &linker, const std::string &object, const std::vector<std::string> &runtime,
                    const std::string &output, std::string &error);

// Links `object` into a shared library that exports `symbols` and nothing else.
bool linkSharedLibrary(const Linker &linker, const std::string &object, const std::vector<std::string> &symbols,
                       const std::string &output, std::string &error);

}  // namespace kiln
