// S3Client: the S3 operations tcoder needs, against any S3-compatible endpoint
// (the built-in server, AWS S3, R2, MinIO, Ceph). Objects stream between files
// and the network, never whole in memory; files above multipart_threshold go
// up as a multipart upload. Every request is signed with SigV4 and retried on
// 5xx, 429 and connection errors with bounded, jittered exponential backoff.
// Thread-safety: calls may come from any thread; they are serialized.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "http/transport.h"
#include "storage/presign.h"
#include "storage/s3_xml.h"
#include "storage/sigv4.h"

namespace tcoder::storage {

struct S3Call;  // one logical request (s3_client_call.h)

struct S3Timeouts {
  std::chrono::milliseconds connect{5000};
  std::chrono::milliseconds request{60000};  // total, for requests that are not streaming
  std::chrono::seconds stall{30};            // streaming: abort below 1 KiB/s for this long
};

struct S3ClientConfig {
  std::string endpoint;  // "http://127.0.0.1:9000", "https://s3.eu-west-1.amazonaws.com"
  std::string region = "us-east-1";
  bool path_style = true;  // false: bucket.host virtual-host style
  sigv4::Credentials credentials;
  S3Timeouts timeouts;
  int max_attempts = 4;  // per request, first try included
  std::chrono::milliseconds backoff_base{100};
  std::chrono::milliseconds backoff_max{5000};
  // Files larger than this go up as multipart uploads of part_size bytes
  // (part_size grows when the file would need more than 10000 parts).
  std::uint64_t multipart_threshold = 64ull << 20;
  std::uint64_t part_size = 16ull << 20;  // at least 5 MiB
};

struct ByteRange {
  std::uint64_t first = 0;
  std::optional<std::uint64_t> last;  // inclusive; none: to the end
};

struct PutOptions {
  std::string content_type;  // empty: none sent
};

struct ListOptions {
  std::string prefix;
  std::string delimiter;
  std::string continuation_token;
  std::string start_after;
  int max_keys = 1000;  // 1..1000
};

class S3Client {
 public:
  // Checks the config (endpoint URL, credentials, sizes). transport: null for
  // libcurl; tests pass a fake.
  [[nodiscard]] static Result<std::unique_ptr<S3Client>> Create(
      S3ClientConfig config, std::unique_ptr<http::HttpTransport> transport = nullptr);

  // Uploads a file (multipart above the threshold). Returns the ETag.
  [[nodiscard]] Result<std::string> PutObject(std::string_view bucket, std::string_view key,
                                              const std::filesystem::path& file, const PutOptions& options = {});
  [[nodiscard]] Result<std::string> PutObjectFromString(std::string_view bucket, std::string_view key,
                                                        std::string_view data, const PutOptions& options = {});
  // Downloads to `file` atomically (temporary file beside it, fsync, rename):
  // on error `file` is left as it was. Returns the bytes written.
  [[nodiscard]] Result<std::uint64_t> GetObject(std::string_view bucket, std::string_view key,
                                                const std::filesystem::path& file,
                                                std::optional<ByteRange> range = std::nullopt);
  // Small objects only: kTooLarge past max_bytes.
  [[nodiscard]] Result<std::string> GetObjectToString(std::string_view bucket, std::string_view key,
                                                      std::optional<ByteRange> range = std::nullopt,
                                                      std::size_t max_bytes = 16 << 20);
  [[nodiscard]] Result<ObjectInfo> HeadObject(std::string_view bucket, std::string_view key);
  // Deleting a missing key succeeds (as in S3).
  [[nodiscard]] Status DeleteObject(std::string_view bucket, std::string_view key);
  [[nodiscard]] Result<ListPage> ListObjectsV2(std::string_view bucket, const ListOptions& options = {});
  // Every object under prefix, following continuation tokens.
  [[nodiscard]] Result<std::vector<ObjectInfo>> ListAll(std::string_view bucket, std::string_view prefix);
  // Succeeds when the bucket already exists and is ours.
  [[nodiscard]] Status CreateBucket(std::string_view bucket);
  [[nodiscard]] Status HeadBucket(std::string_view bucket);
  // Server-side copy; returns the new ETag.
  [[nodiscard]] Result<std::string> CopyObject(std::string_view src_bucket, std::string_view src_key,
                                               std::string_view dst_bucket, std::string_view dst_key);

  // Multipart pieces (PutObject uses them; the control plane drives clients' uploads with them).
  [[nodiscard]] Result<std::string> CreateMultipartUpload(std::string_view bucket, std::string_view key,
                                                          const PutOptions& options = {});
  [[nodiscard]] Result<std::string> UploadPart(std::string_view bucket, std::string_view key,
                                               std::string_view upload_id, int part_number,
                                               const std::filesystem::path& file, std::uint64_t offset,
                                               std::uint64_t length);
  [[nodiscard]] Result<std::string> CompleteMultipartUpload(std::string_view bucket, std::string_view key,
                                                            std::string_view upload_id,
                                                            const std::vector<CompletedPart>& parts);
  [[nodiscard]] Status AbortMultipartUpload(std::string_view bucket, std::string_view key, std::string_view upload_id);
  // Every part the store has of the upload, in number order (following
  // part-number markers). Errors: kNotFound for an unknown (or finished) upload.
  [[nodiscard]] Result<std::vector<UploadedPart>> ListParts(std::string_view bucket, std::string_view key,
                                                            std::string_view upload_id);

  // A presigned URL for this client's endpoint and credentials.
  [[nodiscard]] Result<std::string> PresignedUrl(std::string_view method, std::string_view bucket, std::string_view key,
                                                 std::chrono::seconds expires,
                                                 const http::HttpHeaders& signed_headers = {});

  const S3ClientConfig& config() const { return config_; }

  // For tests: replaces the sleep between retries.
  void SetSleepForTesting(std::function<void(std::chrono::milliseconds)> sleep) { sleep_ = std::move(sleep); }

 private:
  S3Client(S3ClientConfig config, std::unique_ptr<http::HttpTransport> transport);
  Result<http::HttpResponse> Execute(const S3Call& call);
  Result<http::HttpRequest> Sign(const S3Call& call);
  Result<std::string> PutMultipart(std::string_view bucket, std::string_view key, const std::filesystem::path& file,
                                   std::uint64_t size, const PutOptions& options);

  S3ClientConfig config_;
  Endpoint endpoint_;
  std::unique_ptr<http::HttpTransport> transport_;
  std::function<void(std::chrono::milliseconds)> sleep_;
};

// The Status for an S3 error response: 404 / NoSuchKey / NoSuchBucket /
// NoSuchUpload -> kNotFound, 401/403 -> kPermissionDenied, 409 -> kConflict,
// 412 -> kConflict, 413 / EntityTooLarge -> kTooLarge, 429 and 5xx ->
// kUnavailable (retryable), other 4xx -> kInvalidArgument. The message names
// the operation, the HTTP status, S3's code and message.
Status StatusFromS3Error(std::string_view what, long http_status, std::string_view body);

}  // namespace tcoder::storage
