// Turns the ANTLR parse tree into the AST (internal to the syntax stage).
#pragma once

#include "diagnostics/Diagnostics.h"
#include "syntax/AST.h"
#include "syntax/Strings.h"

#include "KilnParser.h"

#include <optional>
#include <vector>

namespace kiln {

// `codePoints[i]` is the byte offset of code point i of the file.
std::optional<ast::Module> buildAST(KilnParser::FileContext *tree, uint32_t file,
                                    const std::vector<uint32_t> &codePoints, DiagnosticEngine &diags);

// The expression of an f-string field, parsed on its own; `codePoints` maps
// its code points to byte offsets in the file.
ast::ExprPtr buildEmbeddedExpr(KilnParser::EmbeddedExprContext *tree, uint32_t file,
                               const std::vector<uint32_t> &codePoints, DiagnosticEngine &diags);

namespace syntax {

// Builds AST nodes from parse-tree contexts (ASTStatements.cpp, ASTExpressions.cpp).
class Builder {
public:
  Builder(uint32_t file, const std::vector<uint32_t> &offsets, DiagnosticEngine &diags)
      : file_(file), offsets_(offsets), diags_(diags) {}

  std::optional<ast::Module> module(KilnParser::FileContext *tree);
  ast::ExprPtr exprList(KilnParser::ExprListContext *ctx);

private:
  SourceRange range(antlr4::ParserRuleContext *ctx) const {
    return range(ctx->getStart(), ctx->getStop() ? ctx->getStop() : ctx->getStart());
  }
  SourceRange range(antlr4::Token *first, antlr4::Token *last) const {
    size_t begin = std::min(first->getStartIndex(), offsets_.size() - 1);
    size_t end = std::min(last->getStopIndex() + 1, offsets_.size() - 1);
    return {{file_, offsets_[begin]}, offsets_[std::max(begin, end)]};
  }
  SourceRange range(antlr4::tree::TerminalNode *node) const { return range(node->getSymbol(), node->getSymbol()); }

  // statements
  void lineStatements(KilnParser::LineContext *line, std::vector<ast::StmtPtr> &out);
  void simpleStatements(KilnParser::SimpleStatementsContext *ctx, std::vector<ast::StmtPtr> &out);
  ast::StmtPtr simpleStatement(KilnParser::SimpleStatementContext *ctx);
  ast::StmtPtr importStatement(KilnParser::ImportStatementContext *ctx);
  ast::StmtPtr compoundHeader(KilnParser::CompoundHeaderContext *ctx);
  std::shared_ptr<ast::Function> function(const std::string &name, SourceRange range,
                                          KilnParser::ParametersContext *params);
  std::shared_ptr<ast::Function> lambda(KilnParser::LambdaExprContext *ctx);
  bool attachClause(ast::StmtPtr &clause, std::vector<ast::StmtPtr> &list);

  // expressions
  ast::ExprPtr expr(KilnParser::ExprContext *ctx);
  ast::ExprPtr operation(KilnParser::OperationContext *ctx);
  ast::ExprPtr power(KilnParser::PowerContext *ctx);
  ast::ExprPtr factor(KilnParser::FactorContext *ctx);
  ast::ExprPtr starExpr(KilnParser::StarExprContext *ctx);
  ast::ExprPtr targetList(KilnParser::TargetListContext *ctx);
  ast::ExprPtr primary(KilnParser::PrimaryContext *ctx);
  ast::ExprPtr atom(KilnParser::AtomContext *ctx);
  ast::ExprPtr call(ast::ExprPtr callee, KilnParser::ArgumentsContext *args, SourceRange whole);
  ast::ExprPtr subscript(ast::ExprPtr object, KilnParser::SubscriptsContext *subs, SourceRange whole);
  ast::ExprPtr comprehension(const char *kind, SourceRange range, ast::ExprPtr element, ast::ExprPtr value,
                             const std::vector<KilnParser::CompForContext *> &clauses);
  ast::ExprPtr number(antlr4::tree::TerminalNode *node);
  ast::ExprPtr string(KilnParser::StringAtomContext *ctx);
  void fstringParts(antlr4::tree::TerminalNode *node, size_t bodyOffset, const std::vector<FStringPart> &parts,
                    std::vector<ast::ExprPtr> &out);
  ast::ExprPtr sequence(ast::ExprKind kind, SourceRange range, const std::vector<KilnParser::StarExprContext *> &items);

  uint32_t file_;
  const std::vector<uint32_t> &offsets_;
  DiagnosticEngine &diags_;
};

}  // namespace syntax
}  // namespace kiln
