#include "edge/range.h"

#include <gtest/gtest.h>

namespace tcoder::edge {
namespace {

using Kind = RangeDecision::Kind;

void ExpectPartial(std::string_view header, std::uint64_t size, std::uint64_t first, std::uint64_t last) {
  const RangeDecision d = DecideRange(header, size);
  ASSERT_EQ(d.kind, Kind::kPartial) << header;
  EXPECT_EQ(d.span.first, first) << header;
  EXPECT_EQ(d.span.last, last) << header;
}

TEST(Range, SingleRanges) {
  ExpectPartial("bytes=0-0", 100, 0, 0);
  ExpectPartial("bytes=-1", 100, 99, 99);
  ExpectPartial("bytes=10-", 100, 10, 99);
  ExpectPartial("bytes=10-19", 100, 10, 19);
  ExpectPartial("bytes=90-500", 100, 90, 99);                    // the end is clamped
  ExpectPartial("bytes=-500", 100, 0, 99);                       // a suffix longer than the object
  ExpectPartial(" BYTES=5-6 ", 100, 5, 6);                       // unit case, outer spaces
  ExpectPartial("bytes=0-99999999999999999999999", 100, 0, 99);  // saturates
}

TEST(Range, PastTheEndIsUnsatisfiable) {
  EXPECT_EQ(DecideRange("bytes=100-", 100).kind, Kind::kUnsatisfiable);
  EXPECT_EQ(DecideRange("bytes=100-200", 100).kind, Kind::kUnsatisfiable);
  EXPECT_EQ(DecideRange("bytes=-0", 100).kind, Kind::kUnsatisfiable);
  EXPECT_EQ(DecideRange("bytes=0-0", 0).kind, Kind::kUnsatisfiable);
  EXPECT_EQ(DecideRange("bytes=-1", 0).kind, Kind::kUnsatisfiable);
  EXPECT_EQ(DecideRange("bytes=99999999999999999999999-", 100).kind, Kind::kUnsatisfiable);
}

TEST(Range, IgnoredHeadersServeTheWholeObject) {
  for (const char* h : {"", "bytes=", "bytes=5", "bytes=9-3", "bytes=a-b", "bytes=1-2,5-6", "items=0-1", "bytes=--1",
                        "bytes=+1-2", "bytes=0x1-2"}) {
    EXPECT_EQ(DecideRange(h, 100).kind, Kind::kWhole) << h;
  }
}

TEST(Range, ContentRangeValues) {
  EXPECT_EQ(ContentRange({0, 0}, 100), "bytes 0-0/100");
  EXPECT_EQ(ContentRange({10, 99}, 100), "bytes 10-99/100");
  EXPECT_EQ(UnsatisfiedContentRange(100), "bytes */100");
}

}  // namespace
}  // namespace tcoder::edge
