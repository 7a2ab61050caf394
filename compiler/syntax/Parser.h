// Parses a .kiln file with the ANTLR-generated parser and builds the AST.
#pragma once

#include "diagnostics/Diagnostics.h"
#include "syntax/AST.h"

#include <optional>
#include <string>
#include <vector>

namespace kiln {

// Returns the module, or nothing if the file has syntax errors (all of them
// are reported).
std::optional<ast::Module> parseFile(const SourceManager &sources, uint32_t file, DiagnosticEngine &diags);

// Parses the expression of an f-string field; `codePoints` maps its code
// points to byte offsets in `file`. Null after reporting a syntax error.
ast::ExprPtr parseEmbeddedExpression(const std::string &text, uint32_t file, const std::vector<uint32_t> &codePoints,
                                     DiagnosticEngine &diags);

}  // namespace kiln
