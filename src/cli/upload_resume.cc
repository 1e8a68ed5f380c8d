#include "cli/upload_resume.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include <nlohmann/json.hpp>

#include "common/crypto.h"
#include "common/file_util.h"

namespace tcoder::cli {

Result<UploadResume> UploadResume::For(const std::filesystem::path& dir, const std::string& server,
                                       const std::filesystem::path& file) {
  std::error_code ec;
  const auto absolute = std::filesystem::absolute(file, ec).lexically_normal();
  struct stat st {};
  if (ec || ::stat(absolute.c_str(), &st) != 0) return NotFound("cannot read " + file.string());
  const std::string identity = server + "\n" + absolute.string() + "\n" + std::to_string(st.st_size) + "\n" +
                               std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec);
  return UploadResume(dir / (crypto::Hex(crypto::Sha256(identity)) + ".json"));
}

std::optional<ResumeRecord> UploadResume::Load() const {
  auto text = ReadFile(path_);
  if (!text.ok()) return std::nullopt;
  nlohmann::json doc = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return std::nullopt;
  ResumeRecord r;
  try {
    r.job_id = doc.at("jobId").get<std::string>();
    r.upload_id = doc.at("uploadId").get<std::string>();
    r.size = doc.at("size").get<std::uint64_t>();
    r.part_size = doc.at("partSize").get<std::uint64_t>();
    r.part_count = doc.at("partCount").get<int>();
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
  if (r.job_id.empty() || r.part_size == 0 || r.part_count < 1) return std::nullopt;
  return r;
}

Status UploadResume::Save(const ResumeRecord& r) const {
  std::error_code ec;
  std::filesystem::create_directories(path_.parent_path(), ec);
  if (ec) return Status(Code::kIOError, "creating " + path_.parent_path().string() + ": " + ec.message());
  const nlohmann::json doc = {{"jobId", r.job_id},
                              {"uploadId", r.upload_id},
                              {"size", r.size},
                              {"partSize", r.part_size},
                              {"partCount", r.part_count}};
  return WriteFileAtomic(path_, doc.dump() + "\n", 0600);
}

void UploadResume::Forget() const {
  std::error_code ec;
  std::filesystem::remove(path_, ec);
}

}  // namespace tcoder::cli
