// S3Call: one logical S3 request as S3Client builds it, before signing (it
// is re-signed on every attempt), and the small helpers that build one.
// Internal to the S3 client. Plain values; thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "http/transport.h"
#include "storage/presign.h"
#include "storage/sigv4.h"

namespace tcoder::storage {

struct S3Call {
  std::string what;  // "PUT bucket/key", for messages
  std::string method;
  std::string bucket;
  std::string key;
  std::string query;  // encoded and in canonical order, e.g. "partNumber=1&uploadId=abc"
  http::HttpHeaders headers;
  std::string body;
  std::filesystem::path body_file;
  std::uint64_t body_offset = 0;
  std::uint64_t body_length = 0;
  int response_fd = -1;
  std::size_t max_body_bytes = 16 << 20;
  bool streaming = false;
};

inline S3Call MakeCall(std::string_view what, std::string_view method, std::string_view bucket, std::string_view key) {
  S3Call call;
  call.what = std::string(what) + " " + std::string(bucket);
  if (!key.empty()) call.what += "/" + std::string(key.substr(0, 200));
  call.method = std::string(method);
  call.bucket = std::string(bucket);
  call.key = std::string(key);
  return call;
}

inline void AddParam(std::string& query, std::string_view name, std::string_view value) {
  if (!query.empty()) query.push_back('&');
  query.append(sigv4::UriEncode(name, true)).append("=").append(sigv4::UriEncode(value, true));
}

inline Status CheckObject(std::string_view bucket, std::string_view key) {
  if (Status s = ValidateBucket(bucket); !s.ok()) return s;
  return ValidateKey(key);
}

}  // namespace tcoder::storage
