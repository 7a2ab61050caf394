// Parses a .kiln file with the ANTLR-generated parser and builds the AST.
#pragma once

#include "diagnostics/Diagnostics.h"
#include "syntax/AST.h"

#include <optional>

namespace kiln {

// Returns the module, or nothing if the file has syntax errors (all of them
// are reported).
std::optional<ast::Module> parseFile(const SourceManager &sources, uint32_t file, DiagnosticEngine &diags);

}  // namespace kiln
