#include "storage/presign.h"

#include <gtest/gtest.h>

namespace tcoder::storage {
namespace {

TEST(Presign, BucketNamesFollowS3Rules) {
  for (const char* ok : {"abc", "media", "my-bucket.v2", "a1b", "123abc"}) EXPECT_TRUE(ValidBucketName(ok)) << ok;
  for (const char* bad : {"ab", "-abc", "abc-", "Abc", "a..b", "a.-b", "a-.b", "a_b", "192.168.1.1", "a b"}) {
    EXPECT_FALSE(ValidBucketName(bad)) << bad;
  }
  EXPECT_TRUE(ValidBucketName(std::string(63, 'a')));
  EXPECT_FALSE(ValidBucketName(std::string(64, 'a')));
  EXPECT_FALSE(ValidateBucket("a..b").ok());
  EXPECT_TRUE(ValidateBucket("media").ok());
}

TEST(Presign, EndpointHostsAreChecked) {
  EXPECT_TRUE(ParseEndpoint("http://127.0.0.1:9000").ok());
  EXPECT_TRUE(ParseEndpoint("https://[::1]:9000/base").ok());
  EXPECT_TRUE(ParseEndpoint("https://Account.R2.cloudflarestorage.com").ok());
  EXPECT_FALSE(ParseEndpoint("http://").ok());
  EXPECT_FALSE(ParseEndpoint("http://ho st").ok());
  EXPECT_FALSE(ParseEndpoint("http://host@evil").ok());
  EXPECT_FALSE(ParseEndpoint("ftp://host").ok());
}

}  // namespace
}  // namespace tcoder::storage
