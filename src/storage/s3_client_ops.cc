// S3Client reads, listings, deletes, buckets, copies and presigning (see s3_client.h).
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <utility>

#include "common/file_util.h"
#include "storage/s3_client.h"
#include "storage/s3_client_call.h"

namespace tcoder::storage {
namespace {

Result<std::string> RangeHeader(const ByteRange& r) {
  if (r.last && *r.last < r.first) return InvalidArgument("byte range ends before it starts");
  return "bytes=" + std::to_string(r.first) + "-" + (r.last ? std::to_string(*r.last) : "");
}

// A temporary file beside `target`, removed unless Commit() renames it over target.
class PendingFile {
 public:
  static Result<PendingFile> Create(const std::filesystem::path& target) {
    std::string tmpl = target.string() + ".part-XXXXXX";
    int fd = ::mkostemp(tmpl.data(), O_CLOEXEC);
    if (fd < 0) return ErrnoStatus("create a temporary file beside " + target.string(), errno);
    return PendingFile(target, tmpl, UniqueFd(fd));
  }
  PendingFile(PendingFile&& o) noexcept
      : target_(std::move(o.target_)),
        tmp_(std::exchange(o.tmp_, {})),
        fd_(std::move(o.fd_)),
        committed_(o.committed_) {}
  PendingFile& operator=(PendingFile&&) = delete;
  PendingFile(const PendingFile&) = delete;
  PendingFile& operator=(const PendingFile&) = delete;
  ~PendingFile() {
    if (!committed_ && !tmp_.empty()) ::unlink(tmp_.c_str());
  }
  int fd() const { return fd_.get(); }
  Status Commit() {
    if (::fsync(fd_.get()) != 0) return ErrnoStatus("fsync " + tmp_.string(), errno);
    fd_.Reset();
    if (::rename(tmp_.c_str(), target_.c_str()) != 0) return ErrnoStatus("rename to " + target_.string(), errno);
    committed_ = true;
    std::filesystem::path dir = target_.parent_path();
    return SyncDirectory(dir.empty() ? std::filesystem::path(".") : dir);
  }

 private:
  PendingFile(std::filesystem::path target, std::filesystem::path tmp, UniqueFd fd)
      : target_(std::move(target)), tmp_(std::move(tmp)), fd_(std::move(fd)) {}
  std::filesystem::path target_, tmp_;
  UniqueFd fd_;
  bool committed_ = false;
};

// A GET of bucket/key, of `range` only when given.
Result<S3Call> GetCall(std::string_view bucket, std::string_view key, std::optional<ByteRange> range) {
  if (Status s = CheckObject(bucket, key); !s.ok()) return s;
  S3Call call = MakeCall("GET", "GET", bucket, key);
  if (range) {
    Result<std::string> h = RangeHeader(*range);
    if (!h.ok()) return h.status();
    call.headers.emplace_back("Range", *h);
  }
  return call;
}

}  // namespace

Result<std::uint64_t> S3Client::GetObject(std::string_view bucket, std::string_view key,
                                          const std::filesystem::path& file, std::optional<ByteRange> range) {
  Result<S3Call> get = GetCall(bucket, key, range);
  if (!get.ok()) return get.status();
  S3Call& call = *get;
  Result<PendingFile> pending = PendingFile::Create(file);
  if (!pending.ok()) return pending.status();
  call.response_fd = pending->fd();
  call.streaming = true;
  Result<http::HttpResponse> resp = Execute(call);
  if (!resp.ok()) return resp.status();
  if (Status s = pending->Commit(); !s.ok()) return s;
  return resp->body_bytes;
}

Result<std::string> S3Client::GetObjectToString(std::string_view bucket, std::string_view key,
                                                std::optional<ByteRange> range, std::size_t max_bytes) {
  Result<S3Call> get = GetCall(bucket, key, range);
  if (!get.ok()) return get.status();
  S3Call& call = *get;
  call.max_body_bytes = max_bytes;
  Result<http::HttpResponse> resp = Execute(call);
  if (!resp.ok()) return resp.status();
  return std::move(resp->body);
}

Result<ObjectInfo> S3Client::HeadObject(std::string_view bucket, std::string_view key) {
  if (Status s = CheckObject(bucket, key); !s.ok()) return s;
  S3Call call = MakeCall("HEAD", "HEAD", bucket, key);
  Result<http::HttpResponse> resp = Execute(call);
  if (!resp.ok()) return resp.status();
  ObjectInfo info;
  info.key = std::string(key);
  const std::string length = resp->Header("content-length");
  auto [end, ec] = std::from_chars(length.data(), length.data() + length.size(), info.size);
  if (!length.empty() && (ec != std::errc() || end != length.data() + length.size())) {
    return Unavailable(call.what + ": bad Content-Length '" + length.substr(0, 40) + "'");
  }
  info.etag = resp->Header("etag");
  info.last_modified = resp->Header("last-modified");
  info.content_type = resp->Header("content-type");
  return info;
}

Status S3Client::DeleteObject(std::string_view bucket, std::string_view key) {
  if (Status s = CheckObject(bucket, key); !s.ok()) return s;
  S3Call call = MakeCall("DELETE", "DELETE", bucket, key);
  Result<http::HttpResponse> resp = Execute(call);
  // S3 answers 204 for a missing key; some stores say NoSuchKey instead.
  if (!resp.ok() && resp.status().message().find(" NoSuchKey") == std::string::npos) return resp.status();
  return Status::Ok();
}

Result<ListPage> S3Client::ListObjectsV2(std::string_view bucket, const ListOptions& o) {
  if (Status s = ValidateBucket(bucket); !s.ok()) return s;
  if (o.max_keys < 1 || o.max_keys > 1000) return InvalidArgument("max_keys must be 1..1000");
  S3Call call = MakeCall("LIST", "GET", bucket, "");
  call.what += " prefix=" + o.prefix.substr(0, 200);
  // Parameters in canonical (sorted) order.
  if (!o.continuation_token.empty()) AddParam(call.query, "continuation-token", o.continuation_token);
  if (!o.delimiter.empty()) AddParam(call.query, "delimiter", o.delimiter);
  AddParam(call.query, "list-type", "2");
  AddParam(call.query, "max-keys", std::to_string(o.max_keys));
  if (!o.prefix.empty()) AddParam(call.query, "prefix", o.prefix);
  if (!o.start_after.empty()) AddParam(call.query, "start-after", o.start_after);
  Result<http::HttpResponse> resp = Execute(call);
  if (!resp.ok()) return resp.status();
  return ParseListObjectsV2(resp->body);
}

Result<std::vector<ObjectInfo>> S3Client::ListAll(std::string_view bucket, std::string_view prefix) {
  std::vector<ObjectInfo> all;
  ListOptions o;
  o.prefix = std::string(prefix);
  while (true) {
    Result<ListPage> page = ListObjectsV2(bucket, o);
    if (!page.ok()) return page.status();
    for (ObjectInfo& info : page->objects) all.push_back(std::move(info));
    if (!page->truncated) return all;
    if (page->next_continuation_token == o.continuation_token) {
      return Unavailable("S3 list: the server repeated a continuation token");
    }
    o.continuation_token = page->next_continuation_token;
  }
}

Status S3Client::CreateBucket(std::string_view bucket) {
  if (Status s = ValidateBucket(bucket); !s.ok()) return s;
  S3Call call = MakeCall("PUT bucket", "PUT", bucket, "");
  call.body = CreateBucketBody(config_.region);
  Result<http::HttpResponse> resp = Execute(call);
  if (!resp.ok() && resp.status().message().find(" BucketAlreadyOwnedByYou") == std::string::npos) {
    return resp.status();
  }
  return Status::Ok();
}

Status S3Client::HeadBucket(std::string_view bucket) {
  if (Status s = ValidateBucket(bucket); !s.ok()) return s;
  S3Call call = MakeCall("HEAD bucket", "HEAD", bucket, "");
  return Execute(call).status();
}

Result<std::string> S3Client::CopyObject(std::string_view src_bucket, std::string_view src_key,
                                         std::string_view dst_bucket, std::string_view dst_key) {
  if (Status s = CheckObject(src_bucket, src_key); !s.ok()) return s;
  if (Status s = CheckObject(dst_bucket, dst_key); !s.ok()) return s;
  S3Call call = MakeCall("COPY", "PUT", dst_bucket, dst_key);
  call.headers.emplace_back("x-amz-copy-source",
                            "/" + std::string(src_bucket) + "/" + sigv4::UriEncode(src_key, /*encode_slash=*/false));
  call.streaming = true;  // a large copy takes time on the server
  Result<http::HttpResponse> resp = Execute(call);
  if (!resp.ok()) return resp.status();
  return ParseResultETag(resp->body, "CopyObjectResult");
}

Result<std::string> S3Client::PresignedUrl(std::string_view method, std::string_view bucket, std::string_view key,
                                           std::chrono::seconds expires, const http::HttpHeaders& signed_headers) {
  PresignOptions o;
  o.endpoint = config_.endpoint;
  o.bucket = std::string(bucket);
  o.key = std::string(key);
  o.method = std::string(method);
  o.expires = expires;
  o.credentials = config_.credentials;
  o.region = config_.region;
  o.now = std::chrono::system_clock::now();
  o.path_style = config_.path_style;
  o.signed_headers = signed_headers;
  return PresignUrl(o);
}

}  // namespace tcoder::storage
