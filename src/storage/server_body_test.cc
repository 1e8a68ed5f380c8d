#include "storage/server_body.h"

#include <gtest/gtest.h>

namespace tcoder::storage::server {
namespace {

TEST(ServerBody, Crc32MatchesTheStandardCheckValue) {
  EXPECT_EQ(Crc32(0, "123456789"), 0xCBF43926u);
  EXPECT_EQ(Crc32(Crc32(0, "12345"), "6789"), 0xCBF43926u);  // streams
  EXPECT_EQ(Crc32(0, "hello world"), 0x0D4A1185u);
}

}  // namespace
}  // namespace tcoder::storage::server
