#include "storage/object_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <set>

#include <nlohmann/json.hpp>

#include "common/duration.h"
#include "common/json_text.h"
#include "common/log.h"
#include "storage/presign.h"
#include "storage/s3_errors.h"

namespace tcoder::storage::server {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr std::uint64_t kInlineHashBytes = 4 << 20;  // smaller objects are hashed on the caller's thread
constexpr std::uint64_t kWritebackStep = 8 << 20;    // start disk writes every this many bytes

Status DiskError(std::string_view what, int err) {
  const Status s = ErrnoStatus(what, err);
  log::Error("storage disk error", {{"error", s.message()}});
  return S3Status("InternalError", "disk error");
}

json MetaToJson(const ObjectInfo& info) {
  json meta = json::object();
  for (const auto& [k, v] : info.user_meta) meta[k] = v;
  return json{{"key", info.key},
              {"size", info.size},
              {"etag", info.etag},
              {"contentType", info.content_type},
              {"lastModified", info.last_modified_ms},
              {"meta", meta},
              {"data", info.data_file}};
}

Result<ObjectInfo> MetaFromJson(const std::string& text) {
  try {
    const json j = json::parse(text);
    ObjectInfo info;
    info.key = j.at("key").get<std::string>();
    info.size = j.at("size").get<std::uint64_t>();
    info.etag = j.at("etag").get<std::string>();
    info.content_type = j.value("contentType", "");
    info.last_modified_ms = j.value("lastModified", std::int64_t{0});
    const json meta = j.value("meta", json::object());
    for (const auto& [k, v] : meta.items()) info.user_meta.emplace_back(k, v.get<std::string>());
    info.data_file = j.at("data").get<std::string>();
    return info;
  } catch (const json::exception& e) {
    return InvalidArgument(std::string("bad object metadata: ") + e.what());
  }
}

// Writes `data` to a temp file in `tmp`, fsyncs it and renames it to `target`.
Status WriteDurable(const fs::path& tmp, const fs::path& target, std::string_view data) {
  const fs::path t = tmp / ("meta-" + crypto::Hex(crypto::RandomBytes(8)));
  UniqueFd fd(::open(t.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (!fd.valid()) return DiskError("create " + t.string(), errno);
  while (!data.empty()) {
    const ssize_t n = ::write(fd.get(), data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::unlink(t.c_str());
      return DiskError("write " + t.string(), errno);
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  if (::fsync(fd.get()) != 0 || ::rename(t.c_str(), target.c_str()) != 0) {
    const int err = errno;
    ::unlink(t.c_str());
    return DiskError("commit " + target.string(), err);
  }
  return Status::Ok();
}

Status SyncDir(const fs::path& dir) {
  Status s = SyncDirectory(dir);
  if (!s.ok()) log::Error("storage fsync of directory failed", {{"error", s.message()}});
  return s.ok() ? s : S3Status("InternalError", "disk error");
}

void RemoveAllQuietly(const fs::path& p) {
  std::error_code ec;
  fs::remove_all(p, ec);
}

}  // namespace

std::string KeyHash(std::string_view key) { return crypto::Hex(crypto::Sha256(key)); }

bool IsUtf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if (c < 0x80)
      n = 1, cp = c;
    else if ((c >> 5) == 0x6)
      n = 2, cp = c & 0x1F;
    else if ((c >> 4) == 0xE)
      n = 3, cp = c & 0x0F;
    else if ((c >> 3) == 0x1E)
      n = 4, cp = c & 0x07;
    else
      return false;
    if (i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc >> 6) != 0x2) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    const std::uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n;
  }
  return true;
}

// ---------------------------------------------------------------------------
// ObjectWriter

ObjectWriter::~ObjectWriter() {
  fd_.Reset();
  if (!path_.empty()) ::unlink(path_.c_str());
}

Status ObjectWriter::Write(std::string_view data) {
  if (!background_md5_ && size_ >= kInlineHashBytes) {
    background_md5_ = std::make_unique<crypto::BackgroundHasher>(std::move(md5_));
  }
  if (background_md5_) {
    background_md5_->Update(data);  // hashed while this chunk goes to disk and the next one arrives
  } else {
    md5_.Update(data);
  }
  size_ += data.size();
  while (!data.empty()) {
    const ssize_t n = ::write(fd_.get(), data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return DiskError("write " + path_.string(), errno);
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  StartWriteback();
  return Status::Ok();
}

// Starts the disk writes of what a large upload has written so far, without
// waiting for them, so that the fsync in Seal() finds little left to do.
void ObjectWriter::StartWriteback() {
  if (size_ - writeback_from_ < kWritebackStep) return;
  (void)::sync_file_range(fd_.get(), static_cast<off64_t>(writeback_from_),
                          static_cast<off64_t>(size_ - writeback_from_), SYNC_FILE_RANGE_WRITE);
  writeback_from_ = size_;
}

Status ObjectWriter::AppendFile(int fd, std::uint64_t length) {
  loff_t in_off = 0;
  while (length > 0) {
    const ssize_t n = ::copy_file_range(fd, &in_off, fd_.get(), nullptr, static_cast<std::size_t>(length), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return DiskError("copy into " + path_.string(), errno);
    if (n == 0) return S3Status("InternalError", "part file shorter than recorded");
    length -= static_cast<std::uint64_t>(n);
    size_ += static_cast<std::uint64_t>(n);
  }
  return Status::Ok();
}

std::string ObjectWriter::Md5Hex() { return crypto::Hex(background_md5_ ? background_md5_->Final() : md5_.Final()); }

Result<fs::path> ObjectWriter::Seal() {
  if (fd_.valid()) {
    if (::fsync(fd_.get()) != 0) return DiskError("fsync " + path_.string(), errno);
    fd_.Reset();
  }
  return path_;
}

// ---------------------------------------------------------------------------
// ObjectStore

ObjectStore::ObjectStore(fs::path root) : root_(std::move(root)), tmp_(root_ / "tmp") {}

fs::path ObjectStore::ShardDir(const std::string& bucket, const std::string& key_hash) const {
  return BucketDir(bucket) / "objects" / key_hash.substr(0, 2);
}

Result<std::unique_ptr<ObjectStore>> ObjectStore::Open(const fs::path& root) {
  std::unique_ptr<ObjectStore> store(new ObjectStore(root));
  std::error_code ec;
  RemoveAllQuietly(store->tmp_);  // leftovers of uploads a crash or kill cut short
  fs::create_directories(store->tmp_, ec);
  if (!ec) fs::create_directories(root / "buckets", ec);
  if (ec) return IOError("create " + root.string() + ": " + ec.message());
  for (const auto& entry : fs::directory_iterator(root / "buckets", ec)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_directory() || !ValidBucketName(name)) continue;
    Status s = store->LoadBucket(name);
    if (!s.ok()) return s;
  }
  if (ec) return IOError("list " + (root / "buckets").string() + ": " + ec.message());
  return store;
}

Status ObjectStore::LoadBucket(const std::string& name) {
  BucketInfo bucket{name, 0};
  if (auto text = ReadFile(BucketDir(name) / "bucket.json"); text.ok()) {
    const json j = json::parse(*text, nullptr, false);
    if (j.is_object()) bucket.created_ms = j.value("created", std::int64_t{0});
  }
  Index index;
  std::error_code ec;
  for (const auto& shard : fs::directory_iterator(BucketDir(name) / "objects", ec)) {
    std::set<std::string> referenced;
    std::vector<fs::path> bodies;
    for (const auto& f : fs::directory_iterator(shard.path(), ec)) {
      const fs::path& p = f.path();
      if (p.extension() == ".data") {
        bodies.push_back(p);
      } else if (p.extension() == ".json") {
        auto text = ReadFile(p);
        auto info = text.ok() ? MetaFromJson(*text) : Result<ObjectInfo>(text.status());
        if (!info.ok()) {
          log::Warn("storage: skipping unreadable object metadata", {{"file", p.string()}});
          continue;
        }
        referenced.insert(info->data_file);
        index[info->key] = std::move(*info);
      } else {
        ::unlink(p.c_str());  // a stray temp file
      }
    }
    for (const fs::path& b : bodies) {
      if (!referenced.contains(b.filename().string())) ::unlink(b.c_str());
    }
  }
  std::lock_guard lock(mu_);
  buckets_[name] = bucket;
  objects_[name] = std::move(index);
  return Status::Ok();
}

Status ObjectStore::CreateBucket(const std::string& name) {
  if (!ValidBucketName(name)) return S3Status("InvalidBucketName", "The specified bucket is not valid.");
  std::lock_guard lock(mu_);
  if (buckets_.contains(name)) return S3Status("BucketAlreadyOwnedByYou", "The bucket already exists and is yours.");
  // Built in tmp/ and renamed into place: a bucket exists whole or not at all.
  const fs::path staging = tmp_ / ("bucket-" + crypto::Hex(crypto::RandomBytes(8)));
  std::error_code ec;
  fs::create_directories(staging / "objects", ec);
  if (ec) return DiskError("mkdir " + staging.string(), ec.value());
  const BucketInfo info{name, UnixMillis()};
  Status s = WriteDurable(tmp_, staging / "bucket.json", JsonText(json{{"created", info.created_ms}}));
  if (s.ok() && ::rename(staging.c_str(), BucketDir(name).c_str()) != 0) s = DiskError("rename bucket", errno);
  if (!s.ok()) {
    RemoveAllQuietly(staging);
    return s;
  }
  s = SyncDir(root_ / "buckets");
  if (!s.ok()) return s;
  buckets_[name] = info;
  objects_[name] = {};
  return Status::Ok();
}

Status ObjectStore::DeleteBucket(const std::string& name) {
  std::lock_guard lock(mu_);
  if (!buckets_.contains(name)) return S3Status("NoSuchBucket", "The specified bucket does not exist.");
  if (!objects_[name].empty()) return S3Status("BucketNotEmpty", "The bucket you tried to delete is not empty.");
  const fs::path doomed = tmp_ / ("deleted-" + crypto::Hex(crypto::RandomBytes(8)));
  if (::rename(BucketDir(name).c_str(), doomed.c_str()) != 0) return DiskError("rename bucket", errno);
  buckets_.erase(name);
  objects_.erase(name);
  RemoveAllQuietly(doomed);
  return SyncDir(root_ / "buckets");
}

bool ObjectStore::BucketExists(const std::string& name) const {
  std::lock_guard lock(mu_);
  return buckets_.contains(name);
}

std::vector<BucketInfo> ObjectStore::ListBuckets() const {
  std::lock_guard lock(mu_);
  std::vector<BucketInfo> out;
  for (const auto& [name, info] : buckets_) out.push_back(info);
  return out;
}

Result<ObjectWriter> ObjectStore::NewWriter(std::string_view purpose) {
  const fs::path p = tmp_ / (std::string(purpose) + "-" + crypto::Hex(crypto::RandomBytes(12)));
  UniqueFd fd(::open(p.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (!fd.valid()) return DiskError("create " + p.string(), errno);
  return ObjectWriter(p, std::move(fd));
}

Result<ObjectInfo> ObjectStore::Commit(ObjectWriter writer, const std::string& bucket, const std::string& key,
                                       PutOptions options) {
  if (!BucketExists(bucket)) return S3Status("NoSuchBucket", "The specified bucket does not exist.");
  ObjectInfo info;
  info.key = key;
  info.size = writer.size();
  info.etag = options.etag ? *options.etag : writer.Md5Hex();
  info.content_type = options.content_type.empty() ? "binary/octet-stream" : options.content_type;
  info.last_modified_ms = UnixMillis();
  info.user_meta = std::move(options.user_meta);
  const std::string hash = KeyHash(key);
  info.data_file = hash + "." + crypto::Hex(crypto::RandomBytes(8)) + ".data";
  const fs::path shard = ShardDir(bucket, hash);

  auto sealed = writer.Seal();
  if (!sealed.ok()) return sealed.status();
  std::error_code ec;
  fs::create_directories(shard, ec);
  if (ec) return DiskError("mkdir " + shard.string(), ec.value());
  // 1. The body goes into place under a fresh name nothing refers to yet.
  if (::rename(sealed->c_str(), (shard / info.data_file).c_str()) != 0) return DiskError("rename body", errno);
  writer.Disown();
  Status s = SyncDir(shard);
  // 2. The sidecar naming it is renamed over the old one: the commit point.
  std::string old_data;
  if (s.ok()) {
    std::lock_guard lock(mu_);
    auto it = objects_.find(bucket);
    if (it == objects_.end()) {
      s = S3Status("NoSuchBucket", "The specified bucket does not exist.");
    } else {
      s = WriteDurable(tmp_, shard / (hash + ".json"), JsonText(MetaToJson(info)));
      if (s.ok()) {
        auto& slot = it->second[key];
        old_data = slot.data_file;
        slot = info;
      }
    }
  }
  if (!s.ok()) {
    ::unlink((shard / info.data_file).c_str());
    return s;
  }
  // 3. The old body is unreferenced now.
  if (!old_data.empty() && old_data != info.data_file) ::unlink((shard / old_data).c_str());
  s = SyncDir(shard);
  if (!s.ok()) return s;
  return info;
}

Result<ObjectInfo> ObjectStore::Head(const std::string& bucket, const std::string& key) const {
  std::lock_guard lock(mu_);
  auto b = objects_.find(bucket);
  if (b == objects_.end()) return S3Status("NoSuchBucket", "The specified bucket does not exist.");
  auto it = b->second.find(key);
  if (it == b->second.end()) return S3Status("NoSuchKey", "The specified key does not exist.");
  return it->second;
}

Result<ObjectReader> ObjectStore::Read(const std::string& bucket, const std::string& key) const {
  std::lock_guard lock(mu_);  // bodies are unlinked under this lock: the open below cannot race one
  auto b = objects_.find(bucket);
  if (b == objects_.end()) return S3Status("NoSuchBucket", "The specified bucket does not exist.");
  auto it = b->second.find(key);
  if (it == b->second.end()) return S3Status("NoSuchKey", "The specified key does not exist.");
  const fs::path p = ShardDir(bucket, KeyHash(key)) / it->second.data_file;
  UniqueFd fd(::open(p.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return DiskError("open " + p.string(), errno);
  return ObjectReader{it->second, std::move(fd)};
}

Status ObjectStore::Delete(const std::string& bucket, const std::string& key) {
  const std::string hash = KeyHash(key);
  const fs::path shard = ShardDir(bucket, hash);
  {
    std::lock_guard lock(mu_);
    auto b = objects_.find(bucket);
    if (b == objects_.end()) return S3Status("NoSuchBucket", "The specified bucket does not exist.");
    auto it = b->second.find(key);
    if (it == b->second.end()) return Status::Ok();
    // The sidecar goes first: without it the body is an orphan Open() removes.
    if (::unlink((shard / (hash + ".json")).c_str()) != 0 && errno != ENOENT) return DiskError("unlink", errno);
    ::unlink((shard / it->second.data_file).c_str());
    b->second.erase(it);
  }
  return SyncDir(shard);
}

Result<ListResult> ObjectStore::List(const std::string& bucket, const ListOptions& options) const {
  std::lock_guard lock(mu_);
  auto b = objects_.find(bucket);
  if (b == objects_.end()) return S3Status("NoSuchBucket", "The specified bucket does not exist.");
  const Index& index = b->second;
  ListResult out;
  auto it = options.after >= options.prefix ? index.upper_bound(options.after) : index.lower_bound(options.prefix);
  if (options.after.empty()) it = index.lower_bound(options.prefix);
  int count = 0;
  for (; it != index.end(); ++it) {
    const std::string& key = it->first;
    if (!key.starts_with(options.prefix)) {
      if (key > options.prefix) break;
      continue;
    }
    std::string common;
    if (!options.delimiter.empty()) {
      const auto d = key.find(options.delimiter, options.prefix.size());
      if (d != std::string::npos) common = key.substr(0, d + options.delimiter.size());
    }
    // A prefix already returned (as `after` or just now) covers this key.
    if (!common.empty() && (common == options.after || (!out.prefixes.empty() && out.prefixes.back() == common))) {
      continue;
    }
    if (count == options.max_keys) {
      out.truncated = true;
      break;
    }
    ++count;
    if (!common.empty()) {
      out.prefixes.push_back(common);
      out.last = common;
    } else {
      out.objects.push_back(it->second);
      out.last = key;
    }
  }
  return out;
}

}  // namespace tcoder::storage::server
