#include "common/duration.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <ctime>
#include <istream>
#include <limits>
#include <ostream>

namespace tcoder {
namespace {

struct Unit {
  std::string_view suffix;
  std::int64_t ms;
};
// Longest suffixes first so "ms" wins over "m".
constexpr Unit kUnits[] = {{"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}, {"d", 86'400'000}};

bool ParseNumber(std::string_view& text, std::uint64_t& out) {
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, out);
  if (ec != std::errc() || ptr == text.data()) return false;
  text.remove_prefix(static_cast<std::size_t>(ptr - text.data()));
  return true;
}

}  // namespace

Result<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  const std::string original(text);
  if (text.empty()) return InvalidArgument("empty duration");
  std::int64_t total = 0;
  bool bare = true;
  while (!text.empty()) {
    std::uint64_t n = 0;
    if (!ParseNumber(text, n)) return InvalidArgument("bad duration '" + original + "': expected a number");
    std::int64_t unit_ms = 0;
    for (const Unit& u : kUnits) {
      if (text.starts_with(u.suffix)) {
        unit_ms = u.ms;
        text.remove_prefix(u.suffix.size());
        break;
      }
    }
    if (unit_ms == 0) {
      if (!text.empty() || !bare) return InvalidArgument("bad duration '" + original + "': unknown unit");
      unit_ms = 1000;  // bare number: seconds
    }
    bare = false;
    const auto limit = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max() / unit_ms);
    if (n > limit || total > std::numeric_limits<std::int64_t>::max() - static_cast<std::int64_t>(n) * unit_ms) {
      return InvalidArgument("bad duration '" + original + "': too large");
    }
    total += static_cast<std::int64_t>(n) * unit_ms;
  }
  return std::chrono::milliseconds(total);
}

std::string FormatDuration(std::chrono::milliseconds d) {
  std::int64_t ms = d.count();
  if (ms == 0) return "0s";
  std::string out;
  if (ms < 0) {
    out = "-";
    ms = -ms;
  }
  for (auto it = std::rbegin(kUnits); it != std::rend(kUnits); ++it) {
    if (ms >= it->ms) {
      out += std::to_string(ms / it->ms) + std::string(it->suffix);
      ms %= it->ms;
    }
  }
  return out;
}

Result<std::uint64_t> ParseSize(std::string_view text) {
  const std::string original(text);
  std::uint64_t n = 0;
  if (!ParseNumber(text, n)) return InvalidArgument("bad size '" + original + "': expected a number");
  struct SizeUnit {
    std::string_view suffix;
    std::uint64_t mult;
  };
  static constexpr SizeUnit kSizeUnits[] = {{"", 1},
                                            {"B", 1},
                                            {"K", 1000ULL},
                                            {"KB", 1000ULL},
                                            {"KiB", 1ULL << 10},
                                            {"M", 1000000ULL},
                                            {"MB", 1000000ULL},
                                            {"MiB", 1ULL << 20},
                                            {"G", 1000000000ULL},
                                            {"GB", 1000000000ULL},
                                            {"GiB", 1ULL << 30},
                                            {"T", 1000000000000ULL},
                                            {"TB", 1000000000000ULL},
                                            {"TiB", 1ULL << 40}};
  for (const SizeUnit& u : kSizeUnits) {
    if (text == u.suffix) {
      if (n > std::numeric_limits<std::uint64_t>::max() / u.mult)
        return InvalidArgument("bad size '" + original + "': too large");
      return n * u.mult;
    }
  }
  return InvalidArgument("bad size '" + original + "': unknown unit");
}

std::istream& operator>>(std::istream& in, Duration& d) {
  std::string text;
  in >> text;
  auto parsed = ParseDuration(text);
  if (!parsed.ok()) {
    in.setstate(std::ios::failbit);
    return in;
  }
  d.value = *parsed;
  return in;
}

std::ostream& operator<<(std::ostream& out, const Duration& d) { return out << FormatDuration(d.value); }

std::int64_t UnixMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string IsoTimestamp(std::int64_t unix_ms) {
  unix_ms = std::max<std::int64_t>(unix_ms, 0);
  const std::time_t secs = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(unix_ms % 1000));
  return buf;
}

std::optional<std::int64_t> ParseIsoTimestamp(std::string_view text) {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, consumed = 0;
  const std::string s(text.substr(0, 40));
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &year, &month, &day, &hour, &minute, &second, &consumed) !=
          6 ||
      consumed != 19)
    return std::nullopt;
  std::string_view rest = std::string_view(s).substr(19);
  int millis = 0;
  if (!rest.empty() && rest.front() == '.') {
    rest.remove_prefix(1);
    int digits = 0;
    while (!rest.empty() && rest.front() >= '0' && rest.front() <= '9') {
      if (digits < 3) millis = millis * 10 + (rest.front() - '0');
      ++digits;
      rest.remove_prefix(1);
    }
    if (digits == 0) return std::nullopt;
    for (; digits < 3; ++digits) millis *= 10;
  }
  if (rest != "Z" || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60)
    return std::nullopt;
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  return static_cast<std::int64_t>(timegm(&tm)) * 1000 + millis;
}

}  // namespace tcoder
