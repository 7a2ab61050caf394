// Turns the ANTLR parse tree into the AST (internal to the syntax stage).
#pragma once

#include "diagnostics/Diagnostics.h"
#include "syntax/AST.h"

#include "KilnParser.h"

#include <optional>
#include <vector>

namespace kiln {

// `codePoints[i]` is the byte offset of code point i of the file.
std::optional<ast::Module> buildAST(KilnParser::FileContext *tree, uint32_t file,
                                    const std::vector<uint32_t> &codePoints, DiagnosticEngine &diags);

}  // namespace kiln
