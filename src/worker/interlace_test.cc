#include "worker/interlace.h"

#include <gtest/gtest.h>

namespace tcoder::worker {
namespace {

TEST(Interlace, ParseIdetReadsTheLastMultiFrameLine) {
  const std::string err =
      "[Parsed_idet_0 @ 0x55] Repeated Fields: Neither:   199 Top:     0 Bottom:     0\n"
      "[Parsed_idet_0 @ 0x55] Single frame detection: TFF:    40 BFF:     1 Progressive:     9 Undetermined:   150\n"
      "[Parsed_idet_0 @ 0x55] Multi frame detection: TFF:   198 BFF:     0 Progressive:     1 Undetermined:     1\n";
  const auto c = ParseIdet(err);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->tff, 198);
  EXPECT_EQ(c->bff, 0);
  EXPECT_EQ(c->progressive, 1);
  EXPECT_EQ(c->undetermined, 1);
  EXPECT_FALSE(ParseIdet("no idet here\n").has_value());
  EXPECT_FALSE(ParseIdet("Multi frame detection: TFF: x BFF: 0\n").has_value());
}

TEST(Interlace, LooksInterlacedNeedsOneParityInNearlyEveryDecidedFrame) {
  EXPECT_TRUE(LooksInterlaced({.tff = 50}));
  EXPECT_TRUE(LooksInterlaced({.bff = 190, .progressive = 10}));
  // What idet says of some progressive synthetic patterns: mostly one parity, not nearly all.
  EXPECT_FALSE(LooksInterlaced({.tff = 41, .progressive = 9}));
  EXPECT_FALSE(LooksInterlaced({.tff = 32, .bff = 32, .progressive = 36}));
  EXPECT_FALSE(LooksInterlaced({.progressive = 200}));
  EXPECT_FALSE(LooksInterlaced({.tff = kMinDecided - 1, .undetermined = 100}));  // too few decided
  EXPECT_FALSE(LooksInterlaced({}));
}

}  // namespace
}  // namespace tcoder::worker
