#include "common/media_type.h"

#include <gtest/gtest.h>

namespace tcoder {
namespace {

TEST(MediaType, ByExtensionCaseInsensitive) {
  EXPECT_EQ(MediaTypeFor("public/j/master.m3u8"), "application/vnd.apple.mpegurl");
  EXPECT_EQ(MediaTypeFor("public/j/720p/seg_001.ts"), "video/mp2t");
  EXPECT_EQ(MediaTypeFor("720p/seg_00000.m4s"), "video/iso.segment");
  EXPECT_EQ(MediaTypeFor("public/j/out.mp4"), "video/mp4");
  EXPECT_EQ(MediaTypeFor("poster.jpg"), "image/jpeg");
  EXPECT_EQ(MediaTypeFor("public/j/POSTER.JPG"), "image/jpeg");
}

TEST(MediaType, UnknownOrMissingExtensionIsEmpty) {
  EXPECT_EQ(MediaTypeFor("public/j/blob"), "");
  EXPECT_EQ(MediaTypeFor("public/j/a.exe"), "");
  EXPECT_EQ(MediaTypeFor("public/j.m3u8/blob"), "");  // the dot is in a folder name
  EXPECT_EQ(MediaTypeFor("public/j/trailing."), "");
  EXPECT_EQ(MediaTypeFor("public/j/x.averyverylongext"), "");
}

TEST(MediaType, PlaylistsAreTheOnlyMutableKind) {
  EXPECT_TRUE(IsPlaylistType(MediaTypeFor("a/index.m3u8")));
  EXPECT_TRUE(IsPlaylistType(MediaTypeFor("a/manifest.mpd")));
  EXPECT_FALSE(IsPlaylistType(MediaTypeFor("a/seg.ts")));
  EXPECT_FALSE(IsPlaylistType(MediaTypeFor("a/noext")));
}

}  // namespace
}  // namespace tcoder
