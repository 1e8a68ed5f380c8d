#include "edge/key_path.h"

#include "http/url.h"

namespace tcoder::edge {
namespace {

// Length of the UTF-8 sequence starting at s[i], or 0 when it is not one
// (overlong forms, surrogates and code points past U+10FFFF included).
std::size_t Utf8Length(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const auto cont = [&](std::size_t k) { return i + k < s.size() && (b(k) & 0xC0) == 0x80; };
  const unsigned char c = b(0);
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    if (c == 0xE0 && b(1) < 0xA0) return 0;   // overlong
    if (c == 0xED && b(1) >= 0xA0) return 0;  // surrogate
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if (c == 0xF0 && b(1) < 0x90) return 0;   // overlong
    if (c == 0xF4 && b(1) >= 0x90) return 0;  // past U+10FFFF
    return 4;
  }
  return 0;
}

Status CheckKeyBytes(std::string_view key) {
  for (std::size_t i = 0; i < key.size();) {
    const auto c = static_cast<unsigned char>(key[i]);
    if (c < 0x20 || c == 0x7F) return InvalidArgument("the path holds a control character");
    const std::size_t n = Utf8Length(key, i);
    if (n == 0) return InvalidArgument("the path is not valid UTF-8");
    i += n;
  }
  return Status::Ok();
}

}  // namespace

Result<std::string> KeyFromPath(std::string_view raw_path) {
  if (!raw_path.starts_with('/')) return InvalidArgument("the request path must start with '/'");
  std::optional<std::string> key = http::PercentDecode(raw_path.substr(1));
  if (!key) return InvalidArgument("the path has a bad percent-escape");
  if (key->empty()) return NotFound("no object at /");
  if (key->size() > kMaxKeyBytes) return InvalidArgument("the object key is longer than 1024 bytes");
  if (Status s = CheckKeyBytes(*key); !s.ok()) return s;
  return std::move(*key);
}

}  // namespace tcoder::edge
