// TempDir: a private temporary directory removed with everything in it when
// its owner goes away.
//
// Created mode 0700 with mkdtemp under a parent (default: $TMPDIR or /tmp).
// Movable, not copyable. Thread-safety: one owner.
#pragma once

#include <filesystem>
#include <string_view>

#include "common/status.h"

namespace tcoder {

class TempDir {
 public:
  // `prefix` becomes the start of the directory's name.
  static Result<TempDir> Create(std::string_view prefix, const std::filesystem::path& parent = {});

  TempDir(TempDir&& other) noexcept;
  TempDir& operator=(TempDir&& other) noexcept;
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();

  const std::filesystem::path& path() const { return path_; }
  // Removes the directory now; later calls and the destructor do nothing.
  Status Remove();
  // Keeps the directory: the destructor will not remove it.
  std::filesystem::path Release();

 private:
  explicit TempDir(std::filesystem::path p) : path_(std::move(p)) {}
  std::filesystem::path path_;
};

}  // namespace tcoder
