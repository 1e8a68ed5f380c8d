#include "storage/multipart.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "common/ascii.h"
#include "common/crypto.h"
#include "common/duration.h"
#include "common/file_util.h"
#include "common/json_text.h"
#include "common/log.h"
#include "storage/s3_errors.h"

namespace tcoder::storage::server {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

Status NoSuchUpload() {
  return S3Status("NoSuchUpload", "The specified upload does not exist. It may have been aborted or completed.");
}

Status Disk(const Status& s) {
  log::Error("storage multipart disk error", {{"error", s.message()}});
  return S3Status("InternalError", "disk error");
}

std::string PartName(int number, std::string_view ext) { return "part-" + std::to_string(number) + std::string(ext); }

Result<UploadInfo> LoadUpload(const fs::path& dir) {
  auto text = ReadFile(dir / "upload.json");
  if (!text.ok()) return NoSuchUpload();
  const json j = json::parse(*text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return NoSuchUpload();
  UploadInfo u;
  u.id = dir.filename().string();
  u.bucket = j.value("bucket", "");
  u.key = j.value("key", "");
  u.content_type = j.value("contentType", "");
  u.initiated_ms = j.value("initiated", std::int64_t{0});
  const json meta = j.value("meta", json::object());
  for (const auto& [k, v] : meta.items()) {
    if (v.is_string()) u.user_meta.emplace_back(k, v.get<std::string>());
  }
  return u;
}

}  // namespace

bool ValidUploadId(std::string_view id) { return IsIdentifier(id, 16, 64, "-_"); }

Result<std::unique_ptr<MultipartStore>> MultipartStore::Open(const fs::path& root, ObjectStore& objects,
                                                             std::chrono::seconds max_age) {
  std::error_code ec;
  fs::create_directories(root, ec);
  if (ec) return IOError("create " + root.string() + ": " + ec.message());
  const std::int64_t cutoff = UnixMillis() - std::chrono::duration_cast<std::chrono::milliseconds>(max_age).count();
  for (const auto& entry : fs::directory_iterator(root, ec)) {
    auto upload = LoadUpload(entry.path());
    if (!upload.ok() || upload->initiated_ms < cutoff || !objects.BucketExists(upload->bucket)) {
      fs::remove_all(entry.path(), ec);  // half-created, abandoned, or its bucket is gone
    }
  }
  return std::unique_ptr<MultipartStore>(new MultipartStore(root, objects));
}

Result<std::string> MultipartStore::Create(const std::string& bucket, const std::string& key,
                                           const std::string& content_type, const UserMeta& user_meta) {
  if (!objects_.BucketExists(bucket)) return S3Status("NoSuchBucket", "The specified bucket does not exist.");
  const std::string id = crypto::RandomToken(24);
  json meta = json::object();
  for (const auto& [k, v] : user_meta) meta[k] = v;
  const json j{
      {"bucket", bucket}, {"key", key}, {"contentType", content_type}, {"initiated", UnixMillis()}, {"meta", meta}};
  std::error_code ec;
  fs::create_directories(Dir(id), ec);
  if (ec) return Disk(IOError("mkdir: " + ec.message()));
  Status s = WriteFileAtomic(Dir(id) / "upload.json", JsonText(j));
  if (s.ok()) s = SyncDirectory(root_);
  if (!s.ok()) {
    fs::remove_all(Dir(id), ec);
    return Disk(s);
  }
  return id;
}

Result<UploadInfo> MultipartStore::Get(const std::string& id, const std::string& bucket, const std::string& key) const {
  if (!ValidUploadId(id)) return NoSuchUpload();
  std::lock_guard lock(mu_);
  auto u = LoadUpload(Dir(id));
  if (!u.ok() || u->bucket != bucket || u->key != key) return NoSuchUpload();
  return u;
}

Result<PartInfo> MultipartStore::PutPart(const UploadInfo& upload, int number, ObjectWriter writer) {
  if (number < 1 || number > kMaxParts) {
    return S3Status("InvalidArgument", "Part number must be an integer between 1 and 10000, inclusive.");
  }
  PartInfo part{number, writer.size(), writer.Md5Hex(), UnixMillis()};
  auto sealed = writer.Seal();
  if (!sealed.ok()) return sealed.status();
  std::lock_guard lock(mu_);
  const fs::path dir = Dir(upload.id);
  if (!fs::exists(dir / "upload.json")) return NoSuchUpload();
  if (::rename(sealed->c_str(), (dir / PartName(number, ".data")).c_str()) != 0) {
    return Disk(ErrnoStatus("rename part", errno));
  }
  writer.Disown();
  const json j{{"size", part.size}, {"etag", part.etag}, {"lastModified", part.last_modified_ms}};
  Status s = WriteFileAtomic(dir / PartName(number, ".json"), JsonText(j));
  if (!s.ok()) return Disk(s);
  return part;
}

Result<std::vector<PartInfo>> MultipartStore::ListParts(const UploadInfo& upload) const {
  std::lock_guard lock(mu_);
  std::vector<PartInfo> parts;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(Dir(upload.id), ec)) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with("part-") || entry.path().extension() != ".json") continue;
    auto text = ReadFile(entry.path());
    const json j = text.ok() ? json::parse(*text, nullptr, false) : json();
    if (!j.is_object()) continue;
    PartInfo p;
    p.number = std::atoi(name.c_str() + 5);
    p.size = j.value("size", std::uint64_t{0});
    p.etag = j.value("etag", "");
    p.last_modified_ms = j.value("lastModified", std::int64_t{0});
    parts.push_back(std::move(p));
  }
  if (ec) return NoSuchUpload();
  std::sort(parts.begin(), parts.end(), [](const PartInfo& a, const PartInfo& b) { return a.number < b.number; });
  return parts;
}

Result<ObjectInfo> MultipartStore::Complete(const UploadInfo& upload,
                                            const std::vector<std::pair<int, std::string>>& wanted) {
  auto have = ListParts(upload);
  if (!have.ok()) return have.status();
  if (wanted.empty()) return S3Status("MalformedXML", "You must specify at least one part.");
  auto writer = objects_.NewWriter("complete");
  if (!writer.ok()) return writer.status();
  std::string md5s;
  int previous = 0;
  for (std::size_t i = 0; i < wanted.size(); ++i) {
    const auto& [number, etag] = wanted[i];
    if (number <= previous) return S3Status("InvalidPartOrder", "The list of parts was not in ascending order.");
    previous = number;
    std::string clean = etag;
    std::erase(clean, '"');
    auto it = std::find_if(have->begin(), have->end(), [&](const PartInfo& p) { return p.number == number; });
    if (it == have->end() || it->etag != clean) {
      return S3Status("InvalidPart", "Part " + std::to_string(number) + " was not uploaded or its ETag differs.");
    }
    if (i + 1 < wanted.size() && it->size < kMinPartSize) {
      return S3Status("EntityTooSmall", "Your proposed upload is smaller than the minimum allowed object size.");
    }
    UniqueFd fd(::open((Dir(upload.id) / PartName(number, ".data")).c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) return Disk(ErrnoStatus("open part", errno));
    Status s = writer->AppendFile(fd.get(), it->size);
    if (!s.ok()) return s;
    // The ETag matched ours, so it is 32 hex digits.
    for (std::size_t k = 0; k + 1 < clean.size(); k += 2) {
      md5s += static_cast<char>(std::stoi(clean.substr(k, 2), nullptr, 16));
    }
  }
  PutOptions options{upload.content_type, upload.user_meta,
                     crypto::Hex(crypto::Md5(md5s)) + "-" + std::to_string(wanted.size())};
  auto info = objects_.Commit(std::move(*writer), upload.bucket, upload.key, std::move(options));
  if (!info.ok()) return info;
  std::error_code ec;
  std::lock_guard lock(mu_);
  fs::remove_all(Dir(upload.id), ec);
  return info;
}

Status MultipartStore::Abort(const UploadInfo& upload) {
  std::lock_guard lock(mu_);
  std::error_code ec;
  if (!fs::exists(Dir(upload.id) / "upload.json")) return NoSuchUpload();
  fs::remove_all(Dir(upload.id), ec);
  if (ec) return Disk(IOError("remove upload: " + ec.message()));
  return Status::Ok();
}

}  // namespace tcoder::storage::server
