#include "common/temp_dir.h"

#include <stdlib.h>

#include <cerrno>
#include <string>
#include <system_error>
#include <utility>

namespace tcoder {

Result<TempDir> TempDir::Create(std::string_view prefix, const std::filesystem::path& parent) {
  std::filesystem::path base = parent;
  if (base.empty()) {
    const char* env = std::getenv("TMPDIR");
    base = env != nullptr && *env != '\0' ? env : "/tmp";
  }
  std::error_code ec;
  std::filesystem::create_directories(base, ec);
  if (ec) return IOError("cannot create " + base.string() + ": " + ec.message());
  std::string pattern = (base / (std::string(prefix) + "XXXXXX")).string();
  if (::mkdtemp(pattern.data()) == nullptr) return ErrnoStatus("mkdtemp " + pattern, errno);
  return TempDir(std::filesystem::path(pattern));
}

TempDir::TempDir(TempDir&& other) noexcept : path_(std::exchange(other.path_, {})) {}

TempDir& TempDir::operator=(TempDir&& other) noexcept {
  if (this != &other) {
    (void)Remove();
    path_ = std::exchange(other.path_, {});
  }
  return *this;
}

TempDir::~TempDir() { (void)Remove(); }

Status TempDir::Remove() {
  if (path_.empty()) return Status::Ok();
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
  const std::string where = path_.string();
  path_.clear();
  if (ec) return IOError("cannot remove " + where + ": " + ec.message());
  return Status::Ok();
}

std::filesystem::path TempDir::Release() { return std::exchange(path_, {}); }

}  // namespace tcoder
