// S3 endpoints, object URLs and presigned URLs (SigV4 query form).
//
// An endpoint is "http[s]://host[:port][/base]"; objects are addressed
// path-style (/bucket/key) or virtual-host style (bucket.host/key). Keys are
// opaque bytes: every byte except unreserved ones and '/' is percent-encoded,
// so "..", "//", "%", spaces and UTF-8 round-trip. Pure functions; thread-safe.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "storage/sigv4.h"

namespace tcoder::storage {

struct Endpoint {
  std::string scheme;     // "http" or "https"
  std::string host;       // "127.0.0.1:9000" (port kept unless it is the scheme's default)
  std::string base_path;  // "" or "/prefix" (no trailing slash)
};

// Parses an endpoint URL; rejects other schemes, user info, queries and fragments.
[[nodiscard]] Result<Endpoint> ParseEndpoint(std::string_view url);

// S3's bucket naming rules: 3-63 of a-z 0-9 . -, alphanumeric at both ends,
// no ".." ".-" "-.", not shaped like an IP address.
bool ValidBucketName(std::string_view name);
// Checks a bucket name (ValidBucketName) and an object key (1-1024 bytes, no NUL).
[[nodiscard]] Status ValidateBucket(std::string_view bucket);
[[nodiscard]] Status ValidateKey(std::string_view key);

// Where a request for bucket/key goes. key may be empty (bucket-level request:
// "/bucket", no trailing slash), bucket may be empty (service-level: "/").
struct ObjectLocation {
  std::string host;      // value for the Host header
  std::string raw_path;  // encoded path, e.g. "/tcoder-input/a%20b.mp4"
  std::string BaseUrl(const Endpoint& ep) const { return ep.scheme + "://" + host + raw_path; }
};
ObjectLocation Locate(const Endpoint& ep, std::string_view bucket, std::string_view key, bool path_style);

struct PresignOptions {
  std::string endpoint;  // e.g. "http://127.0.0.1:9000"
  std::string bucket;
  std::string key;
  std::string method = "GET";  // GET, PUT, HEAD, DELETE
  std::chrono::seconds expires{3600};
  sigv4::Credentials credentials;
  std::string region = "us-east-1";
  std::chrono::system_clock::time_point now;
  bool path_style = true;
  // Extra headers the URL binds (the uploader must send them as is), e.g. {"Content-Type", "video/mp4"}.
  std::vector<std::pair<std::string, std::string>> signed_headers;
  // Query parameters the URL carries and binds, e.g. {"partNumber", "3"}, {"uploadId", id}.
  std::vector<std::pair<std::string, std::string>> query;
};

// The full presigned URL; InvalidArgument for a bad endpoint, bucket, key,
// method or expiry (1 s .. 7 days).
[[nodiscard]] Result<std::string> PresignUrl(const PresignOptions& options);

}  // namespace tcoder::storage
