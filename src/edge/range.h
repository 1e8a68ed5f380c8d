// The Range request header (RFC 7233) for one object of known size: a single
// byte range is served as 206; an unsatisfiable one is 416; a missing,
// malformed, non-bytes or multi-range header is ignored (the whole object, 200).
// Thread-safety: pure functions, safe from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tcoder::edge {

struct ByteSpan {
  std::uint64_t first = 0;
  std::uint64_t last = 0;  // inclusive
  std::uint64_t length() const { return last - first + 1; }
};

struct RangeDecision {
  enum class Kind { kWhole, kPartial, kUnsatisfiable };
  Kind kind = Kind::kWhole;
  ByteSpan span;  // kPartial only
};

// Decides what to send for `range_header` ("" when absent) on an object of `size` bytes.
RangeDecision DecideRange(std::string_view range_header, std::uint64_t size);

// "bytes 0-99/1000" for a 206; "bytes */1000" for a 416.
std::string ContentRange(const ByteSpan& span, std::uint64_t size);
std::string UnsatisfiedContentRange(std::uint64_t size);

}  // namespace tcoder::edge
