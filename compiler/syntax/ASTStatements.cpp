// Statements: one logical line at a time, grouped into blocks by indentation
// as Python does; elif/else/except/finally clauses join the statement before
// them, decorators the def or class after them.
#include "syntax/ASTBuilder.h"

namespace kiln {
namespace syntax {

using namespace ast;

namespace {

// Python stops at 100 levels of indentation; building and evaluating the AST
// recurse once per level.
constexpr size_t kMaxBlockDepth = 100;

unsigned indentWidth(const std::string &text) {
  unsigned width = 0;
  for (char c : text) width = c == '\t' ? (width / 8 + 1) * 8 : c == '\f' ? 0 : width + 1;  // as Python
  return width;
}

bool containsYield(const std::vector<StmtPtr> &body) {
  for (const StmtPtr &s : body) {
    if (s->kind == StmtKind::Unsupported && s->keyword == "yield") return true;
    if (s->kind == StmtKind::Def || s->kind == StmtKind::Class) continue;  // their own scope
    if (containsYield(s->body)) return true;
    for (const StmtPtr &c : s->clauses)
      if (containsYield(c->body)) return true;
  }
  return false;
}

void markGenerators(std::vector<StmtPtr> &body) {
  for (StmtPtr &s : body) {
    if (s->kind == StmtKind::Def) s->function->generator = containsYield(s->function->body);
    markGenerators(s->kind == StmtKind::Def ? s->function->body : s->body);
    for (StmtPtr &c : s->clauses) markGenerators(c->body);
  }
}

}  // namespace

std::optional<Module> Builder::module(KilnParser::FileContext *tree) {
  Module module;
  module.file = file_;
  struct Frame {
    unsigned indent;
    std::vector<StmtPtr> *list;
  };
  std::vector<Frame> stack{{0, &module.statements}};
  Stmt *pendingHeader = nullptr;
  std::vector<ExprPtr> decorators;
  SourceRange decoratorRange;
  std::vector<StmtPtr> orphans;
  unsigned before = diags_.errorCount();

  for (KilnParser::LineContext *line : tree->line()) {
    std::vector<StmtPtr> stmts;
    if (auto *d = line->decorator()) {
      decorators.push_back(expr(d->expr()));
      decoratorRange = range(d);
    }
    lineStatements(line, stmts);
    if (stmts.empty() && !line->decorator()) continue;  // blank or comment-only line
    unsigned indent = line->INDENT() ? indentWidth(line->INDENT()->getText()) : 0;
    SourceRange first = stmts.empty() ? decoratorRange : stmts.front()->range;
    if (pendingHeader) {
      if (indent > stack.back().indent) {
        if (stack.size() > kMaxBlockDepth) {
          diags_.report(DiagID::err_syntax_block_depth, first, kMaxBlockDepth);
          return std::nullopt;
        }
        stack.push_back({indent, pendingHeader->kind == StmtKind::Def ? &pendingHeader->function->body
                                                                        : &pendingHeader->body});
      } else {
        diags_.report(DiagID::err_syntax_unexpected, first, "statement",
                      "an indented block after '" + pendingHeader->keyword + "'");
      }
      pendingHeader = nullptr;
    } else {
      while (indent < stack.back().indent) stack.pop_back();
      if (indent != stack.back().indent) diags_.report(DiagID::err_syntax_bad_indent, first);
    }
    if (stmts.empty()) continue;  // a decorator line: it belongs to the next def or class
    if (!decorators.empty()) {
      Stmt &next = *stmts.front();
      if (next.kind == StmtKind::Def || next.kind == StmtKind::Class) {
        next.decorators = std::move(decorators);
      } else {
        diags_.report(DiagID::err_syntax_decorator, decoratorRange);
      }
      decorators.clear();
    }
    for (StmtPtr &s : stmts) {
      bool header = s->blockHeader;
      Stmt *raw = s.get();
      if (s->kind == StmtKind::Clause) {
        // A misplaced clause is reported; its body is still its own, not more errors.
        if (!attachClause(s, *stack.back().list)) orphans.push_back(std::move(s));
      } else {
        stack.back().list->push_back(std::move(s));
      }
      if (header) pendingHeader = raw;
    }
  }
  if (pendingHeader)
    diags_.report(DiagID::err_syntax_unexpected, pendingHeader->range, "end of file",
                  "an indented block after '" + pendingHeader->keyword + "'");
  if (!decorators.empty()) diags_.report(DiagID::err_syntax_decorator, decoratorRange);
  if (diags_.errorCount() != before) return std::nullopt;
  markGenerators(module.statements);
  return module;
}

// elif/else after if, else after for/while, except/else/finally after try.
bool Builder::attachClause(StmtPtr &clause, std::vector<StmtPtr> &list) {
  Stmt *owner = list.empty() ? nullptr : list.back().get();
  const std::string &k = clause->keyword;
  bool fits = false;
  if (owner) {
    std::string last = owner->clauses.empty() ? "" : owner->clauses.back()->keyword;
    bool hasElse = false, hasExcept = false;
    for (const StmtPtr &c : owner->clauses) {
      hasElse |= c->keyword == "else";
      hasExcept |= c->keyword == "except";
    }
    switch (owner->kind) {
    case StmtKind::If: fits = (k == "elif" || k == "else") && !hasElse; break;
    case StmtKind::For:
    case StmtKind::While: fits = k == "else" && !hasElse; break;
    case StmtKind::Try:
      fits = last != "finally" &&
             ((k == "except" && !hasElse) || (k == "else" && hasExcept && !hasElse) || k == "finally");
      break;
    default: break;
    }
  }
  if (!fits) {
    const char *owners = k == "elif" ? "'if'" : k == "else" ? "'if', 'for', 'while' or 'try'" : "'try'";
    diags_.report(DiagID::err_syntax_clause, clause->keywordRange, k, owners);
    return false;
  }
  owner->clauses.push_back(std::move(clause));
  return true;
}

void Builder::lineStatements(KilnParser::LineContext *line, std::vector<StmtPtr> &out) {
  if (auto *header = line->compoundHeader()) {
    out.push_back(compoundHeader(header));
    return;
  }
  if (auto *simple = line->simpleStatements()) simpleStatements(simple, out);
}

void Builder::simpleStatements(KilnParser::SimpleStatementsContext *ctx, std::vector<StmtPtr> &out) {
  for (auto *s : ctx->simpleStatement())
    if (StmtPtr stmt = simpleStatement(s)) out.push_back(std::move(stmt));
}

StmtPtr Builder::simpleStatement(KilnParser::SimpleStatementContext *ctx) {
  auto make = [&](StmtKind kind) { return std::make_unique<Stmt>(kind, range(ctx)); };
  if (auto *imp = dynamic_cast<KilnParser::ImportStmtContext *>(ctx)) return importStatement(imp->importStatement());
  if (dynamic_cast<KilnParser::PassStmtContext *>(ctx)) return make(StmtKind::Pass);
  if (dynamic_cast<KilnParser::BreakStmtContext *>(ctx)) return make(StmtKind::Break);
  if (dynamic_cast<KilnParser::ContinueStmtContext *>(ctx)) return make(StmtKind::Continue);
  if (auto *r = dynamic_cast<KilnParser::ReturnStmtContext *>(ctx)) {
    StmtPtr s = make(StmtKind::Return);
    if (r->exprList()) s->value = exprList(r->exprList());
    return s;
  }
  if (auto *a = dynamic_cast<KilnParser::AssertStmtContext *>(ctx)) {
    StmtPtr s = make(StmtKind::Assert);
    s->value = expr(a->expr(0));
    if (a->expr().size() > 1) s->message = expr(a->expr(1));
    return s;
  }
  if (auto *d = dynamic_cast<KilnParser::DelStmtContext *>(ctx)) {
    StmtPtr s = make(StmtKind::Del);
    ExprPtr targets = exprList(d->exprList());
    if (targets->kind == ExprKind::Tuple && d->exprList()->COMMA().size() > 0) s->targets = std::move(targets->elements);
    else s->targets.push_back(std::move(targets));
    return s;
  }
  if (auto *r = dynamic_cast<KilnParser::RaiseStmtContext *>(ctx)) {
    StmtPtr s = make(StmtKind::Raise);
    if (!r->expr().empty()) s->value = expr(r->expr(0));
    return s;
  }
  if (auto *u = dynamic_cast<KilnParser::UnsupportedStmtContext *>(ctx)) {
    StmtPtr s = make(StmtKind::Unsupported);
    s->keyword = u->keyword->getText();
    s->keywordRange = range(u->keyword, u->keyword);
    return s;
  }
  if (auto *aug = dynamic_cast<KilnParser::AugAssignStmtContext *>(ctx)) {
    StmtPtr s = make(StmtKind::AugAssign);
    std::string op = aug->augAssign()->getText();
    s->op = op.substr(0, op.size() - 1);
    s->keywordRange = range(aug->augAssign());
    s->targets.push_back(exprList(aug->exprList(0)));
    s->value = exprList(aug->exprList(1));
    return s;
  }
  if (auto *ann = dynamic_cast<KilnParser::AnnotatedStmtContext *>(ctx)) {
    // x: int = 5 assigns; a bare annotation `x: int` binds nothing. Both
    // keep their target and keyword "annotation": a dataclass's fields.
    StmtPtr s = make(ann->exprList().size() < 2 ? StmtKind::Pass : StmtKind::Assign);
    s->keyword = "annotation";
    s->targets.push_back(exprList(ann->exprList(0)));
    if (ann->exprList().size() > 1) s->value = exprList(ann->exprList(1));
    return s;
  }
  auto *e = static_cast<KilnParser::ExprStmtContext *>(ctx);
  std::vector<KilnParser::ExprListContext *> lists = e->exprList();
  if (lists.size() == 1) {
    StmtPtr s = make(StmtKind::Expression);
    s->value = exprList(lists[0]);
    return s;
  }
  StmtPtr s = make(StmtKind::Assign);
  for (size_t i = 0; i + 1 < lists.size(); ++i) s->targets.push_back(exprList(lists[i]));
  s->value = exprList(lists.back());
  return s;
}

StmtPtr Builder::importStatement(KilnParser::ImportStatementContext *ctx) {
  auto s = std::make_unique<Stmt>(StmtKind::Import, range(ctx));
  if (!ctx->FROM()) {
    for (auto *alias : ctx->dottedAlias()) {
      std::string path = alias->dottedName()->getText();
      // `import keras.layers` binds `keras`; `import keras.layers as L` binds L.
      std::string bound = alias->NAME() ? alias->NAME()->getText() : path.substr(0, path.find('.'));
      s->imports.push_back({alias->NAME() ? path : path.substr(0, path.find('.')), bound, range(alias)});
    }
    return s;
  }
  // Relative imports (from . import x) name the user's own modules.
  std::string from = std::string(ctx->DOT().size(), '.') + (ctx->dottedName() ? ctx->dottedName()->getText() : "");
  if (ctx->STAR()) {
    s->imports.push_back({from + ".*", "*", range(ctx->STAR())});
    return s;
  }
  for (auto *alias : ctx->importAlias()) {
    std::string name = alias->NAME(0)->getText();
    std::string bound = alias->NAME().size() > 1 ? alias->NAME(1)->getText() : name;
    s->imports.push_back({from + (from.back() == '.' ? "" : ".") + name, bound, range(alias)});
  }
  return s;
}

std::shared_ptr<Function> Builder::function(const std::string &name, SourceRange where,
                                            KilnParser::ParametersContext *params) {
  auto f = std::make_shared<Function>();
  f->name = name;
  f->range = where;
  if (!params) return f;
  for (KilnParser::ParameterContext *p : params->parameter()) {
    Parameter param;
    param.range = range(p);
    if (auto *plain = dynamic_cast<KilnParser::PlainParameterContext *>(p)) {
      param.name = plain->NAME()->getText();
      if (plain->ASSIGN()) param.defaultValue = expr(plain->expr().back());
    } else if (auto *star = dynamic_cast<KilnParser::StarParameterContext *>(p)) {
      param.kind = star->NAME() ? Parameter::Kind::VarArgs : Parameter::Kind::KeywordOnly;
      if (star->NAME()) param.name = star->NAME()->getText();
    } else if (auto *kw = dynamic_cast<KilnParser::KwargsParameterContext *>(p)) {
      param.kind = Parameter::Kind::KwArgs;
      param.name = kw->NAME()->getText();
    } else {
      param.kind = Parameter::Kind::PositionalOnly;
    }
    f->params.push_back(std::move(param));
  }
  return f;
}

std::shared_ptr<Function> Builder::lambda(KilnParser::LambdaExprContext *ctx) {
  auto f = std::make_shared<Function>();
  f->name = "<lambda>";
  f->range = range(ctx);
  if (auto *params = ctx->lambdaParameters()) {
    for (KilnParser::LambdaParameterContext *p : params->lambdaParameter()) {
      Parameter param;
      param.range = range(p);
      if (auto *plain = dynamic_cast<KilnParser::PlainLambdaParameterContext *>(p)) {
        param.name = plain->NAME()->getText();
        if (plain->expr()) param.defaultValue = expr(plain->expr());
      } else if (auto *star = dynamic_cast<KilnParser::StarLambdaParameterContext *>(p)) {
        param.kind = star->NAME() ? Parameter::Kind::VarArgs : Parameter::Kind::KeywordOnly;
        if (star->NAME()) param.name = star->NAME()->getText();
      } else {
        param.kind = Parameter::Kind::KwArgs;
        param.name = static_cast<KilnParser::KwargsLambdaParameterContext *>(p)->NAME()->getText();
      }
      f->params.push_back(std::move(param));
    }
  }
  f->result = expr(ctx->expr());
  return f;
}

StmtPtr Builder::compoundHeader(KilnParser::CompoundHeaderContext *ctx) {
  StmtPtr s;
  KilnParser::SimpleStatementsContext *inlineBody = nullptr;
  antlr4::Token *keyword = ctx->getStart();
  if (auto *d = dynamic_cast<KilnParser::DefHeaderContext *>(ctx)) {
    s = std::make_unique<Stmt>(StmtKind::Def, range(ctx));
    s->name = d->NAME()->getText();
    s->function = function(s->name, range(ctx), d->parameters());
    inlineBody = d->simpleStatements();
    if (inlineBody) simpleStatements(inlineBody, s->function->body);
  } else if (auto *c = dynamic_cast<KilnParser::ClassHeaderContext *>(ctx)) {
    s = std::make_unique<Stmt>(StmtKind::Class, range(ctx));
    s->name = c->NAME()->getText();
    if (auto *args = c->arguments())
      for (KilnParser::ArgumentContext *a : args->argument())
        if (auto *p = dynamic_cast<KilnParser::PositionalArgumentContext *>(a)) s->items.push_back(expr(p->expr()));
    inlineBody = c->simpleStatements();
  } else if (auto *f = dynamic_cast<KilnParser::ForHeaderContext *>(ctx)) {
    s = std::make_unique<Stmt>(StmtKind::For, range(ctx));
    s->targets.push_back(targetList(f->targetList()));
    s->value = exprList(f->exprList());
    inlineBody = f->simpleStatements();
  } else if (auto *c = dynamic_cast<KilnParser::ConditionHeaderContext *>(ctx)) {
    std::string k = c->keyword->getText();
    s = std::make_unique<Stmt>(k == "if" ? StmtKind::If : k == "while" ? StmtKind::While : StmtKind::Clause, range(ctx));
    s->value = expr(c->expr());
    inlineBody = c->simpleStatements();
  } else if (auto *e = dynamic_cast<KilnParser::ElseHeaderContext *>(ctx)) {
    s = std::make_unique<Stmt>(StmtKind::Clause, range(ctx));
    inlineBody = e->simpleStatements();
  } else if (auto *w = dynamic_cast<KilnParser::WithHeaderContext *>(ctx)) {
    s = std::make_unique<Stmt>(StmtKind::With, range(ctx));
    for (KilnParser::WithItemContext *item : w->withItem()) {
      s->items.push_back(expr(item->expr()));
      s->targets.push_back(item->primary() ? primary(item->primary()) : nullptr);
    }
    inlineBody = w->simpleStatements();
  } else if (auto *t = dynamic_cast<KilnParser::TryHeaderContext *>(ctx)) {
    s = std::make_unique<Stmt>(StmtKind::Try, range(ctx));
    inlineBody = t->simpleStatements();
  } else if (auto *x = dynamic_cast<KilnParser::ExceptHeaderContext *>(ctx)) {
    s = std::make_unique<Stmt>(StmtKind::Clause, range(ctx));
    if (x->expr()) s->value = expr(x->expr());
    if (x->NAME()) s->name = x->NAME()->getText();
    inlineBody = x->simpleStatements();
  } else {
    auto *fin = static_cast<KilnParser::FinallyHeaderContext *>(ctx);
    s = std::make_unique<Stmt>(StmtKind::Clause, range(ctx));
    inlineBody = fin->simpleStatements();
  }
  s->keyword = keyword->getText();
  s->keywordRange = range(keyword, keyword);
  // `if x: y = 2` holds its body on the line; `if x:` owns the lines below.
  s->blockHeader = inlineBody == nullptr;
  if (inlineBody && s->kind != StmtKind::Def) simpleStatements(inlineBody, s->body);
  return s;
}

}  // namespace syntax

std::optional<ast::Module> buildAST(KilnParser::FileContext *tree, uint32_t file,
                                    const std::vector<uint32_t> &codePoints, DiagnosticEngine &diags) {
  return syntax::Builder(file, codePoints, diags).module(tree);
}

ast::ExprPtr buildEmbeddedExpr(KilnParser::EmbeddedExprContext *tree, uint32_t file,
                               const std::vector<uint32_t> &codePoints, DiagnosticEngine &diags) {
  return syntax::Builder(file, codePoints, diags).exprList(tree->exprList());
}

}  // namespace kiln
