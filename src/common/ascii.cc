#include "common/ascii.h"

#include <algorithm>
#include <string>

namespace tcoder {

std::string_view Trim(std::string_view s, std::string_view chars) {
  const std::size_t begin = s.find_first_not_of(chars);
  if (begin == std::string_view::npos) return {};
  return s.substr(begin, s.find_last_not_of(chars) - begin + 1);
}

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string LastLine(std::string_view text, std::size_t max_len) {
  const std::size_t end = text.find_last_not_of("\r\n \t");
  if (end == std::string_view::npos) return "no error message";
  const std::size_t start = text.rfind('\n', end);
  const std::size_t from = start == std::string_view::npos ? 0 : start + 1;
  return std::string(text.substr(from, std::min(end + 1 - from, max_len)));
}

bool IsIdentifier(std::string_view s, std::size_t min_len, std::size_t max_len, std::string_view extra) {
  if (s.size() < min_len || s.size() > max_len) return false;
  return std::all_of(s.begin(), s.end(),
                     [extra](char c) { return IsAsciiAlnum(c) || extra.find(c) != std::string_view::npos; });
}

}  // namespace tcoder
