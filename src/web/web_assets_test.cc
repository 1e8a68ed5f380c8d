#include "web/web_assets.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "support/test_env.h"

namespace tcoder::web {
namespace {

std::string ReadSourceFile(std::string_view file) {
  std::ifstream in(testing::SourceDir() / "web" / file, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(WebAssets, EveryFileIsBuiltInAsItIsInWeb) {
  ASSERT_EQ(WebAssets().front().path, "/index.html");
  for (const WebAsset& a : WebAssets()) {
    const std::string on_disk = ReadSourceFile(a.file);
    ASSERT_FALSE(on_disk.empty()) << a.file << " (./test.sh installs web/node_modules)";
    EXPECT_EQ(a.data.size(), on_disk.size()) << a.file;
    EXPECT_TRUE(a.data == on_disk) << a.file << " differs from the built-in copy: rebuild";
    EXPECT_EQ(FindWebAsset(a.path), &a);
  }
  EXPECT_NE(WebAssets().front().data.find("src=\"hls.min.js\""), std::string_view::npos);
  EXPECT_EQ(FindWebAsset("/../secrets.json"), nullptr);
  EXPECT_EQ(FindWebAsset("/node_modules/hls.js/dist/hls.min.js"), nullptr);
}

}  // namespace
}  // namespace tcoder::web
