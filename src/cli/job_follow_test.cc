#include "cli/job_follow.h"

#include <gtest/gtest.h>

#include <vector>

namespace tcoder::cli {
namespace {

std::vector<std::string> ParseAll(const std::vector<std::string>& chunks) {
  SseParser p;
  std::vector<std::string> out;
  for (const auto& c : chunks) p.Feed(c, [&](const std::string& d) { out.push_back(d); });
  return out;
}

TEST(SseParser, EventsAcrossChunkBoundaries) {
  EXPECT_EQ(ParseAll({"event: job\ndata: {\"a\"", ":1}\n", "\n: heartbeat\n\nda", "ta: 2\r\n\r\n"}),
            (std::vector<std::string>{"{\"a\":1}", "2"}));
}

TEST(SseParser, MultiLineDataAndNoSpace) {
  EXPECT_EQ(ParseAll({"data:x\ndata: y\nid: 3\n\n"}), (std::vector<std::string>{"x\ny"}));
}

TEST(SseParser, IgnoresEventsWithoutData) { EXPECT_TRUE(ParseAll({"event: ping\n\n: comment\n\n"}).empty()); }

}  // namespace
}  // namespace tcoder::cli
