// Python string literals: prefixes and quotes, escape sequences, and the
// replacement fields of f-strings.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace kiln {

struct StringLiteral {
  bool raw = false;
  bool formatted = false;  // an f-string
  std::string_view body;   // between the quotes
  size_t bodyOffset = 0;   // byte offset of the body in the token
};
StringLiteral splitLiteral(std::string_view token);

// Decodes Python's escapes (\n, \xHH, \uHHHH, ...) unless `raw`. On a bad
// escape, returns false with the escape letter in `bad`.
bool decodeEscapes(std::string_view body, bool raw, std::string &out, std::string &bad);

// A piece of an f-string: literal text, or a replacement field
// {expression!conversion:spec} whose spec is itself made of pieces.
struct FStringPart {
  bool field = false;
  std::string text;     // literal (still escaped) or the expression's source
  size_t offset = 0;    // byte offset of `text` in the f-string's body
  char conversion = 0;  // 'r', 's', 'a' or 0
  std::vector<FStringPart> spec;
};

// Splits an f-string body into parts; on a malformed field returns false
// with a message and the byte offset of the problem.
bool splitFString(std::string_view body, std::vector<FStringPart> &parts, std::string &error, size_t &errorOffset);

}  // namespace kiln
