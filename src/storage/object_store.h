// ObjectStore: the built-in S3 server's buckets and objects on local disk.
//
// Bodies stream into temp files (ObjectWriter) and become visible whole or
// not at all on Commit (fsync, rename, metadata sidecar renamed last, directory
// fsync). Keys never become paths: an object lives under the SHA-256 of its
// key, with a JSON sidecar holding the real key (docs/storage.md has the
// layout). An in-memory index, rebuilt at Open, serves listings. Errors carry
// S3 codes (s3_errors.h). Thread-safety: all methods are thread-safe; an
// ObjectWriter is used by one thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/background_hasher.h"
#include "common/crypto.h"
#include "common/file_util.h"
#include "common/status.h"

namespace tcoder::storage::server {

using UserMeta = std::vector<std::pair<std::string, std::string>>;  // lower-case name (no x-amz-meta-), value

struct ObjectInfo {
  std::string key;
  std::uint64_t size = 0;
  std::string etag;  // hex MD5, or "<hex>-<parts>" for multipart; no quotes
  std::string content_type;
  std::int64_t last_modified_ms = 0;
  UserMeta user_meta;
  std::string data_file;  // the body's file name in the object's shard directory
};

struct BucketInfo {
  std::string name;
  std::int64_t created_ms = 0;
};

// A body on its way into the store: a temp file and its running MD5.
class ObjectWriter {
 public:
  ObjectWriter(ObjectWriter&&) noexcept = default;
  ObjectWriter& operator=(ObjectWriter&&) noexcept = default;
  ~ObjectWriter();  // removes the temp file unless it was committed

  [[nodiscard]] Status Write(std::string_view data);
  // Appends `length` bytes of `fd` from its start without hashing (multipart
  // assembly; the caller supplies the ETag).
  [[nodiscard]] Status AppendFile(int fd, std::uint64_t length);
  std::uint64_t size() const { return size_; }
  // The MD5 of everything written, hex. Call once, after the last Write.
  std::string Md5Hex();
  // fsyncs and closes the file; returns its path (still the writer's to remove).
  [[nodiscard]] Result<std::filesystem::path> Seal();
  // The file is someone else's now: the destructor leaves it alone.
  void Disown() { path_.clear(); }

 private:
  friend class ObjectStore;
  ObjectWriter(std::filesystem::path path, UniqueFd fd) : path_(std::move(path)), fd_(std::move(fd)) {}
  std::filesystem::path path_;
  UniqueFd fd_;
  crypto::Hasher md5_{crypto::Hasher::Kind::kMd5};
  // Past the first few MiB the MD5 moves to its own thread (see BackgroundHasher).
  std::unique_ptr<crypto::BackgroundHasher> background_md5_;
  std::uint64_t size_ = 0;
  std::uint64_t writeback_from_ = 0;  // bytes before this were handed to sync_file_range
  void StartWriteback();
};

struct ObjectReader {
  ObjectInfo info;
  UniqueFd fd;  // open on the body; stays valid if the object is replaced meanwhile
};

struct ListOptions {
  std::string prefix;
  std::string delimiter;
  std::string after;  // exclusive start: a key, or a common prefix already returned
  int max_keys = 1000;
};

struct ListResult {
  std::vector<ObjectInfo> objects;
  std::vector<std::string> prefixes;
  bool truncated = false;
  std::string last;  // the last key or prefix returned (the next page's `after`)
};

struct PutOptions {
  std::string content_type;
  UserMeta user_meta;
  std::optional<std::string> etag;  // set for multipart objects; else the writer's MD5
};

class ObjectStore {
 public:
  // Opens (creating) the store under `root`: empties tmp/, drops bodies no
  // sidecar names (a crash between the two renames), loads the index.
  [[nodiscard]] static Result<std::unique_ptr<ObjectStore>> Open(const std::filesystem::path& root);

  const std::filesystem::path& root() const { return root_; }
  const std::filesystem::path& tmp_dir() const { return tmp_; }

  // Errors: BucketAlreadyOwnedByYou, InvalidBucketName.
  [[nodiscard]] Status CreateBucket(const std::string& name);
  // Errors: NoSuchBucket, BucketNotEmpty.
  [[nodiscard]] Status DeleteBucket(const std::string& name);
  bool BucketExists(const std::string& name) const;
  std::vector<BucketInfo> ListBuckets() const;

  // A new temp file in tmp/.
  [[nodiscard]] Result<ObjectWriter> NewWriter(std::string_view purpose);
  // Makes the writer's bytes the object `key` (replacing any); durable on OK.
  // Errors: NoSuchBucket, InternalError (disk).
  [[nodiscard]] Result<ObjectInfo> Commit(ObjectWriter writer, const std::string& bucket, const std::string& key,
                                          PutOptions options);
  // Errors: NoSuchBucket, NoSuchKey.
  [[nodiscard]] Result<ObjectInfo> Head(const std::string& bucket, const std::string& key) const;
  [[nodiscard]] Result<ObjectReader> Read(const std::string& bucket, const std::string& key) const;
  // Deleting a missing key is OK (S3 semantics). Errors: NoSuchBucket.
  [[nodiscard]] Status Delete(const std::string& bucket, const std::string& key);
  // Keys in byte order. Errors: NoSuchBucket.
  [[nodiscard]] Result<ListResult> List(const std::string& bucket, const ListOptions& options) const;

 private:
  using Index = std::map<std::string, ObjectInfo>;
  explicit ObjectStore(std::filesystem::path root);
  Status LoadBucket(const std::string& name);
  std::filesystem::path BucketDir(const std::string& bucket) const { return root_ / "buckets" / bucket; }
  std::filesystem::path ShardDir(const std::string& bucket, const std::string& key_hash) const;

  std::filesystem::path root_;
  std::filesystem::path tmp_;
  mutable std::mutex mu_;
  std::map<std::string, BucketInfo> buckets_;
  std::map<std::string, Index> objects_;  // bucket -> key -> info
};

// The hex SHA-256 of a key: the object's file name stem.
std::string KeyHash(std::string_view key);
// True when `text` is well-formed UTF-8 (keys must be).
bool IsUtf8(std::string_view text);

}  // namespace tcoder::storage::server
