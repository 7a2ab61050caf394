// The self-contained C header that describes a compiled model's entry points.
#pragma once

#include "graph/Program.h"

#include <string>

namespace kiln {

std::string generateHeader(const Program &program, const std::string &prefix, const std::string &sourceName);

}  // namespace kiln
