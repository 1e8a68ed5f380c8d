// Uploading a file, or a byte range of it, to a presigned PUT URL (through
// the HTTP client), streamed from disk, with a progress callback.
//
// Thread-safety: one call per thread; calls on several threads at once are fine.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "common/status.h"

namespace tcoder::cli {

using UploadProgress = std::function<void(std::uint64_t sent, std::uint64_t total)>;

// What the store answered a PUT.
struct PutAnswer {
  long status = 0;
  std::string code;     // S3's error code, e.g. "AccessDenied"; empty on success
  std::string message;  // "storage refused the upload: HTTP 403 AccessDenied: ..."
  bool ok() const { return status >= 200 && status < 300; }
  // 5xx and 429: worth sending again.
  bool transient() const { return status >= 500 || status == 429; }
};

// PUTs bytes [offset, offset + length) of `path` to `url` (no Content-Type
// when content_type is empty); on_progress sees this range's bytes. Errors:
// the file can't be read, or the storage can't be reached (kUnavailable);
// any HTTP answer is a PutAnswer.
Result<PutAnswer> PutFileRange(const std::string& url, const std::filesystem::path& path, std::uint64_t offset,
                               std::uint64_t length, const std::string& content_type,
                               const UploadProgress& on_progress);

// PUTs the whole of `path` to `url`. Errors: the file can't be read, the
// storage can't be reached (kUnavailable), or it refused (kPermissionDenied
// / kInvalidArgument with its S3 error code and message).
Status PutFile(const std::string& url, const std::filesystem::path& path, const std::string& content_type,
               const UploadProgress& on_progress);

}  // namespace tcoder::cli
