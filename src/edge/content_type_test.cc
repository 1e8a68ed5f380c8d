#include "edge/content_type.h"

#include <gtest/gtest.h>

namespace tcoder::edge {
namespace {

TEST(ContentType, MediaTypesByExtension) {
  EXPECT_EQ(ContentTypeFor("public/j/master.m3u8"), "application/vnd.apple.mpegurl");
  EXPECT_EQ(ContentTypeFor("public/j/720p/seg_001.ts"), "video/mp2t");
  EXPECT_EQ(ContentTypeFor("public/j/720p/seg_001.m4s"), "video/iso.segment");
  EXPECT_EQ(ContentTypeFor("public/j/out.mp4"), "video/mp4");
  EXPECT_EQ(ContentTypeFor("public/j/poster.jpg"), "image/jpeg");
  EXPECT_EQ(ContentTypeFor("public/j/POSTER.JPG"), "image/jpeg");
}

TEST(ContentType, UnknownOrMissingExtensionIsEmpty) {
  EXPECT_EQ(ContentTypeFor("public/j/blob"), "");
  EXPECT_EQ(ContentTypeFor("public/j/a.exe"), "");
  EXPECT_EQ(ContentTypeFor("public/j.m3u8/blob"), "");  // the dot is in a folder name
  EXPECT_EQ(ContentTypeFor("public/j/trailing."), "");
}

TEST(ContentType, SegmentsAreImmutablePlaylistsShort) {
  EXPECT_EQ(FreshnessFor("a/seg.ts"), Freshness::kImmutable);
  EXPECT_EQ(FreshnessFor("a/poster.jpg"), Freshness::kImmutable);
  EXPECT_EQ(FreshnessFor("a/index.m3u8"), Freshness::kShort);
  EXPECT_EQ(FreshnessFor("a/meta.json"), Freshness::kDefault);
  EXPECT_EQ(FreshnessFor("a/noext"), Freshness::kDefault);
}

TEST(ContentType, CacheControlValues) {
  EXPECT_EQ(CacheControlFor(Freshness::kImmutable, false), "public, max-age=31536000, immutable");
  EXPECT_EQ(CacheControlFor(Freshness::kShort, false), "public, max-age=2");
  EXPECT_EQ(CacheControlFor(Freshness::kDefault, false), "public, max-age=60");
  EXPECT_EQ(CacheControlFor(Freshness::kImmutable, true), "private, max-age=31536000, immutable");
  EXPECT_EQ(CacheControlFor(Freshness::kShort, true), "private, max-age=2");
}

}  // namespace
}  // namespace tcoder::edge
