// Uploading a file to a presigned PUT URL (through the HTTP client), streamed
// from disk, with a progress callback.
//
// Thread-safety: one call per thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "common/status.h"

namespace tcoder::cli {

using UploadProgress = std::function<void(std::uint64_t sent, std::uint64_t total)>;

// PUTs `path` to `url`. Errors: the file can't be read, the storage can't be
// reached (kUnavailable), or it refused (kPermissionDenied / kInvalidArgument
// with its S3 error code and message).
Status PutFile(const std::string& url, const std::filesystem::path& path, const std::string& content_type,
               const UploadProgress& on_progress);

}  // namespace tcoder::cli
