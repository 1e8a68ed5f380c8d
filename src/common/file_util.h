// Small file helpers with errors as Status: whole-file read, atomic write
// (temp file, fsync, rename, fsync of the directory) and a unique fd owner.
//
// Thread-safety: functions are safe to call concurrently on different paths.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <utility>

#include "common/status.h"

namespace tcoder {

// Owns a file descriptor; closes it when it goes away.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { Reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() { return std::exchange(fd_, -1); }
  void Reset(int fd = -1);

 private:
  int fd_ = -1;
};

Result<std::string> ReadFile(const std::filesystem::path& path);

// Writes `data` so that readers see the old content or the new, never a mix,
// and the new content survives a crash once this returns OK. `mode` applies
// to the new file (0600 for secrets).
Status WriteFileAtomic(const std::filesystem::path& path, std::string_view data, unsigned mode = 0644);

// fsync of a directory, so a rename or create in it is durable.
Status SyncDirectory(const std::filesystem::path& dir);

}  // namespace tcoder
