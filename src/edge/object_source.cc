#include "edge/object_source.h"

#include <condition_variable>
#include <mutex>
#include <vector>

#include "http/http_date.h"

namespace tcoder::edge {
namespace {

// S3Clients serialize their calls, so each concurrent call takes its own.
class ClientPool {
 public:
  explicit ClientPool(std::vector<std::unique_ptr<storage::S3Client>> clients) : idle_(std::move(clients)) {}

  // A client for the caller's scope; waits when all are busy.
  class Lease {
   public:
    Lease(ClientPool& pool, std::unique_ptr<storage::S3Client> c) : pool_(pool), client_(std::move(c)) {}
    ~Lease() { pool_.Return(std::move(client_)); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    storage::S3Client* operator->() const { return client_.get(); }

   private:
    ClientPool& pool_;
    std::unique_ptr<storage::S3Client> client_;
  };

  Lease Take() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return !idle_.empty(); });
    auto client = std::move(idle_.back());
    idle_.pop_back();
    return Lease(*this, std::move(client));
  }

 private:
  void Return(std::unique_ptr<storage::S3Client> client) {
    {
      std::lock_guard lock(mu_);
      idle_.push_back(std::move(client));
    }
    cv_.notify_one();
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<storage::S3Client>> idle_;
};

class S3Source : public ObjectSource {
 public:
  S3Source(std::string bucket, std::vector<std::unique_ptr<storage::S3Client>> clients)
      : bucket_(std::move(bucket)), pool_(std::move(clients)) {}

  Result<ObjectMeta> Head(std::string_view key) override {
    Result<storage::ObjectInfo> info = pool_.Take()->HeadObject(bucket_, key);
    if (!info.ok()) return info.status();
    ObjectMeta meta;
    meta.size = info->size;
    meta.etag = info->etag;
    meta.content_type = info->content_type;
    if (!info->last_modified.empty()) meta.last_modified = http::ParseHttpDate(info->last_modified);
    return meta;
  }

  Result<std::string> Read(std::string_view key, std::optional<ByteSpan> span, std::size_t max_bytes) override {
    std::optional<storage::ByteRange> range;
    if (span) range = storage::ByteRange{span->first, span->last};
    return pool_.Take()->GetObjectToString(bucket_, key, range, max_bytes);
  }

 private:
  std::string bucket_;
  ClientPool pool_;
};

}  // namespace

Result<std::unique_ptr<ObjectSource>> MakeS3Source(S3SourceConfig config) {
  if (config.connections < 1) return InvalidArgument("the S3 connection pool needs at least 1 connection");
  std::vector<std::unique_ptr<storage::S3Client>> clients;
  for (int i = 0; i < config.connections; ++i) {
    auto client = storage::S3Client::Create(config.client);
    if (!client.ok()) return client.status();
    clients.push_back(std::move(client).value());
  }
  return std::unique_ptr<ObjectSource>(new S3Source(std::move(config.bucket), std::move(clients)));
}

}  // namespace tcoder::edge
