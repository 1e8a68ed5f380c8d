// S3Server: the built-in S3-compatible object store (`tcoder storage`):
// path-style buckets and objects on local disk, SigV4 (header and presigned),
// multipart uploads, CORS for browser uploads, object-created events to an
// EventSink (spooled to disk first).
//
// Start() opens the data (cleaning what a crash left), creates the default
// buckets and serves until Stop(). docs/storage.md describes what is supported
// and the on-disk layout. Thread-safety: Start/Stop from one thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "storage/event_sink.h"

namespace tcoder::storage {

struct ServerOptions {
  std::filesystem::path data_dir = "./.tcoder";  // objects live in <data_dir>/s3/
  std::string bind = "127.0.0.1";
  int port = 9000;
  int threads = 4;
  std::string region = "us-east-1";
  std::string access_key;
  std::string secret_key;
  std::string cors_origin = "*";
  server::SinkFactory events;  // where object-created events go; empty: none
  // The buckets whose object-created events are sent (a bucket notification's
  // scope); empty: every bucket.
  std::vector<std::string> event_buckets;
  std::vector<std::string> buckets = {"tcoder-input", "tcoder-output"};
  std::uint64_t max_object_size = 5ull << 30;        // one PUT or one part (S3's limit)
  std::int64_t multipart_max_age_s = 7 * 24 * 3600;  // incomplete uploads older than this go at startup
};

class S3Server {
 public:
  // Errors: bad options, the data dir cannot be used, the port is taken.
  [[nodiscard]] static Result<std::unique_ptr<S3Server>> Start(ServerOptions options);
  ~S3Server();
  S3Server(const S3Server&) = delete;
  S3Server& operator=(const S3Server&) = delete;

  int port() const;
  // Graceful: stops accepting, lets in-flight requests finish (bounded), stops the event forwarder.
  void Stop();

  struct Impl;

 private:
  explicit S3Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tcoder::storage
