#include "common/percent_decode.h"

namespace tcoder {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes %XX escapes; a bad one fails (strict) or is kept as it is.
std::optional<std::string> Decode(std::string_view in, bool strict) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out += in[i];
      continue;
    }
    const int hi = i + 2 < in.size() ? HexValue(in[i + 1]) : -1;
    const int lo = hi >= 0 ? HexValue(in[i + 2]) : -1;
    if (lo < 0) {
      if (strict) return std::nullopt;
      out += '%';
      continue;
    }
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

}  // namespace

std::optional<std::string> PercentDecode(std::string_view in) { return Decode(in, true); }

std::string PercentDecodeLenient(std::string_view in) { return *Decode(in, false); }

}  // namespace tcoder
