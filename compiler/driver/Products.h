// What `kilnc build` writes from a compiled module: IR or assembly, an
// object, a static or shared library, or an executable, and the headers
// that describe the entry points.
#pragma once

#include "codegen/EntryPoint.h"
#include "codegen/WeightBlob.h"
#include "driver/Options.h"
#include "driver/Phases.h"
#include "graph/Program.h"

#include <llvm/IR/Module.h>
#include <llvm/Target/TargetMachine.h>

#include <string>

namespace kiln {

struct ProductContext {
  const Options &options;
  const Program &program;
  const EntryPoint &entry;
  std::string prefix;  // C prefix of the entry points
  std::string output;  // the main file to write
  const char *argv0;   // for finding libkiln_rt beside kilnc
  const WeightBlob *weights;  // patched into every object written (may be null)
  PhaseTimer *phases;
};

// Writes the product; on failure returns false with `error` set.
bool writeProduct(llvm::Module &module, llvm::TargetMachine &machine, const ProductContext &cx, std::string &error);

// Kiln's installation (or build tree): bin/kilnc beside lib/ and share/.
std::string installDirectory(const char *argv0);

std::string replaceExtension(const std::string &path, const std::string &extension);

}  // namespace kiln
