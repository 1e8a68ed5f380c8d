// UploadResume: what `tcoder transcode` remembers of a multipart upload in
// progress, so that the same command run again after an interruption (a
// crash, Ctrl-C, a lost network) resumes it instead of starting over.
//
// One small JSON file per upload in <data dir>/uploads/, named by a SHA-256
// of the server URL and the file's identity (absolute path, size and
// modification time): a file changed since is a new upload. Written
// atomically (temporary file, rename). Thread-safety: one thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "common/status.h"

namespace tcoder::cli {

struct ResumeRecord {
  std::string job_id;
  std::string upload_id;
  std::uint64_t size = 0;
  std::uint64_t part_size = 0;
  int part_count = 0;
};

class UploadResume {
 public:
  // Errors: the file cannot be stat'ed.
  [[nodiscard]] static Result<UploadResume> For(const std::filesystem::path& dir, const std::string& server,
                                                const std::filesystem::path& file);

  // The record, if there is one that parses.
  std::optional<ResumeRecord> Load() const;
  [[nodiscard]] Status Save(const ResumeRecord& record) const;
  // Removes the record (a missing one is fine).
  void Forget() const;

  const std::filesystem::path& path() const { return path_; }

 private:
  explicit UploadResume(std::filesystem::path path) : path_(std::move(path)) {}
  std::filesystem::path path_;
};

}  // namespace tcoder::cli
