// BodyReader: the object bytes of an upload request, decoded (plain or
// aws-chunked) and verified as they stream: the signed SHA-256, chunk
// signatures, Content-MD5, x-amz-checksum-crc32/sha256 (header or trailer)
// and the declared length. Nothing is trusted until Next() returns the empty
// end-of-body marker with OK. Thread-safety: one owner (one request).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "common/status.h"
#include "http/server.h"
#include "storage/sigv4.h"

namespace tcoder::storage::server {

class BodyReader {
 public:
  // Checks the request's payload headers. Errors: NotImplemented (checksum
  // algorithms other than CRC32 and SHA-256), InvalidArgument, InvalidDigest,
  // EntityTooLarge (declared size over max_size).
  [[nodiscard]] static Result<std::unique_ptr<BodyReader>> Create(http::Exchange& ex, const sigv4::Verified& auth,
                                                                  std::uint64_t max_size);
  ~BodyReader();

  // The next decoded bytes in `out` (replaced); empty at the end of the body,
  // when everything has been verified. Errors: XAmzContentSHA256Mismatch,
  // SignatureDoesNotMatch, BadDigest, IncompleteBody, EntityTooLarge.
  [[nodiscard]] http::Task<Status> Next(std::string& out);
  std::optional<std::uint64_t> declared_size() const { return declared_; }

  struct State;

 private:
  BodyReader(http::Exchange& ex, std::unique_ptr<State> state);
  Status Verify();
  http::Exchange& ex_;
  std::unique_ptr<State> st_;
  std::optional<std::uint64_t> declared_;
};

// The CRC-32 (IEEE, zlib's) of data, continuing from `crc` (0 to start).
std::uint32_t Crc32(std::uint32_t crc, std::string_view data);

}  // namespace tcoder::storage::server
