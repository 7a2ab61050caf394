// Runs the generated lexer and parser. Lexical problems (stray characters,
// unterminated strings, unbalanced brackets) are found on the token stream
// first, because the parser would only report their consequences; syntax
// errors are phrased in plain words by KilnErrorStrategy, one per line.
#include "syntax/Parser.h"

#include "syntax/ASTBuilder.h"
#include "syntax/Strings.h"

#include "diagnostics/Utf8.h"

#include "KilnLexer.h"
#include "KilnParser.h"
#include "antlr4-runtime.h"

#include <set>

namespace kiln {

namespace {

// ANTLR indexes characters as code points; diagnostics use byte offsets
// (from `base`, where the text starts in the file).
std::vector<uint32_t> codePointOffsets(const std::string &text, uint32_t base) {
  std::vector<uint32_t> offsets;
  for (uint32_t i = 0; i < text.size(); ++i)
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) offsets.push_back(base + i);
  offsets.push_back(base + static_cast<uint32_t>(text.size()));
  return offsets;
}

// Model files are UTF-8, as Python source is. Reports the first malformed
// byte of each line that has one; returns false if there was any.
bool checkEncoding(const std::string &text, uint32_t file, DiagnosticEngine &diags) {
  bool ok = true;
  for (size_t i = 0; i < text.size();) {
    size_t n = utf8Length(text, i);
    if (n) {
      i += n;
      continue;
    }
    diags.report(DiagID::err_syntax_bad_utf8, SourceRange{{file, uint32_t(i)}, uint32_t(i + 1)},
                 static_cast<unsigned char>(text[i]));
    ok = false;
    size_t eol = text.find('\n', i);
    i = eol == std::string::npos ? text.size() : eol;
  }
  return ok;
}

// As Python names a character it cannot take: '$', '“' (U+201C), U+001B.
std::string describeCharacter(const std::string &text) {
  uint32_t cp = utf8Decode(text, 0, text.size());
  std::string shown = printable(text);
  if (cp < 0x80 && shown == text) return "'" + text + "'";
  std::string code = fmt::format("U+{:04X}", cp);
  return shown == text ? "'" + text + "' (" + code + ")" : code;
}

std::string describeToken(const antlr4::Token *t, const char *end = "end of file") {
  switch (t->getType()) {
  case antlr4::Token::EOF: return end;
  case KilnLexer::NEWLINE: return "end of line";
  case KilnLexer::INDENT: return "indentation";
  case KilnLexer::NAME: return "name '" + t->getText() + "'";
  case KilnLexer::NUMBER: return "number " + t->getText();
  case KilnLexer::STRING: return "string " + t->getText();
  default: break;
  }
  std::string text = t->getText();
  if (!text.empty() && std::isalpha(static_cast<unsigned char>(text[0]))) return "keyword '" + text + "'";
  return "'" + text + "'";
}

bool isStatementKeyword(size_t type) {
  switch (type) {
  case KilnLexer::RETURN: case KilnLexer::DEL: case KilnLexer::GLOBAL: case KilnLexer::NONLOCAL:
  case KilnLexer::ASSERT: case KilnLexer::RAISE: case KilnLexer::YIELD: case KilnLexer::BREAK:
  case KilnLexer::CONTINUE: case KilnLexer::DEF: case KilnLexer::FOR: case KilnLexer::IF: case KilnLexer::ELIF:
  case KilnLexer::ELSE: case KilnLexer::WHILE: case KilnLexer::WITH: case KilnLexer::CLASS: case KilnLexer::TRY:
  case KilnLexer::EXCEPT: case KilnLexer::FINALLY: case KilnLexer::PASS: case KilnLexer::IMPORT: case KilnLexer::FROM:
    return true;
  default: return false;
  }
}

// Tokens that can end an expression, and tokens that can start one: two in a
// row usually mean a forgotten comma.
bool endsExpression(size_t type) {
  return type == KilnLexer::NAME || type == KilnLexer::NUMBER || type == KilnLexer::STRING ||
         type == KilnLexer::RPAREN || type == KilnLexer::RBRACK || type == KilnLexer::RBRACE ||
         type == KilnLexer::NONE || type == KilnLexer::TRUE || type == KilnLexer::FALSE;
}
bool startsExpression(size_t type) {
  return type == KilnLexer::NAME || type == KilnLexer::NUMBER || type == KilnLexer::STRING ||
         type == KilnLexer::LPAREN || type == KilnLexer::LBRACK || type == KilnLexer::LBRACE ||
         type == KilnLexer::NONE || type == KilnLexer::TRUE || type == KilnLexer::FALSE;
}

std::string describeExpected(const antlr4::misc::IntervalSet &set, const antlr4::dfa::Vocabulary &vocab) {
  std::vector<std::string> items;
  bool expression = set.contains(size_t(KilnLexer::NAME)) && set.contains(size_t(KilnLexer::NUMBER));
  if (expression) items.push_back("an expression");
  for (size_t type : set.toList()) {
    if (expression && (type == KilnLexer::NAME || type == KilnLexer::NUMBER || type == KilnLexer::STRING ||
                       type == KilnLexer::LPAREN || type == KilnLexer::LBRACK || type == KilnLexer::LBRACE ||
                       type == KilnLexer::MINUS || type == KilnLexer::PLUS || type == KilnLexer::NONE ||
                       type == KilnLexer::TRUE || type == KilnLexer::FALSE || type == KilnLexer::ELLIPSIS ||
                       type == KilnLexer::NOT || type == KilnLexer::LAMBDA || type == KilnLexer::TILDE))
      continue;
    if (type == antlr4::Token::EOF) items.push_back("end of file");
    else if (type == KilnLexer::NEWLINE) items.push_back("end of line");
    else if (type == KilnLexer::NAME) items.push_back("a name");
    else if (type == KilnLexer::NUMBER) items.push_back("a number");
    else if (type == KilnLexer::STRING) items.push_back("a string");
    else if (type == KilnLexer::INDENT || isStatementKeyword(type)) continue;
    else items.push_back(vocab.getLiteralName(type));
  }
  // Long lists say little: keep the first few.
  if (items.size() > 5) items.resize(5);
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += i + 1 == items.size() ? " or " : ", ";
    out += items[i];
  }
  return out.empty() ? "something else" : out;
}

class KilnErrorStrategy : public antlr4::DefaultErrorStrategy {
public:
  KilnErrorStrategy(DiagnosticEngine &diags, uint32_t file, const std::vector<uint32_t> &offsets,
                    std::set<size_t> reportedLines, const char *end = "end of file")
      : diags_(diags), file_(file), offsets_(offsets), reportedLines_(std::move(reportedLines)), end_(end) {}

protected:
  void reportNoViableAlternative(antlr4::Parser *p, const antlr4::NoViableAltException &e) override {
    report(p, e.getOffendingToken(), e.getExpectedTokens());
  }
  void reportInputMismatch(antlr4::Parser *p, const antlr4::InputMismatchException &e) override {
    report(p, e.getOffendingToken(), e.getExpectedTokens());
  }
  void reportFailedPredicate(antlr4::Parser *p, const antlr4::FailedPredicateException &e) override {
    report(p, e.getOffendingToken(), p->getExpectedTokens());
  }
  void reportUnwantedToken(antlr4::Parser *p) override {
    if (inErrorRecoveryMode(p)) return;
    beginErrorCondition(p);
    antlr4::Token *t = p->getCurrentToken();
    if (!claimLine(t)) return;
    if (reportMissingComma(p, t)) return;
    diags_.report(DiagID::err_syntax_unexpected, range(t), describeToken(t, end_),
                  describeExpected(getExpectedTokens(p), p->getVocabulary()));
  }
  void reportMissingToken(antlr4::Parser *p) override {
    if (inErrorRecoveryMode(p)) return;
    beginErrorCondition(p);
    antlr4::Token *t = p->getCurrentToken();
    if (!claimLine(t)) return;
    if (reportMissingComma(p, t)) return;
    diags_.report(DiagID::err_syntax_missing, range(t),
                  describeExpected(getExpectedTokens(p), p->getVocabulary()), describeToken(t, end_));
  }
  // Only a line's first error is reported, so recovery skips the rest of the
  // line. ANTLR's own recovery resynchronises token by token, each time with
  // a new prediction and follow-set computation: seconds on a long broken line.
  void recover(antlr4::Parser *p, std::exception_ptr) override {
    antlr4::TokenStream *in = p->getTokenStream();
    for (size_t t = in->LA(1); t != KilnLexer::NEWLINE && t != antlr4::Token::EOF; t = in->LA(1)) p->consume();
  }
  // Likewise a mismatch on a line that already has an error is not repaired
  // by inserting or deleting a token: that would go on token by token.
  antlr4::Token *recoverInline(antlr4::Parser *p) override {
    if (reportedLines_.count(p->getCurrentToken()->getLine())) throw antlr4::InputMismatchException(p);
    return DefaultErrorStrategy::recoverInline(p);
  }
  // A line break is never missing (the lexer sees every one), so none is
  // conjured to split a broken line into more statements.
  bool singleTokenInsertion(antlr4::Parser *p) override {
    return !getExpectedTokens(p).contains(size_t(KilnLexer::NEWLINE)) && DefaultErrorStrategy::singleTokenInsertion(p);
  }

private:
  // Two expressions side by side: almost always a forgotten comma.
  bool reportMissingComma(antlr4::Parser *p, antlr4::Token *t) {
    antlr4::Token *previous = t->getTokenIndex() > 0 ? p->getTokenStream()->get(t->getTokenIndex() - 1) : nullptr;
    if (!previous || previous->getLine() != t->getLine() || !endsExpression(previous->getType()) ||
        !startsExpression(t->getType()))
      return false;
    diags_.report(DiagID::err_syntax_missing_comma, range(t), describeToken(t, end_));
    return true;
  }

  void report(antlr4::Parser *p, antlr4::Token *t, const antlr4::misc::IntervalSet &expected) {
    if (!claimLine(t)) return;
    if (reportMissingComma(p, t)) return;
    diags_.report(DiagID::err_syntax_unexpected, range(t), describeToken(t, end_),
                  describeExpected(expected, p->getVocabulary()));
  }
  // One error per line: recovery within a broken line mostly adds noise.
  bool claimLine(antlr4::Token *t) { return reportedLines_.insert(t->getLine()).second; }
  SourceRange range(antlr4::Token *t) const {
    size_t start = std::min(t->getStartIndex(), offsets_.size() - 1);
    size_t stop = t->getType() == antlr4::Token::EOF ? start : std::min(t->getStopIndex() + 1, offsets_.size() - 1);
    if (t->getType() == antlr4::Token::EOF && start > 0) start = stop = start - 1;
    return {{file_, offsets_[start]}, std::max(offsets_[stop], offsets_[start] + 1)};
  }

  DiagnosticEngine &diags_;
  uint32_t file_;
  const std::vector<uint32_t> &offsets_;
  std::set<size_t> reportedLines_;
  const char *end_;  // what the end of the input is called
};

// Deeper nesting than any model needs makes ANTLR's prediction slow.
constexpr size_t kMaxNesting = 200;

// Parsing, building the AST and evaluating recurse once per operator, call,
// subscript or attribute of a chain (1 + 1 + ..., f()()..., -(-(...))).
// Python gives up on chains of a few thousand; Kiln reports longer ones than
// this, counted over a statement's brackets as below.
constexpr size_t kMaxChain = 1000;

// The tokens that nest the expression they are part of one level deeper.
bool deepens(size_t type) {
  switch (type) {
  case KilnLexer::POWER: case KilnLexer::STAR: case KilnLexer::SLASH: case KilnLexer::FLOORDIV:
  case KilnLexer::PERCENT: case KilnLexer::AT: case KilnLexer::PLUS: case KilnLexer::MINUS:
  case KilnLexer::LT: case KilnLexer::GT: case KilnLexer::LE: case KilnLexer::GE: case KilnLexer::EQ:
  case KilnLexer::NE: case KilnLexer::IN: case KilnLexer::IS: case KilnLexer::NOT: case KilnLexer::AND:
  case KilnLexer::OR: case KilnLexer::IF: case KilnLexer::ELSE: case KilnLexer::FOR: case KilnLexer::LAMBDA:
  case KilnLexer::DOT: case KilnLexer::LPAREN: case KilnLexer::LBRACK: case KilnLexer::LBRACE:
  case KilnLexer::TILDE: case KilnLexer::AMP: case KilnLexer::PIPE: case KilnLexer::CARET: case KilnLexer::LSHIFT:
  case KilnLexer::RSHIFT:
    return true;
  default: return false;
  }
}

// Bounds the depth of every expression: within each pair of brackets, the
// chain is the number of deepening tokens since the last comma (items of a
// list or arguments of a call are siblings, not nested), and the chains of
// all enclosing brackets of a statement add up. A lambda's parameters hold
// commas but its body still nests, so lambdas are never forgotten.
class ChainCounter {
public:
  // Returns false when `t` makes the chain too long.
  bool add(const antlr4::Token *t) {
    size_t type = t->getType();
    if (type == KilnLexer::NEWLINE || (type == KilnLexer::SEMI && levels_.size() == 1)) {
      levels_.assign(1, {});
      total_ = 0;
      return true;
    }
    Level &level = levels_.back();
    if (type == KilnLexer::COMMA) {
      total_ -= level.chain - level.lambdas;
      level.chain = level.lambdas;
      return true;
    }
    if (type == KilnLexer::RPAREN || type == KilnLexer::RBRACK || type == KilnLexer::RBRACE) {
      if (levels_.size() > 1) {
        total_ -= level.chain;
        levels_.pop_back();
      }
      return true;
    }
    if (!deepens(type)) return true;
    ++level.chain;
    level.lambdas += type == KilnLexer::LAMBDA;
    if (++total_ > kMaxChain) return false;
    if (type == KilnLexer::LPAREN || type == KilnLexer::LBRACK || type == KilnLexer::LBRACE) levels_.push_back({});
    return true;
  }

private:
  struct Level {
    size_t chain = 0, lambdas = 0;
  };
  std::vector<Level> levels_{1};
  size_t total_ = 0;
};

// Stray characters and unbalanced brackets, reported before parsing; their
// lines are returned so the parser does not report them again. Returns false
// if an unclosed bracket makes the rest of the file one line.
bool checkTokens(antlr4::CommonTokenStream &tokens, uint32_t file, const std::vector<uint32_t> &offsets,
                 DiagnosticEngine &diags, std::set<size_t> &lines) {
  auto range = [&](antlr4::Token *t) {
    return SourceRange{{file, offsets[t->getStartIndex()]}, offsets[t->getStopIndex() + 1]};
  };
  std::vector<antlr4::Token *> open;
  ChainCounter chain;
  for (antlr4::Token *t : tokens.getTokens()) {
    if (!chain.add(t)) {
      diags.report(DiagID::err_syntax_expression_depth, range(t), kMaxChain);
      return false;
    }
    switch (t->getType()) {
    case KilnLexer::UNKNOWN_CHAR: {
      if (!lines.insert(t->getLine()).second) break;
      std::string text = t->getText();
      if (text == "'" || text == "\"")
        diags.report(DiagID::err_syntax_unterminated_string, range(t));
      else
        diags.report(DiagID::err_syntax_bad_char, range(t), describeCharacter(text));
      break;
    }
    case KilnLexer::STRING: {
      // An f-string's fields must be well formed; their expressions are parsed later.
      std::string text = t->getText();
      StringLiteral lit = splitLiteral(text);
      std::vector<FStringPart> parts;
      std::string error;
      size_t at = 0;
      if (lit.formatted && !splitFString(lit.body, parts, error, at) && lines.insert(t->getLine()).second)
        diags.report(DiagID::err_syntax_fstring, range(t), error);
      break;
    }
    case KilnLexer::LPAREN: case KilnLexer::LBRACK: case KilnLexer::LBRACE:
      open.push_back(t);
      if (open.size() > kMaxNesting) {
        diags.report(DiagID::err_syntax_nesting, range(t), kMaxNesting);
        return false;
      }
      break;
    case KilnLexer::RPAREN: case KilnLexer::RBRACK: case KilnLexer::RBRACE: {
      static const std::string pairs = "()[]{}";
      char closer = t->getText()[0];
      char opener = pairs[pairs.find(closer) - 1];
      if (!open.empty() && open.back()->getText()[0] == opener) {
        open.pop_back();
      } else if (lines.insert(t->getLine()).second) {
        diags.report(DiagID::err_syntax_unmatched_bracket, range(t), std::string(1, closer));
      }
      break;
    }
    default: break;
    }
  }
  // An unclosed bracket swallows the rest of the file: report it and stop.
  for (antlr4::Token *t : open) diags.report(DiagID::err_syntax_unclosed_bracket, range(t), t->getText());
  return open.empty();
}

// Lexes `text`, checks its tokens, parses it with `rule` and builds the AST
// with `build`; an empty result if any error was reported.
template <typename Rule, typename Build>
auto parseText(const std::string &text, uint32_t file, const std::vector<uint32_t> &offsets, DiagnosticEngine &diags,
               const char *end, Rule rule, Build build) -> decltype(build(rule(std::declval<KilnParser &>()))) {
  antlr4::ANTLRInputStream input(text);
  KilnLexer lexer(&input);
  lexer.removeErrorListeners();
  antlr4::CommonTokenStream tokens(&lexer);
  tokens.fill();
  unsigned before = diags.errorCount();
  std::set<size_t> reportedLines;
  if (!checkTokens(tokens, file, offsets, diags, reportedLines)) return {};
  KilnParser parser(&tokens);
  parser.removeErrorListeners();
  parser.setErrorHandler(std::make_shared<KilnErrorStrategy>(diags, file, offsets, std::move(reportedLines), end));
  auto *tree = rule(parser);
  if (diags.errorCount() != before) return {};
  return build(tree);
}

}  // namespace

ast::ExprPtr parseEmbeddedExpression(const std::string &text, uint32_t file, const std::vector<uint32_t> &codePoints,
                                     DiagnosticEngine &diags) {
  return parseText(
      text, file, codePoints, diags, "end of the f-string field", [](KilnParser &p) { return p.embeddedExpr(); },
      [&](KilnParser::EmbeddedExprContext *tree) { return buildEmbeddedExpr(tree, file, codePoints, diags); });
}

std::optional<ast::Module> parseFile(const SourceManager &sources, uint32_t file, DiagnosticEngine &diags) {
  const std::string &source = sources.text(file);
  if (!checkEncoding(source, file, diags)) return std::nullopt;
  // A byte order mark may start the file, as Python allows.
  uint32_t start = source.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0;
  std::string text = source.substr(start);
  if (text.empty() || text.back() != '\n') text += '\n';  // every statement ends with NEWLINE
  std::vector<uint32_t> offsets = codePointOffsets(text, start);
  return parseText(
      text, file, offsets, diags, "end of file", [](KilnParser &p) { return p.file(); },
      [&](KilnParser::FileContext *tree) { return buildAST(tree, file, offsets, diags); });
}

}  // namespace kiln
