// UTF-8 as model files and messages use it: validation, and text made safe
// to print on a terminal.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace kiln {

// The length (1 to 4) of the well-formed UTF-8 character starting at
// text[i], or 0 if the bytes there are not one: a stray continuation byte, a
// truncated sequence, an overlong form, a surrogate or a code point past
// U+10FFFF.
size_t utf8Length(std::string_view text, size_t i);

// The code point of the well-formed character of `length` bytes at text[i].
uint32_t utf8Decode(std::string_view text, size_t i, size_t length);

// Appends code point `cp` (at most U+10FFFF) as UTF-8.
void utf8Append(std::string &out, uint32_t cp);

// `text` with control characters and malformed bytes spelled out (<U+001B>,
// <E9>), so that it prints as one line of what it holds. Tabs are kept. Text
// longer than `maxBytes` keeps its start and end around a " ... ".
std::string printable(std::string_view text, size_t maxBytes = std::string_view::npos);

}  // namespace kiln
