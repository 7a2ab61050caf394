#include "syntax/ASTBuilder.h"

#include <charconv>

namespace kiln {

namespace {

using namespace ast;

class Builder {
public:
  Builder(uint32_t file, const std::vector<uint32_t> &offsets, DiagnosticEngine &diags)
      : file_(file), offsets_(offsets), diags_(diags) {}

  std::optional<Module> build(KilnParser::FileContext *tree);

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

  void statements(KilnParser::LineContext *line, std::vector<StmtPtr> &out);
  StmtPtr simpleStatement(KilnParser::SimpleStatementContext *ctx);
  StmtPtr importStatement(KilnParser::ImportStatementContext *ctx);
  StmtPtr compoundHeader(KilnParser::CompoundHeaderContext *ctx);
  ExprPtr exprList(KilnParser::ExprListContext *ctx);
  ExprPtr expr(KilnParser::ExprContext *ctx);
  ExprPtr power(KilnParser::PowerContext *ctx);
  ExprPtr factor(KilnParser::FactorContext *ctx);
  ExprPtr primary(KilnParser::PrimaryContext *ctx);
  ExprPtr atom(KilnParser::AtomContext *ctx);
  ExprPtr number(antlr4::tree::TerminalNode *node);
  ExprPtr string(KilnParser::StringAtomContext *ctx);
  ExprPtr unsupported(antlr4::ParserRuleContext *ctx, const char *what) {
    auto e = std::make_unique<Expr>(ExprKind::Unsupported, range(ctx));
    e->name = what;
    return e;
  }

  uint32_t file_;
  const std::vector<uint32_t> &offsets_;
  DiagnosticEngine &diags_;
};

unsigned indentWidth(const std::string &text) {
  unsigned width = 0;
  for (char c : text) width = c == '\t' ? (width / 8 + 1) * 8 : width + 1;
  return width;
}

// Groups the lines into blocks by indentation, as Python does.
std::optional<Module> Builder::build(KilnParser::FileContext *tree) {
  Module module;
  module.file = file_;
  struct Frame {
    unsigned indent;
    std::vector<StmtPtr> *list;
  };
  std::vector<Frame> stack{{0, &module.statements}};
  Stmt *pendingHeader = nullptr;
  unsigned before = diags_.errorCount();

  for (KilnParser::LineContext *line : tree->line()) {
    std::vector<StmtPtr> stmts;
    statements(line, stmts);
    if (stmts.empty()) continue;  // blank or comment-only line
    unsigned indent = line->INDENT() ? indentWidth(line->INDENT()->getText()) : 0;
    if (pendingHeader) {
      if (indent > stack.back().indent) {
        stack.push_back({indent, &pendingHeader->body});
      } else {
        diags_.report(DiagID::err_syntax_unexpected, stmts.front()->range, "statement",
                      "an indented block after '" + pendingHeader->keyword + "'");
      }
      pendingHeader = nullptr;
    } else {
      while (indent < stack.back().indent) stack.pop_back();
      if (indent != stack.back().indent) diags_.report(DiagID::err_syntax_bad_indent, stmts.front()->range);
    }
    for (StmtPtr &s : stmts) {
      bool header = s->blockHeader;
      stack.back().list->push_back(std::move(s));
      if (header) pendingHeader = stack.back().list->back().get();
    }
  }
  if (diags_.errorCount() != before) return std::nullopt;
  return module;
}

void Builder::statements(KilnParser::LineContext *line, std::vector<StmtPtr> &out) {
  if (auto *header = line->compoundHeader()) {
    out.push_back(compoundHeader(header));
    return;
  }
  for (auto *s : line->simpleStatement())
    if (StmtPtr stmt = simpleStatement(s)) out.push_back(std::move(stmt));
}

StmtPtr Builder::simpleStatement(KilnParser::SimpleStatementContext *ctx) {
  if (auto *imp = ctx->importStatement()) return importStatement(imp);
  if (ctx->PASS()) return std::make_unique<Stmt>(StmtKind::Pass, range(ctx));
  if (auto *u = ctx->unsupportedStatement()) {
    auto s = std::make_unique<Stmt>(StmtKind::Unsupported, range(u));
    s->keyword = u->keyword->getText();
    s->keywordRange = range(u->keyword, u->keyword);
    return s;
  }
  std::vector<KilnParser::ExprListContext *> lists = ctx->exprList();
  if (auto *aug = ctx->augAssign()) {
    auto s = std::make_unique<Stmt>(StmtKind::Expression, range(ctx));
    s->augmentedOp = aug->getText();
    s->keywordRange = range(aug);
    s->value = exprList(lists.back());
    return s;
  }
  if (lists.size() == 1) {
    auto s = std::make_unique<Stmt>(StmtKind::Expression, range(ctx));
    s->value = exprList(lists[0]);
    return s;
  }
  auto s = std::make_unique<Stmt>(StmtKind::Assign, range(ctx));
  for (size_t i = 0; i + 1 < lists.size(); ++i) s->targets.push_back(exprList(lists[i]));
  s->value = exprList(lists.back());
  return s;
}

StmtPtr Builder::importStatement(KilnParser::ImportStatementContext *ctx) {
  auto s = std::make_unique<Stmt>(StmtKind::Import, range(ctx));
  if (ctx->IMPORT() && !ctx->FROM()) {
    for (auto *alias : ctx->dottedAlias()) {
      std::string path = alias->dottedName()->getText();
      // `import keras.layers` binds `keras`; `import keras.layers as L` binds L.
      std::string bound = alias->NAME() ? alias->NAME()->getText() : path.substr(0, path.find('.'));
      s->imports.push_back({alias->NAME() ? path : path.substr(0, path.find('.')), bound, range(alias)});
    }
    return s;
  }
  std::string from = ctx->dottedName()->getText();
  if (ctx->STAR()) {
    s->imports.push_back({from + ".*", "*", range(ctx->STAR())});
    return s;
  }
  for (auto *alias : ctx->importAlias()) {
    std::string name = alias->NAME(0)->getText();
    std::string bound = alias->NAME().size() > 1 ? alias->NAME(1)->getText() : name;
    s->imports.push_back({from + "." + name, bound, range(alias)});
  }
  return s;
}

StmtPtr Builder::compoundHeader(KilnParser::CompoundHeaderContext *ctx) {
  if (ctx->DEF()) {
    auto s = std::make_unique<Stmt>(StmtKind::Def, range(ctx));
    s->keyword = "def";
    s->keywordRange = range(ctx->DEF());
    s->blockHeader = ctx->inlineBody == nullptr;
    return s;
  }
  if (ctx->FOR()) {
    auto s = std::make_unique<Stmt>(StmtKind::For, range(ctx));
    s->keyword = "for";
    s->keywordRange = range(ctx->FOR());
    s->blockHeader = ctx->inlineBody == nullptr;
    return s;
  }
  // if/while/with/class/try...: a block header the evaluator reports; its body is skipped.
  auto s = std::make_unique<Stmt>(StmtKind::Unsupported, range(ctx));
  s->keyword = ctx->keyword->getText();
  s->keywordRange = range(ctx->keyword, ctx->keyword);
  // `if x: y = 2` holds its body on the line; `if x:` owns the lines below.
  s->blockHeader = ctx->getStop()->getType() == KilnParser::COLON;
  return s;
}

ExprPtr Builder::exprList(KilnParser::ExprListContext *ctx) {
  std::vector<KilnParser::ExprContext *> items = ctx->expr();
  if (items.size() == 1 && ctx->COMMA().empty()) return expr(items[0]);
  auto tuple = std::make_unique<Expr>(ExprKind::Tuple, range(ctx));
  for (auto *item : items) tuple->elements.push_back(expr(item));
  return tuple;
}

ExprPtr Builder::expr(KilnParser::ExprContext *ctx) {
  if (auto *p = dynamic_cast<KilnParser::PowerExprContext *>(ctx)) return power(p->power());
  if (auto *b = dynamic_cast<KilnParser::BinaryExprContext *>(ctx)) {
    auto e = std::make_unique<Expr>(ExprKind::Binary, range(ctx));
    e->name = b->op->getText();
    e->object = expr(b->expr(0));
    e->rhs = expr(b->expr(1));
    return e;
  }
  if (auto *u = dynamic_cast<KilnParser::UnaryExprContext *>(ctx)) {
    auto e = std::make_unique<Expr>(ExprKind::Unary, range(ctx));
    e->name = u->op->getText();
    e->object = expr(u->expr());
    return e;
  }
  if (dynamic_cast<KilnParser::CompareExprContext *>(ctx)) return unsupported(ctx, "comparisons");
  if (dynamic_cast<KilnParser::NotExprContext *>(ctx) || dynamic_cast<KilnParser::BoolExprContext *>(ctx))
    return unsupported(ctx, "boolean operators");
  if (dynamic_cast<KilnParser::LambdaExprContext *>(ctx)) return unsupported(ctx, "lambda expressions");
  return unsupported(ctx, "conditional expressions");
}

ExprPtr Builder::power(KilnParser::PowerContext *ctx) {
  if (!ctx->POWER()) return primary(ctx->primary());
  auto e = std::make_unique<Expr>(ExprKind::Binary, range(ctx));
  e->name = "**";
  e->object = primary(ctx->primary());
  e->rhs = factor(ctx->factor());
  return e;
}

ExprPtr Builder::factor(KilnParser::FactorContext *ctx) {
  if (!ctx->op) return power(ctx->power());
  auto e = std::make_unique<Expr>(ExprKind::Unary, range(ctx));
  e->name = ctx->op->getText();
  e->object = factor(ctx->factor());
  return e;
}

ExprPtr Builder::primary(KilnParser::PrimaryContext *ctx) {
  ExprPtr e = atom(ctx->atom());
  for (KilnParser::TrailerContext *t : ctx->trailer()) {
    SourceRange whole = SourceRange::span(e->range, range(t));
    if (auto *call = dynamic_cast<KilnParser::CallTrailerContext *>(t)) {
      auto c = std::make_unique<Expr>(ExprKind::Call, whole);
      c->object = std::move(e);
      if (auto *args = call->arguments()) {
        for (KilnParser::ArgumentContext *a : args->argument()) {
          Argument arg;
          if (auto *kw = dynamic_cast<KilnParser::KeywordArgumentContext *>(a)) {
            arg.keyword = kw->NAME()->getText();
            arg.keywordRange = range(kw->NAME());
            arg.value = expr(kw->expr());
          } else if (auto *star = dynamic_cast<KilnParser::StarArgumentContext *>(a)) {
            arg.star = true;
            arg.keywordRange = range(star);
            arg.value = expr(star->expr());
          } else {
            arg.value = expr(static_cast<KilnParser::PositionalArgumentContext *>(a)->expr());
          }
          c->args.push_back(std::move(arg));
        }
      }
      e = std::move(c);
    } else if (auto *attr = dynamic_cast<KilnParser::AttributeTrailerContext *>(t)) {
      auto a = std::make_unique<Expr>(ExprKind::Attribute, whole);
      a->name = attr->NAME()->getText();
      a->nameRange = range(attr->NAME());
      a->object = std::move(e);
      e = std::move(a);
    } else {
      auto *sub = static_cast<KilnParser::SubscriptTrailerContext *>(t);
      auto s = std::make_unique<Expr>(ExprKind::Subscript, whole);
      s->object = std::move(e);
      for (KilnParser::SubscriptContext *index : sub->subscripts()->subscript()) {
        if (index->COLON().empty()) {
          s->elements.push_back(expr(index->expr(0)));
          continue;
        }
        // a slice: the expressions sit between the colons
        auto slice = std::make_unique<Expr>(ExprKind::Slice, range(index));
        slice->elements.resize(3);
        size_t part = 0;
        for (antlr4::tree::ParseTree *child : index->children) {
          if (auto *term = dynamic_cast<antlr4::tree::TerminalNode *>(child)) {
            if (term->getSymbol()->getType() == KilnParser::COLON) ++part;
          } else {
            slice->elements[part] = expr(static_cast<KilnParser::ExprContext *>(child));
          }
        }
        s->elements.push_back(std::move(slice));
      }
      e = std::move(s);
    }
  }
  return e;
}

ExprPtr Builder::atom(KilnParser::AtomContext *ctx) {
  SourceRange r = range(ctx);
  if (auto *n = dynamic_cast<KilnParser::NameAtomContext *>(ctx)) {
    auto e = std::make_unique<Expr>(ExprKind::Name, r);
    e->name = n->NAME()->getText();
    return e;
  }
  if (auto *n = dynamic_cast<KilnParser::NumberAtomContext *>(ctx)) return number(n->NUMBER());
  if (auto *s = dynamic_cast<KilnParser::StringAtomContext *>(ctx)) return string(s);
  if (dynamic_cast<KilnParser::NoneAtomContext *>(ctx)) return std::make_unique<Expr>(ExprKind::None, r);
  if (dynamic_cast<KilnParser::EllipsisAtomContext *>(ctx)) return std::make_unique<Expr>(ExprKind::Ellipsis, r);
  if (dynamic_cast<KilnParser::TrueAtomContext *>(ctx) || dynamic_cast<KilnParser::FalseAtomContext *>(ctx)) {
    auto e = std::make_unique<Expr>(ExprKind::Bool, r);
    e->intValue = dynamic_cast<KilnParser::TrueAtomContext *>(ctx) != nullptr;
    return e;
  }
  if (auto *p = dynamic_cast<KilnParser::ParenAtomContext *>(ctx)) {
    ExprPtr inner = expr(p->expr());
    inner->range = r;  // include the parentheses
    return inner;
  }
  if (auto *t = dynamic_cast<KilnParser::TupleAtomContext *>(ctx)) {
    auto e = std::make_unique<Expr>(ExprKind::Tuple, r);
    for (auto *item : t->expr()) e->elements.push_back(expr(item));
    return e;
  }
  if (auto *l = dynamic_cast<KilnParser::ListAtomContext *>(ctx)) {
    auto e = std::make_unique<Expr>(ExprKind::List, r);
    if (auto *items = l->exprList())
      for (auto *item : items->expr()) e->elements.push_back(expr(item));
    return e;
  }
  if (auto *d = dynamic_cast<KilnParser::DictAtomContext *>(ctx)) {
    auto e = std::make_unique<Expr>(ExprKind::Dict, r);
    for (auto *entry : d->dictEntry()) {
      e->elements.push_back(expr(entry->expr(0)));
      e->elements.push_back(expr(entry->expr(1)));
    }
    return e;
  }
  return unsupported(ctx, "comprehensions");
}

ExprPtr Builder::number(antlr4::tree::TerminalNode *node) {
  SourceRange r = range(node);
  std::string text;
  for (char c : node->getText())
    if (c != '_') text += c;
  bool hex = text.size() > 1 && (text[1] == 'x' || text[1] == 'X');
  bool isFloat = !hex && text.find_first_of(".eE") != std::string::npos;
  if (isFloat) {
    auto e = std::make_unique<Expr>(ExprKind::Float, r);
    e->floatValue = std::strtod(text.c_str(), nullptr);
    return e;
  }
  auto e = std::make_unique<Expr>(ExprKind::Int, r);
  const char *begin = text.data() + (hex ? 2 : 0);
  auto [ptr, ec] = std::from_chars(begin, text.data() + text.size(), e->intValue, hex ? 16 : 10);
  if (ec != std::errc() || ptr != text.data() + text.size())
    diags_.report(DiagID::err_syntax_bad_number, r, node->getText());
  return e;
}

void appendUtf8(std::string &out, uint32_t cp) {
  if (cp < 0x80) {
    out += char(cp);
  } else if (cp < 0x800) {
    out += char(0xC0 | (cp >> 6));
    out += char(0x80 | (cp & 0x3F));
  } else {
    out += char(0xE0 | (cp >> 12));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  }
}

// Adjacent literals concatenate; escapes decode as in Python.
ExprPtr Builder::string(KilnParser::StringAtomContext *ctx) {
  auto e = std::make_unique<Expr>(ExprKind::Str, range(ctx));
  for (antlr4::tree::TerminalNode *node : ctx->STRING()) {
    std::string text = node->getText();
    bool raw = false;
    size_t pos = 0;
    while (std::isalpha(static_cast<unsigned char>(text[pos]))) raw |= std::tolower(text[pos++]) == 'r';
    size_t quote = text.compare(pos, 3, "'''") == 0 || text.compare(pos, 3, "\"\"\"") == 0 ? 3 : 1;
    std::string_view body(text.data() + pos + quote, text.size() - pos - 2 * quote);
    for (size_t i = 0; i < body.size(); ++i) {
      if (raw || body[i] != '\\' || i + 1 == body.size()) {
        e->name += body[i];
        continue;
      }
      char c = body[++i];
      switch (c) {
      case 'n': e->name += '\n'; break;
      case 't': e->name += '\t'; break;
      case 'r': e->name += '\r'; break;
      case '0': e->name += '\0'; break;
      case '\\': case '\'': case '"': e->name += c; break;
      case '\n': break;  // line continuation inside a string
      case 'x': case 'u': {
        size_t digits = c == 'x' ? 2 : 4;
        uint32_t cp = 0;
        auto [ptr, ec] = std::from_chars(body.data() + i + 1, body.data() + std::min(body.size(), i + 1 + digits), cp, 16);
        if (ec != std::errc() || ptr != body.data() + i + 1 + digits) {
          diags_.report(DiagID::err_syntax_bad_escape, range(node), std::string(1, c));
        } else {
          appendUtf8(e->name, cp);
          i += digits;
        }
        break;
      }
      default:  // Python keeps unknown escapes as written
        e->name += '\\';
        e->name += c;
      }
    }
  }
  return e;
}

}  // namespace

std::optional<ast::Module> buildAST(KilnParser::FileContext *tree, uint32_t file,
                                    const std::vector<uint32_t> &codePoints, DiagnosticEngine &diags) {
  return Builder(file, codePoints, diags).build(tree);
}

}  // namespace kiln
