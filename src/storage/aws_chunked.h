// AwsChunkedDecoder: the aws-chunked content encoding of S3 uploads
// ("<hex size>[;chunk-signature=<sig>]\r\n<data>\r\n" ... "0...\r\n<trailers>\r\n").
//
// Fed the raw body in pieces of any size, it emits the object's bytes, checks
// each chunk's signature when given a ChunkChain (STREAMING-AWS4-HMAC-SHA256-
// PAYLOAD) and collects trailing headers (x-amz-checksum-*). Memory is bounded
// by the pieces fed. Errors carry S3 codes. Thread-safety: one owner.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/crypto.h"
#include "common/status.h"
#include "storage/sigv4.h"

namespace tcoder::storage::server {

class AwsChunkedDecoder {
 public:
  explicit AwsChunkedDecoder(std::optional<sigv4::ChunkChain> chain) : chain_(std::move(chain)) {}

  // Decodes `in`, appending object bytes to `out`. Errors: IncompleteBody
  // (bad framing), SignatureDoesNotMatch (a chunk or the trailer).
  [[nodiscard]] Status Feed(std::string_view in, std::string& out);
  // Once the body has ended: OK when the last chunk and the trailers arrived.
  [[nodiscard]] Status Finish() const;
  bool done() const { return state_ == State::kDone; }
  // Trailing headers, names lower-case (x-amz-trailer-signature left out).
  const std::vector<std::pair<std::string, std::string>>& trailers() const { return trailers_; }

 private:
  enum class State { kSize, kData, kDataEnd, kTrailer, kDone };
  Status OnSizeLine(std::string_view line);
  Status OnTrailerLine(std::string_view line);
  Status EndChunk();
  // Appends to line_ up to and including '\n'; returns bytes used, sets `complete`.
  std::size_t TakeLine(std::string_view in, bool& complete);

  std::optional<sigv4::ChunkChain> chain_;
  State state_ = State::kSize;
  std::string line_;
  std::uint64_t remaining_ = 0;
  std::string chunk_signature_;
  std::optional<crypto::Hasher> chunk_hash_;
  std::string canonical_trailers_;
  std::vector<std::pair<std::string, std::string>> trailers_;
};

}  // namespace tcoder::storage::server
