#include "cli/progress_bar.h"

#include <gtest/gtest.h>

#include <cstdio>

namespace tcoder::cli {
namespace {

TEST(ProgressBar, FormatsBytes) {
  EXPECT_EQ(ProgressBar::FormatBytes(512), "512 B");
  EXPECT_EQ(ProgressBar::FormatBytes(1536), "1.5 KiB");
  EXPECT_EQ(ProgressBar::FormatBytes(25.0 * 1024 * 1024), "25.0 MiB");
}

TEST(ProgressBar, BarFillsInProportion) {
  EXPECT_EQ(ProgressBar::Bar(0, 4), "[    ]");
  EXPECT_EQ(ProgressBar::Bar(0.5, 4), "[##  ]");
  EXPECT_EQ(ProgressBar::Bar(2.0, 4), "[####]");
}

TEST(ProgressBar, DrawsNothingWhenNotATerminal) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  {
    ProgressBar bar("upload", f);
    EXPECT_FALSE(bar.enabled());
    bar.Bytes(10, 100);
    bar.Percent(50, "running");
  }
  EXPECT_EQ(std::ftell(f), 0);
  std::fclose(f);
}

}  // namespace
}  // namespace tcoder::cli
