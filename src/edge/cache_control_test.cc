#include "edge/cache_control.h"

#include <gtest/gtest.h>

namespace tcoder::edge {
namespace {

TEST(CacheControl, SegmentsAreImmutablePlaylistsShort) {
  EXPECT_EQ(FreshnessFor("a/seg.ts"), Freshness::kImmutable);
  EXPECT_EQ(FreshnessFor("a/poster.jpg"), Freshness::kImmutable);
  EXPECT_EQ(FreshnessFor("a/index.m3u8"), Freshness::kShort);
  EXPECT_EQ(FreshnessFor("a/audio.M4A"), Freshness::kImmutable);
  EXPECT_EQ(FreshnessFor("a/subs.vtt"), Freshness::kImmutable);
  EXPECT_EQ(FreshnessFor("a/meta.json"), Freshness::kDefault);
  EXPECT_EQ(FreshnessFor("a/noext"), Freshness::kDefault);
}

TEST(CacheControl, CacheControlValues) {
  EXPECT_EQ(CacheControlFor(Freshness::kImmutable, false), "public, max-age=31536000, immutable");
  EXPECT_EQ(CacheControlFor(Freshness::kShort, false), "public, max-age=2");
  EXPECT_EQ(CacheControlFor(Freshness::kDefault, false), "public, max-age=60");
  EXPECT_EQ(CacheControlFor(Freshness::kImmutable, true), "private, max-age=31536000, immutable");
  EXPECT_EQ(CacheControlFor(Freshness::kShort, true), "private, max-age=2");
}

}  // namespace
}  // namespace tcoder::edge
