// Expressions: operators, calls, subscripts, displays, comprehensions and
// literals, including the fields of f-strings (parsed on their own).
#include "syntax/ASTBuilder.h"

#include "syntax/Parser.h"

#include <charconv>

namespace kiln {
namespace syntax {

using namespace ast;

ExprPtr Builder::exprList(KilnParser::ExprListContext *ctx) {
  std::vector<KilnParser::StarExprContext *> items = ctx->starExpr();
  if (items.size() == 1 && ctx->COMMA().empty()) return starExpr(items[0]);
  return sequence(ExprKind::Tuple, range(ctx), items);
}

ExprPtr Builder::sequence(ExprKind kind, SourceRange r, const std::vector<KilnParser::StarExprContext *> &items) {
  auto e = std::make_unique<Expr>(kind, r);
  for (auto *item : items) e->elements.push_back(starExpr(item));
  return e;
}

ExprPtr Builder::starExpr(KilnParser::StarExprContext *ctx) {
  ExprPtr inner = expr(ctx->expr());
  if (!ctx->STAR()) return inner;
  auto e = std::make_unique<Expr>(ExprKind::Starred, range(ctx));
  e->object = std::move(inner);
  return e;
}

ExprPtr Builder::targetList(KilnParser::TargetListContext *ctx) {
  std::vector<ExprPtr> targets;
  for (KilnParser::TargetContext *t : ctx->target()) {
    ExprPtr e = primary(t->primary());
    if (t->STAR()) {
      auto star = std::make_unique<Expr>(ExprKind::Starred, range(t));
      star->object = std::move(e);
      e = std::move(star);
    }
    targets.push_back(std::move(e));
  }
  if (targets.size() == 1 && ctx->COMMA().empty()) return std::move(targets[0]);
  auto tuple = std::make_unique<Expr>(ExprKind::Tuple, range(ctx));
  tuple->elements = std::move(targets);
  return tuple;
}

ExprPtr Builder::expr(KilnParser::ExprContext *ctx) {
  SourceRange r = range(ctx);
  if (auto *l = dynamic_cast<KilnParser::LambdaExprContext *>(ctx)) {
    auto e = std::make_unique<Expr>(ExprKind::Lambda, r);
    e->function = lambda(l);
    return e;
  }
  auto *p = static_cast<KilnParser::PlainExprContext *>(ctx);
  if (!p->IF()) return operation(p->operation(0));
  // value if condition else other
  auto e = std::make_unique<Expr>(ExprKind::Conditional, r);
  e->elements.push_back(operation(p->operation(0)));
  e->elements.push_back(operation(p->operation(1)));
  e->elements.push_back(expr(p->expr()));
  return e;
}

ExprPtr Builder::operation(KilnParser::OperationContext *ctx) {
  SourceRange r = range(ctx);
  if (auto *p = dynamic_cast<KilnParser::PowerExprContext *>(ctx)) return power(p->power());
  if (auto *b = dynamic_cast<KilnParser::BinaryExprContext *>(ctx)) {
    auto e = std::make_unique<Expr>(ExprKind::Binary, r);
    e->name = b->op->getText();
    e->object = operation(b->operation(0));
    e->rhs = operation(b->operation(1));
    return e;
  }
  if (auto *u = dynamic_cast<KilnParser::UnaryExprContext *>(ctx)) {
    auto e = std::make_unique<Expr>(ExprKind::Unary, r);
    e->name = u->op->getText();
    e->object = operation(u->operation());
    return e;
  }
  if (auto *n = dynamic_cast<KilnParser::NotExprContext *>(ctx)) {
    auto e = std::make_unique<Expr>(ExprKind::Unary, r);
    e->name = "not";
    e->object = operation(n->operation());
    return e;
  }
  if (auto *c = dynamic_cast<KilnParser::CompareExprContext *>(ctx)) {
    // a < b < c parses as (a < b) < c: flatten into one chain.
    auto e = std::make_unique<Expr>(ExprKind::Compare, r);
    ExprPtr lhs = operation(c->operation(0));
    if (lhs->kind == ExprKind::Compare && dynamic_cast<KilnParser::CompareExprContext *>(c->operation(0))) {
      e->elements = std::move(lhs->elements);
      e->ops = std::move(lhs->ops);
    } else {
      e->elements.push_back(std::move(lhs));
    }
    std::string op;
    for (antlr4::tree::ParseTree *t : c->compareOp()->children) op += (op.empty() ? "" : " ") + t->getText();
    e->ops.push_back(op);
    e->elements.push_back(operation(c->operation(1)));
    return e;
  }
  // a and b and c: one node over every operand.
  auto *b = static_cast<KilnParser::BoolExprContext *>(ctx);
  auto e = std::make_unique<Expr>(ExprKind::BoolOp, r);
  e->name = b->op->getText();
  for (KilnParser::OperationContext *side : b->operation()) {
    auto *nested = dynamic_cast<KilnParser::BoolExprContext *>(side);
    ExprPtr operand = operation(side);
    if (nested && nested->op->getText() == e->name) {
      for (ExprPtr &x : operand->elements) e->elements.push_back(std::move(x));
    } else {
      e->elements.push_back(std::move(operand));
    }
  }
  return e;
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
    if (auto *c = dynamic_cast<KilnParser::CallTrailerContext *>(t)) {
      e = call(std::move(e), c->arguments(), whole);
    } else if (auto *attr = dynamic_cast<KilnParser::AttributeTrailerContext *>(t)) {
      auto a = std::make_unique<Expr>(ExprKind::Attribute, whole);
      a->name = attr->NAME()->getText();
      a->nameRange = range(attr->NAME());
      a->object = std::move(e);
      e = std::move(a);
    } else {
      e = subscript(std::move(e), static_cast<KilnParser::SubscriptTrailerContext *>(t)->subscripts(), whole);
    }
  }
  return e;
}

ExprPtr Builder::call(ExprPtr callee, KilnParser::ArgumentsContext *args, SourceRange whole) {
  auto c = std::make_unique<Expr>(ExprKind::Call, whole);
  c->object = std::move(callee);
  if (!args) return c;
  for (KilnParser::ArgumentContext *a : args->argument()) {
    Argument arg;
    if (auto *kw = dynamic_cast<KilnParser::KeywordArgumentContext *>(a)) {
      arg.keyword = kw->NAME()->getText();
      arg.keywordRange = range(kw->NAME());
      arg.value = expr(kw->expr());
    } else if (auto *star = dynamic_cast<KilnParser::StarArgumentContext *>(a)) {
      arg.star = star->op->getText();
      arg.keywordRange = range(star->op, star->op);
      arg.value = expr(star->expr());
    } else if (auto *gen = dynamic_cast<KilnParser::GeneratorArgumentContext *>(a)) {
      arg.value = comprehension("generator", range(gen), expr(gen->expr()), nullptr, gen->compFor());
    } else {
      arg.value = expr(static_cast<KilnParser::PositionalArgumentContext *>(a)->expr());
    }
    c->args.push_back(std::move(arg));
  }
  return c;
}

ExprPtr Builder::subscript(ExprPtr object, KilnParser::SubscriptsContext *subs, SourceRange whole) {
  auto s = std::make_unique<Expr>(ExprKind::Subscript, whole);
  s->object = std::move(object);
  for (KilnParser::SubscriptContext *index : subs->subscript()) {
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
  // x[a, b] indexes with the tuple (a, b)
  if (subs->COMMA().size() > 0 && s->elements.size() > 1) {
    bool slices = false;
    for (const ExprPtr &i : s->elements) slices |= i->kind == ExprKind::Slice;
    if (!slices) {
      auto tuple = std::make_unique<Expr>(ExprKind::Tuple, range(subs));
      tuple->elements = std::move(s->elements);
      s->elements.clear();
      s->elements.push_back(std::move(tuple));
    }
  }
  return s;
}

ExprPtr Builder::comprehension(const char *kind, SourceRange r, ExprPtr element, ExprPtr value,
                               const std::vector<KilnParser::CompForContext *> &clauses) {
  auto e = std::make_unique<Expr>(ExprKind::Comprehension, r);
  e->name = kind;
  e->object = std::move(element);
  e->rhs = std::move(value);
  for (KilnParser::CompForContext *f : clauses) {
    ComprehensionClause clause;
    clause.target = targetList(f->targetList());
    clause.iterable = operation(f->operation());
    for (KilnParser::CompIfContext *i : f->compIf()) clause.conditions.push_back(operation(i->operation()));
    e->clauses.push_back(std::move(clause));
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
  if (auto *t = dynamic_cast<KilnParser::TupleAtomContext *>(ctx)) return sequence(ExprKind::Tuple, r, t->starExpr());
  if (auto *l = dynamic_cast<KilnParser::ListAtomContext *>(ctx)) return sequence(ExprKind::List, r, l->starExpr());
  if (auto *s = dynamic_cast<KilnParser::SetAtomContext *>(ctx)) return sequence(ExprKind::Set, r, s->starExpr());
  if (auto *g = dynamic_cast<KilnParser::GeneratorAtomContext *>(ctx))
    return comprehension("generator", r, expr(g->expr()), nullptr, g->compFor());
  if (auto *l = dynamic_cast<KilnParser::ListCompAtomContext *>(ctx))
    return comprehension("list", r, expr(l->expr()), nullptr, l->compFor());
  if (auto *s = dynamic_cast<KilnParser::SetCompAtomContext *>(ctx))
    return comprehension("set", r, expr(s->expr()), nullptr, s->compFor());
  if (auto *d = dynamic_cast<KilnParser::DictCompAtomContext *>(ctx)) {
    KilnParser::DictEntryContext *entry = d->dictEntry();
    if (entry->POWER()) {
      diags_.report(DiagID::err_syntax_unexpected, range(entry->POWER()), "'**'", "a key");
      return std::make_unique<Expr>(ExprKind::None, r);
    }
    return comprehension("dict", r, expr(entry->expr(0)), expr(entry->expr(1)), d->compFor());
  }
  auto *d = static_cast<KilnParser::DictAtomContext *>(ctx);
  auto e = std::make_unique<Expr>(ExprKind::Dict, r);
  for (auto *entry : d->dictEntry()) {
    e->elements.push_back(entry->POWER() ? nullptr : expr(entry->expr(0)));
    e->elements.push_back(expr(entry->expr().back()));
  }
  return e;
}

ExprPtr Builder::number(antlr4::tree::TerminalNode *node) {
  SourceRange r = range(node);
  std::string text;
  for (char c : node->getText())
    if (c != '_') text += c;
  char prefix = text.size() > 1 && text[0] == '0' ? static_cast<char>(std::tolower(text[1])) : 0;
  int base = prefix == 'x' ? 16 : prefix == 'o' ? 8 : prefix == 'b' ? 2 : 10;
  bool isFloat = base == 10 && text.find_first_of(".eE") != std::string::npos;
  if (isFloat) {
    auto e = std::make_unique<Expr>(ExprKind::Float, r);
    e->floatValue = std::strtod(text.c_str(), nullptr);
    return e;
  }
  auto e = std::make_unique<Expr>(ExprKind::Int, r);
  const char *begin = text.data() + (base == 10 ? 0 : 2);
  auto [ptr, ec] = std::from_chars(begin, text.data() + text.size(), e->intValue, base);
  if (ec != std::errc() || ptr != text.data() + text.size())
    diags_.report(DiagID::err_syntax_bad_number, r, node->getText());
  return e;
}

// Adjacent literals concatenate; escapes decode as in Python. If any piece is
// an f-string the whole literal is one FString.
ExprPtr Builder::string(KilnParser::StringAtomContext *ctx) {
  SourceRange r = range(ctx);
  std::vector<ExprPtr> parts;
  bool formatted = false;
  std::string plain;
  for (antlr4::tree::TerminalNode *node : ctx->STRING()) {
    std::string text = node->getText();
    StringLiteral lit = splitLiteral(text);
    if (!lit.formatted) {
      std::string decoded, bad;
      if (!decodeEscapes(lit.body, lit.raw, decoded, bad)) diags_.report(DiagID::err_syntax_bad_escape, range(node), bad);
      plain += decoded;
      auto s = std::make_unique<Expr>(ExprKind::Str, range(node));
      s->name = decoded;
      parts.push_back(std::move(s));
      continue;
    }
    formatted = true;
    std::vector<FStringPart> pieces;
    std::string error;
    size_t errorOffset = 0;
    if (!splitFString(lit.body, pieces, error, errorOffset)) continue;  // reported with the tokens
    if (!lit.raw) {
      for (FStringPart &p : pieces) {
        if (p.field) continue;
        std::string decoded, bad;
        if (!decodeEscapes(p.text, false, decoded, bad)) diags_.report(DiagID::err_syntax_bad_escape, range(node), bad);
        p.text = decoded;
      }
    }
    fstringParts(node, lit.bodyOffset, pieces, parts);
  }
  if (!formatted) {
    auto e = std::make_unique<Expr>(ExprKind::Str, r);
    e->name = plain;
    return e;
  }
  auto e = std::make_unique<Expr>(ExprKind::FString, r);
  e->elements = std::move(parts);
  return e;
}

// Each field's expression is parsed on its own, with source ranges that
// point into the f-string.
void Builder::fstringParts(antlr4::tree::TerminalNode *node, size_t bodyOffset, const std::vector<FStringPart> &parts,
                           std::vector<ExprPtr> &out) {
  SourceRange whole = range(node);
  uint32_t bodyStart = whole.begin.offset + static_cast<uint32_t>(bodyOffset);
  for (const FStringPart &p : parts) {
    if (!p.field) {
      auto s = std::make_unique<Expr>(ExprKind::Str, whole);
      s->name = p.text;
      out.push_back(std::move(s));
      continue;
    }
    std::vector<uint32_t> codePoints;
    uint32_t start = bodyStart + static_cast<uint32_t>(p.offset);
    for (uint32_t i = 0; i < p.text.size(); ++i)
      if ((static_cast<unsigned char>(p.text[i]) & 0xC0) != 0x80) codePoints.push_back(start + i);
    codePoints.push_back(start + static_cast<uint32_t>(p.text.size()));
    auto field = std::make_unique<Expr>(ExprKind::FormattedValue, SourceRange{{file_, start}, codePoints.back()});
    field->object = parseEmbeddedExpression(p.text, file_, codePoints, diags_);
    if (!field->object) field->object = std::make_unique<Expr>(ExprKind::None, field->range);
    if (p.conversion) field->name = std::string(1, p.conversion);
    if (!p.spec.empty()) {
      field->rhs = std::make_unique<Expr>(ExprKind::FString, whole);
      fstringParts(node, bodyOffset, p.spec, field->rhs->elements);
    }
    out.push_back(std::move(field));
  }
}

}  // namespace syntax
}  // namespace kiln
