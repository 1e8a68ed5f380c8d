// ASCII text helpers shared by the parsers: trimming, lowering, character
// classes, identifier checks and the last line of a message. Locale-independent (no <cctype>), pure, thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace tcoder {

// `s` without the leading and trailing characters in `chars`; by default
// HTTP's optional whitespace (space and tab).
std::string_view Trim(std::string_view s, std::string_view chars = " \t");

constexpr bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }
constexpr bool IsAsciiLower(char c) { return c >= 'a' && c <= 'z'; }
constexpr bool IsAsciiAlnum(char c) { return IsAsciiDigit(c) || IsAsciiLower(c) || (c >= 'A' && c <= 'Z'); }

// `s` with A-Z lowered.
std::string AsciiLower(std::string_view s);

// The last line of `text` that is not blank, at most `max_len` characters
// ("no error message" when there is none): a child's stderr, for an error.
std::string LastLine(std::string_view text, std::size_t max_len = 300);

// Whether `s` is `min_len` to `max_len` characters, each an ASCII letter, a
// digit or one of `extra`: IsIdentifier(id, 1, 64, "_-.").
bool IsIdentifier(std::string_view s, std::size_t min_len, std::size_t max_len, std::string_view extra);

}  // namespace tcoder
