#include "http/http_date.h"

#include <ctime>

namespace tcoder::http {

namespace {
constexpr char kFormat[] = "%a, %d %b %Y %H:%M:%S GMT";
}  // namespace

std::string HttpDate(std::int64_t unix_seconds) {
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  const std::size_t n = std::strftime(buf, sizeof buf, kFormat, &tm);
  return std::string(buf, n);
}

std::optional<std::int64_t> ParseHttpDate(std::string_view text) {
  std::tm tm{};
  const std::string s(text);
  const char* end = strptime(s.c_str(), kFormat, &tm);
  if (end == nullptr || *end != '\0') return std::nullopt;
  return static_cast<std::int64_t>(timegm(&tm));
}

}  // namespace tcoder::http
