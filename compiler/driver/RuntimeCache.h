// libkiln_rt for another target: compiled from its C sources by the target's
// compiler driver once, then kept in a cache directory for every later
// executable built for that target.
#pragma once

#include "codegen/Link.h"

#include <optional>
#include <string>
#include <vector>

namespace kiln {

// The archive of the runtime in `runtimeDir` (its src/*.c compiled with
// `flags`), from the cache: $KILN_CACHE_DIR, else $XDG_CACHE_HOME/kiln, else
// ~/.cache/kiln. Its name is a hash of the runtime's files, the driver (path,
// size, time) and the flags, so a changed runtime or compiler makes a new one.
// nullopt when there is no cache directory or the archive cannot be built
// there: the caller then compiles the sources into the executable, which
// reports any error.
std::optional<std::string> cachedRuntime(const Linker &linker, const std::string &runtimeDir,
                                         const std::vector<std::string> &flags);

}  // namespace kiln
