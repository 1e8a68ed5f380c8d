#include "storage/aws_chunked.h"

#include <gtest/gtest.h>

#include "common/crypto.h"
#include "storage/s3_errors.h"

namespace tcoder::storage::server {
namespace {

constexpr std::string_view kDate = "20260101T000000Z";
constexpr std::string_view kScope = "20260101/us-east-1/s3/aws4_request";
constexpr std::string_view kSeed = "seedsignature";

std::string Key() { return sigv4::SigningKey("secret", "20260101", "us-east-1", "s3"); }

// A signed aws-chunked body of `chunks`, each signature chained from the seed.
std::string SignedBody(const std::vector<std::string>& chunks) {
  std::string body;
  std::string previous(kSeed);
  auto add = [&](const std::string& data) {
    const std::string sig = sigv4::ChunkSignature(Key(), kDate, kScope, previous, crypto::Hex(crypto::Sha256(data)));
    char size[32];
    std::snprintf(size, sizeof size, "%zx", data.size());
    body += std::string(size) + ";chunk-signature=" + sig + "\r\n" + data + "\r\n";
    previous = sig;
  };
  for (const auto& c : chunks) add(c);
  add("");
  return body + "\r\n";
}

sigv4::ChunkChain Chain() {
  return sigv4::ChunkChain(Key(), std::string(kDate), std::string(kScope), std::string(kSeed));
}

Status DecodeAll(AwsChunkedDecoder& d, std::string_view body, std::string& out, std::size_t piece) {
  for (std::size_t i = 0; i < body.size(); i += piece) {
    Status s = d.Feed(body.substr(i, piece), out);
    if (!s.ok()) return s;
  }
  return d.Finish();
}

TEST(AwsChunked, UnsignedChunksWithTrailerDecodeInAnyPieces) {
  const std::string body = "5\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n";
  for (std::size_t piece : {1u, 2u, 7u, 1000u}) {
    AwsChunkedDecoder d(std::nullopt);
    std::string out;
    ASSERT_TRUE(DecodeAll(d, body, out, piece).ok()) << piece;
    EXPECT_EQ(out, "hello world");
    ASSERT_EQ(d.trailers().size(), 1u);
    EXPECT_EQ(d.trailers()[0].first, "x-amz-checksum-crc32");
    EXPECT_EQ(d.trailers()[0].second, "DUoRhQ==");
  }
}

TEST(AwsChunked, SignedChunksVerify) {
  const std::string body = SignedBody({std::string(70000, 'a'), "tail"});
  AwsChunkedDecoder d(Chain());
  std::string out;
  ASSERT_TRUE(DecodeAll(d, body, out, 4096).ok());
  EXPECT_EQ(out, std::string(70000, 'a') + "tail");
}

TEST(AwsChunked, TamperedChunkFailsItsSignature) {
  std::string body = SignedBody({"original data"});
  body.replace(body.find("original"), 8, "modified");
  AwsChunkedDecoder d(Chain());
  std::string out;
  const Status s = DecodeAll(d, body, out, 5);
  EXPECT_EQ(FailureOf(s).code, "SignatureDoesNotMatch") << s.ToString();
}

TEST(AwsChunked, UnsignedChunkRefusedWhenSignaturesAreExpected) {
  AwsChunkedDecoder d(Chain());
  std::string out;
  EXPECT_EQ(FailureOf(DecodeAll(d, "3\r\nabc\r\n0\r\n\r\n", out, 100)).code, "SignatureDoesNotMatch");
}

TEST(AwsChunked, TruncatedOrMalformedBodiesFail) {
  for (std::string_view body : {"5\r\nhel", "zz\r\nabc\r\n", "3\r\nabcX\r\n", "3\nabc\r\n0\r\n\r\n"}) {
    AwsChunkedDecoder d(std::nullopt);
    std::string out;
    EXPECT_FALSE(DecodeAll(d, body, out, 100).ok()) << body;
  }
}

}  // namespace
}  // namespace tcoder::storage::server
