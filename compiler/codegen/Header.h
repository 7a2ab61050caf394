// The headers that describe a compiled model's entry points: the
// self-contained C header (C99 and C++) and the C++ wrapper class over it.
#pragma once

#include "codegen/EntryPoint.h"
#include "graph/Program.h"

#include <string>

namespace kiln {

struct HeaderNames {
  std::string prefix;      // C prefix of the entry points
  std::string sourceName;  // the .kiln file, for the banner
  std::string cHeader;     // file name of the C header, which the C++ header includes
};

std::string generateHeader(const Program &program, const EntryPoint &entry, const HeaderNames &names);
std::string generateCxxHeader(const Program &program, const EntryPoint &entry, const HeaderNames &names);

}  // namespace kiln
