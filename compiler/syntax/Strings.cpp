#include "syntax/Strings.h"

#include "diagnostics/Utf8.h"

#include <cctype>
#include <charconv>
#include <cstdint>

namespace kiln {

StringLiteral splitLiteral(std::string_view token) {
  StringLiteral s;
  size_t pos = 0;
  while (pos < token.size() && std::isalpha(static_cast<unsigned char>(token[pos]))) {
    char c = static_cast<char>(std::tolower(static_cast<unsigned char>(token[pos++])));
    s.raw |= c == 'r';
    s.formatted |= c == 'f';
  }
  size_t quote = token.compare(pos, 3, "'''") == 0 || token.compare(pos, 3, "\"\"\"") == 0 ? 3 : 1;
  s.bodyOffset = pos + quote;
  s.body = token.substr(pos + quote, token.size() - pos - 2 * quote);
  return s;
}

bool decodeEscapes(std::string_view body, bool raw, std::string &out, std::string &bad) {
  for (size_t i = 0; i < body.size(); ++i) {
    if (raw || body[i] != '\\' || i + 1 == body.size()) {
      out += body[i];
      continue;
    }
    char c = body[++i];
    switch (c) {
    case 'n': out += '\n'; break;
    case 't': out += '\t'; break;
    case 'r': out += '\r'; break;
    case '0': out += '\0'; break;
    case '\\': case '\'': case '"': out += c; break;
    case '\n': break;  // line continuation inside a string
    case 'x': case 'u': case 'U': {
      size_t digits = c == 'x' ? 2 : c == 'u' ? 4 : 8;
      uint32_t cp = 0;
      const char *end = body.data() + std::min(body.size(), i + 1 + digits);
      auto [ptr, ec] = std::from_chars(body.data() + i + 1, end, cp, 16);
      if (ec != std::errc() || ptr != body.data() + i + 1 + digits || cp > 0x10FFFF) {
        bad = std::string(1, c);
        return false;
      }
      utf8Append(out, cp);
      i += digits;
      break;
    }
    default:  // Python keeps unknown escapes as written
      out += '\\';
      out += c;
    }
  }
  return true;
}

namespace {

// Parses the fields of `body` from `pos` until the end, or until a '}' that
// closes an enclosing field when `nested` (a format spec).
bool splitParts(std::string_view body, size_t &pos, bool nested, std::vector<FStringPart> &parts, std::string &error,
                size_t &errorOffset) {
  FStringPart literal;
  literal.offset = pos;
  auto flushLiteral = [&] {
    if (!literal.text.empty()) parts.push_back(literal);
    literal = FStringPart{};
    literal.offset = pos;
  };
  while (pos < body.size()) {
    char c = body[pos];
    if (c == '}' && nested) break;
    if ((c == '{' || c == '}') && pos + 1 < body.size() && body[pos + 1] == c && !nested) {
      literal.text += c;
      pos += 2;
      continue;
    }
    if (c == '}') {
      error = "single '}' is not allowed in an f-string; write '}}'";
      errorOffset = pos;
      return false;
    }
    if (c != '{') {
      literal.text += c;
      ++pos;
      continue;
    }
    flushLiteral();
    size_t open = pos++;
    // The expression ends at a top-level '}', '!' (not '!=') or ':'.
    FStringPart field;
    field.field = true;
    field.offset = pos;
    int depth = 0;
    char quote = 0;
    for (; pos < body.size(); ++pos) {
      char e = body[pos];
      if (quote) {
        if (e == quote) quote = 0;
        continue;
      }
      if (e == '\'' || e == '"') quote = e;
      else if (e == '(' || e == '[' || e == '{') ++depth;
      else if ((e == ')' || e == ']' || e == '}') && depth > 0) --depth;
      else if (depth == 0 && (e == '}' || e == ':' || (e == '!' && (pos + 1 >= body.size() || body[pos + 1] != '='))))
        break;
    }
    field.text = std::string(body.substr(field.offset, pos - field.offset));
    if (pos < body.size() && body[pos] == '!') {
      if (pos + 1 >= body.size() || std::string_view("rsa").find(body[pos + 1]) == std::string_view::npos) {
        error = "f-string conversion must be !r, !s or !a";
        errorOffset = pos;
        return false;
      }
      field.conversion = body[pos + 1];
      pos += 2;
    }
    if (pos < body.size() && body[pos] == ':') {
      ++pos;
      if (!splitParts(body, pos, true, field.spec, error, errorOffset)) return false;
    }
    if (pos >= body.size() || body[pos] != '}') {
      error = "f-string field is not closed with '}'";
      errorOffset = open;
      return false;
    }
    ++pos;
    if (field.text.find_first_not_of(" \t") == std::string::npos) {
      error = "f-string field has no expression";
      errorOffset = open;
      return false;
    }
    parts.push_back(std::move(field));
    literal.offset = pos;
  }
  flushLiteral();
  return true;
}

}  // namespace

bool splitFString(std::string_view body, std::vector<FStringPart> &parts, std::string &error, size_t &errorOffset) {
  size_t pos = 0;
  return splitParts(body, pos, false, parts, error, errorOffset);
}

}  // namespace kiln
