// MultipartStore: S3 multipart uploads of the built-in server, on disk under
// uploads/<upload id>/ (upload.json, part-<n>.data, part-<n>.json).
//
// Parts arrive through ObjectWriters (temp files in the ObjectStore's tmp/)
// and are renamed into the upload's folder; Complete assembles them into one
// object committed through the ObjectStore. Uploads left incomplete longer
// than max_age are removed at Open. Errors carry S3 codes (NoSuchUpload,
// InvalidPart, InvalidPartOrder, EntityTooSmall). Thread-safety: thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/status.h"
#include "storage/object_store.h"

namespace tcoder::storage::server {

struct UploadInfo {
  std::string id;
  std::string bucket;
  std::string key;
  std::string content_type;
  UserMeta user_meta;
  std::int64_t initiated_ms = 0;
};

struct PartInfo {
  int number = 0;
  std::uint64_t size = 0;
  std::string etag;  // hex MD5, no quotes
  std::int64_t last_modified_ms = 0;
};

class MultipartStore {
 public:
  static constexpr std::uint64_t kMinPartSize = 5ull << 20;  // every part but the last
  static constexpr int kMaxParts = 10000;

  [[nodiscard]] static Result<std::unique_ptr<MultipartStore>> Open(const std::filesystem::path& root,
                                                                    ObjectStore& objects, std::chrono::seconds max_age);

  // A new upload's id (URL-safe). Errors: NoSuchBucket.
  [[nodiscard]] Result<std::string> Create(const std::string& bucket, const std::string& key,
                                           const std::string& content_type, const UserMeta& user_meta);
  // The upload, if it exists and belongs to bucket/key. Errors: NoSuchUpload.
  [[nodiscard]] Result<UploadInfo> Get(const std::string& id, const std::string& bucket, const std::string& key) const;
  // Stores (or replaces) part `number` from a writer. Errors: NoSuchUpload, InvalidArgument.
  [[nodiscard]] Result<PartInfo> PutPart(const UploadInfo& upload, int number, ObjectWriter writer);
  // Parts in number order.
  [[nodiscard]] Result<std::vector<PartInfo>> ListParts(const UploadInfo& upload) const;
  // Assembles the listed parts (number, ETag as the client sent it) into the
  // object and removes the upload.
  [[nodiscard]] Result<ObjectInfo> Complete(const UploadInfo& upload,
                                            const std::vector<std::pair<int, std::string>>& parts);
  // Errors: NoSuchUpload.
  [[nodiscard]] Status Abort(const UploadInfo& upload);

 private:
  MultipartStore(std::filesystem::path root, ObjectStore& objects) : root_(std::move(root)), objects_(objects) {}
  std::filesystem::path Dir(const std::string& id) const { return root_ / id; }

  std::filesystem::path root_;
  ObjectStore& objects_;
  mutable std::mutex mu_;
};

// True for ids this store could have made (so an id never names another path).
bool ValidUploadId(std::string_view id);

}  // namespace tcoder::storage::server
