#include "diagnostics/Utf8.h"

#include <fmt/format.h>

namespace kiln {

size_t utf8Length(std::string_view text, size_t i) {
  auto byte = [&](size_t k) { return i + k < text.size() ? static_cast<unsigned char>(text[i + k]) : 0u; };
  auto continuation = [&](size_t k) { return (byte(k) & 0xC0) == 0x80; };
  if (i >= text.size()) return 0;
  unsigned b0 = byte(0);
  if (b0 < 0x80) return 1;
  if (b0 < 0xC2) return 0;  // a continuation byte, or an overlong 2-byte form
  if (b0 < 0xE0) return continuation(1) ? 2 : 0;
  if (b0 < 0xF0) {
    unsigned b1 = byte(1);
    if ((b0 == 0xE0 && b1 < 0xA0) || (b0 == 0xED && b1 >= 0xA0)) return 0;  // overlong; surrogate
    return continuation(1) && continuation(2) ? 3 : 0;
  }
  if (b0 < 0xF5) {
    unsigned b1 = byte(1);
    if ((b0 == 0xF0 && b1 < 0x90) || (b0 == 0xF4 && b1 >= 0x90)) return 0;  // overlong; past U+10FFFF
    return continuation(1) && continuation(2) && continuation(3) ? 4 : 0;
  }
  return 0;
}

uint32_t utf8Decode(std::string_view text, size_t i, size_t length) {
  static constexpr unsigned char kLeadMask[] = {0, 0x7F, 0x1F, 0x0F, 0x07};
  uint32_t cp = static_cast<unsigned char>(text[i]) & kLeadMask[length];
  for (size_t k = 1; k < length; ++k) cp = cp << 6 | (static_cast<unsigned char>(text[i + k]) & 0x3F);
  return cp;
}

void utf8Append(std::string &out, uint32_t cp) {
  if (cp < 0x80) {
    out += char(cp);
  } else if (cp < 0x800) {
    out += char(0xC0 | (cp >> 6));
    out += char(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += char(0xE0 | (cp >> 12));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  } else {
    out += char(0xF0 | (cp >> 18));
    out += char(0x80 | ((cp >> 12) & 0x3F));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  }
}

std::string printable(std::string_view text, size_t maxBytes) {
  std::string out;
  size_t skipFrom = text.size(), skipTo = text.size();
  if (text.size() > maxBytes) {
    skipFrom = maxBytes * 2 / 3;
    skipTo = text.size() - (maxBytes - skipFrom);
  }
  for (size_t i = 0; i < text.size();) {
    if (i >= skipFrom && i < skipTo) {
      out += " ... ";
      i = skipTo;
      while (i < text.size() && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) ++i;
      skipFrom = text.size();
      continue;
    }
    size_t n = utf8Length(text, i);
    if (n == 0) {
      out += fmt::format("<{:02X}>", static_cast<unsigned char>(text[i]));
      ++i;
      continue;
    }
    uint32_t cp = utf8Decode(text, i, n);
    if ((cp < 0x20 && cp != '\t') || cp == 0x7F || (cp >= 0x80 && cp < 0xA0))
      out += fmt::format("<U+{:04X}>", cp);
    else
      out.append(text, i, n);
    i += n;
  }
  return out;
}

}  // namespace kiln
