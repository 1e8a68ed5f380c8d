#include "common/crypto.h"

#include <gtest/gtest.h>

#include <set>

namespace tcoder::crypto {
namespace {

TEST(Crypto, KnownDigests) {
  EXPECT_EQ(Hex(Sha256("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Hex(Md5("")), "d41d8cd98f00b204e9800998ecf8427e");
  // RFC 4231 test case 2.
  EXPECT_EQ(Hex(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Crypto, StreamingMatchesOneShot) {
  Hasher h(Hasher::Kind::kSha256);
  h.Update("hello ");
  h.Update("world");
  EXPECT_EQ(h.Final(), Sha256("hello world"));
  Hasher m(Hasher::Kind::kMd5);
  m.Update("abc");
  EXPECT_EQ(Hex(m.Final()), "900150983cd24fb0d6963f7d28e17f72");
}

TEST(Crypto, Base64RoundTripsAndRejectsGarbage) {
  const std::string samples[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar", std::string("\0\xff\xfe", 3)};
  for (const std::string& s : samples) {
    EXPECT_EQ(*Base64Decode(Base64(s)), s);
    EXPECT_EQ(*Base64UrlDecode(Base64Url(s)), s);
  }
  EXPECT_EQ(Base64("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64("fo"), "Zm8=");
  EXPECT_EQ(Base64Url("\xfb\xff"), "-_8");
  EXPECT_FALSE(Base64Decode("Zm9v!").has_value());
  EXPECT_FALSE(Base64Decode("Zm8").has_value());
  EXPECT_FALSE(Base64UrlDecode("Zm9v+").has_value());
  EXPECT_FALSE(Base64UrlDecode("Zm9=").has_value());
  EXPECT_EQ(*Base64UrlDecode("Zm8"), "fo");
}

TEST(Crypto, RandomTokensDiffer) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) seen.insert(RandomToken());
  EXPECT_EQ(seen.size(), 100u);
  EXPECT_EQ(RandomBytes(17).size(), 17u);
  EXPECT_EQ(RandomToken(24).size(), 32u);
}

TEST(Crypto, ConstantTimeEquals) {
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abcd"));
}

}  // namespace
}  // namespace tcoder::crypto
