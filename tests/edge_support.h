// Helpers for the edge's integration tests: a `tcoder storage` with the
// output bucket and a `tcoder edge` in front of it (its log kept in a file),
// objects uploaded with the S3 client, and HTTP requests made with curl.
//
// For tests only; one owner per object.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/process.h"
#include "common/status.h"
#include "common/temp_dir.h"
#include "storage/s3_client.h"
#include "storage_support.h"

namespace tcoder::testing {

inline constexpr std::string_view kOutputBucket = "tcoder-output";

// The JWT vectors' secret (/work/shared/vectors/jwt.json); the edge signs with it.
std::string VectorsJwtSecret();

class EdgeStack {
 public:
  // Starts storage, creates the bucket, starts the edge with `edge_flags` added.
  static Result<std::unique_ptr<EdgeStack>> Start(std::vector<std::string> edge_flags = {});
  ~EdgeStack();

  std::string Url(const std::string& path_and_query) const {
    return "http://127.0.0.1:" + std::to_string(edge_port_) + path_and_query;
  }
  storage::S3Client& s3() { return *s3_; }
  const std::filesystem::path& dir() const { return dir_.path(); }
  // The edge's log so far.
  std::string EdgeLog() const;

  Status Put(const std::string& key, const std::string& data);
  Status PutFile(const std::string& key, const std::filesystem::path& file);

 private:
  explicit EdgeStack(TempDir dir) : dir_(std::move(dir)) {}
  Status Launch(std::vector<std::string> edge_flags);

  TempDir dir_;
  std::unique_ptr<StorageServer> storage_;
  std::unique_ptr<storage::S3Client> s3_;
  std::unique_ptr<Subprocess> edge_;
  int edge_port_ = -1;
};

struct HttpReply {
  int status = 0;
  std::string head;  // status line and headers, as sent
  std::string body;
  int curl_exit = -1;
  // The first value of header `name` (case-insensitive), or "".
  std::string Header(std::string_view name) const;
};

// curl -s -i [args] url (for HEAD pass "-I").
HttpReply Http(const std::string& url, std::vector<std::string> args = {});

}  // namespace tcoder::testing
