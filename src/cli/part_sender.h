// PartSender: sends the parts of a multipart upload (docs/api.md) from a file
// to their presigned URLs, several at once, each part retried on its own.
//
// Part n is the bytes [(n-1)·part_size, min(n·part_size, size)). Workers take
// the next part to send; a part that fails for a transient reason (no answer,
// 5xx, 429) is sent again after a jittered, doubling backoff, up to
// `attempts` times; a 403 (an expired URL) gets a fresh URL once. URLs the
// sender lacks (parts past the first 1000) or has to renew come from
// `fresh_urls`, up to 1000 at a time. The first part that cannot be sent
// stops the others after their current part. Progress counts every part's
// bytes in flight and takes a failed attempt's back out.
//
// Thread-safety: Send runs its own threads and calls fresh_urls, put and
// on_progress from them, one at a time for fresh_urls and on_progress.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "cli/presigned_upload.h"
#include "common/status.h"

namespace tcoder::cli {

struct PartLayout {
  std::uint64_t size = 0;
  std::uint64_t part_size = 0;
  int part_count = 0;
  std::uint64_t Offset(int n) const { return static_cast<std::uint64_t>(n - 1) * part_size; }
  std::uint64_t Length(int n) const;
};

// Presigned URLs for the given part numbers (at most 1000).
using FreshUrls = std::function<Result<std::map<int, std::string>>(const std::vector<int>& numbers)>;
// One PUT of a part's bytes (PutFileRange without a Content-Type, by default).
using PutRange = std::function<Result<PutAnswer>(const std::string& url, std::uint64_t offset, std::uint64_t length,
                                                 const UploadProgress& on_progress)>;

struct PartSenderOptions {
  int parallel = 4;
  int attempts = 5;  // per part, first try included
  std::chrono::milliseconds backoff{500};
  std::chrono::milliseconds backoff_max{15000};
  PutRange put;  // null: PutFileRange of the file
};

struct SentParts {
  int parts = 0;
  std::uint64_t bytes = 0;  // bytes of the parts that were stored
};

class PartSender {
 public:
  PartSender(std::filesystem::path file, PartLayout layout, std::map<int, std::string> urls, FreshUrls fresh_urls,
             PartSenderOptions options = {});

  // Sends `parts` (numbers in 1..part_count). `already` bytes count as done
  // in the progress (parts the store had). Errors: the first part that could
  // not be sent, with the store's answer.
  [[nodiscard]] Result<SentParts> Send(const std::vector<int>& parts, std::uint64_t already,
                                       const UploadProgress& on_progress);

 private:
  class Run;

  std::filesystem::path file_;
  PartLayout layout_;
  std::map<int, std::string> urls_;
  FreshUrls fresh_urls_;
  PartSenderOptions options_;
};

}  // namespace tcoder::cli
