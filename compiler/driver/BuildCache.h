// What kilnc builds once and keeps for every later build, in its cache
// directory: $KILN_CACHE_DIR, else $XDG_CACHE_HOME/kiln, else ~/.cache/kiln.
// Each entry's name is a hash of everything it is built from, so a changed
// input makes a new entry, and it is written beside its final name and
// renamed onto it, so that builds running at the same time each see either
// no entry or a whole one.
#pragma once

#include "codegen/Emit.h"
#include "codegen/Link.h"

#include <llvm/ADT/StringRef.h>

#include <optional>
#include <string>
#include <vector>

namespace kiln {

// libkiln_rt for another target: the archive of the runtime in `runtimeDir`
// (its src/*.c compiled with `flags` by the target's compiler driver), keyed
// by the runtime's files, the driver (path, size, time) and the flags.
// nullopt when there is no cache directory or the archive cannot be built
// there: the caller then compiles the sources into the executable, which
// reports any error.
std::optional<std::string> cachedRuntime(const Linker &linker, const std::string &runtimeDir,
                                         const std::vector<std::string> &flags);

// The assembly of kernel `name` of the bitcode `library` for `machine`, which
// was created from `target` (codegen/KernelAssembly.h), keyed by the library,
// kilnc itself, the machine's triple, CPU and features and the optimization
// level; compiled when the cache lacks it (by one build at a time: the
// others wait for its entry), and kept when there is a cache.
bool cachedKernelAssembly(llvm::StringRef library, const std::string &name, const TargetOptions &target,
                          const llvm::TargetMachine &machine, std::string &assembly, std::string &error);

}  // namespace kiln
