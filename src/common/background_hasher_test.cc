#include "common/background_hasher.h"

#include <gtest/gtest.h>

#include <string>

namespace tcoder::crypto {
namespace {

std::string Inline(Hasher::Kind kind, const std::string& data) {
  Hasher h(kind);
  h.Update(data);
  return h.Final();
}

TEST(BackgroundHasher, DigestEqualsTheInlineOneAcrossChunkSizes) {
  std::string data;
  for (int i = 0; i < 700'000; ++i) data.push_back(static_cast<char>((i * 131) ^ (i >> 7)));
  for (std::size_t chunk : {1u, 7u, 4096u, 65536u, 300'000u, 1'000'000u}) {
    Hasher start(Hasher::Kind::kMd5);
    start.Update(std::string_view(data).substr(0, 10));  // a state that already holds data
    BackgroundHasher bg(std::move(start));
    for (std::size_t pos = 10; pos < data.size(); pos += chunk) bg.Update(std::string_view(data).substr(pos, chunk));
    EXPECT_EQ(bg.Final(), Inline(Hasher::Kind::kMd5, data)) << "chunk " << chunk;
  }
}

TEST(BackgroundHasher, EmptyInputAndSha256) {
  BackgroundHasher empty(Hasher(Hasher::Kind::kMd5));
  empty.Update("");
  EXPECT_EQ(Hex(empty.Final()), "d41d8cd98f00b204e9800998ecf8427e");
  BackgroundHasher sha(Hasher(Hasher::Kind::kSha256));
  sha.Update("a");
  sha.Update("bc");
  EXPECT_EQ(Hex(sha.Final()), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace tcoder::crypto
