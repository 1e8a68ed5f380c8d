#include "edge/range.h"

#include <strings.h>
#include <charconv>
#include <limits>
#include <optional>

#include "common/ascii.h"

namespace tcoder::edge {
namespace {

using Kind = RangeDecision::Kind;

// Decimal digits only; values past 2^64-1 saturate (they are past any object's end).
std::optional<std::uint64_t> ParseNumber(std::string_view s) {
  if (s.empty()) return std::nullopt;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  std::uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec == std::errc::result_out_of_range) return std::numeric_limits<std::uint64_t>::max();
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

RangeDecision Partial(std::uint64_t first, std::uint64_t last) { return {Kind::kPartial, {first, last}}; }

// "-N": the last N bytes.
RangeDecision Suffix(std::string_view digits, std::uint64_t size) {
  const auto n = ParseNumber(digits);
  if (!n) return {};
  if (*n == 0 || size == 0) return {Kind::kUnsatisfiable, {}};
  return Partial(*n >= size ? 0 : size - *n, size - 1);
}

}  // namespace

RangeDecision DecideRange(std::string_view range_header, std::uint64_t size) {
  std::string_view spec = Trim(range_header);
  constexpr std::string_view kUnit = "bytes=";
  if (spec.size() <= kUnit.size() || strncasecmp(spec.data(), kUnit.data(), kUnit.size()) != 0) return {};
  spec = Trim(spec.substr(kUnit.size()));
  if (spec.find(',') != std::string_view::npos) return {};  // multi-range: the whole object
  const std::size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return {};
  const std::string_view a = Trim(spec.substr(0, dash));
  const std::string_view b = Trim(spec.substr(dash + 1));
  if (a.empty()) return Suffix(b, size);
  const auto first = ParseNumber(a);
  if (!first) return {};
  std::uint64_t last = std::numeric_limits<std::uint64_t>::max();
  if (!b.empty()) {
    const auto parsed = ParseNumber(b);
    if (!parsed || *parsed < *first) return {};  // invalid: ignored
    last = *parsed;
  }
  if (*first >= size) return {Kind::kUnsatisfiable, {}};
  return Partial(*first, last >= size ? size - 1 : last);
}

std::string ContentRange(const ByteSpan& span, std::uint64_t size) {
  return "bytes " + std::to_string(span.first) + "-" + std::to_string(span.last) + "/" + std::to_string(size);
}

std::string UnsatisfiedContentRange(std::uint64_t size) { return "bytes */" + std::to_string(size); }

}  // namespace tcoder::edge
