#include "edge_support.h"

#include <strings.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/test_env.h"

namespace tcoder::testing {

namespace fs = std::filesystem;

std::string VectorsJwtSecret() {
  std::ifstream in(SharedDir() / "vectors" / "jwt.json");
  return nlohmann::json::parse(in).at("secret").get<std::string>();
}

Result<std::unique_ptr<EdgeStack>> EdgeStack::Start(std::vector<std::string> edge_flags) {
  auto dir = TempDir::Create("edge-test");
  if (!dir.ok()) return dir.status();
  std::unique_ptr<EdgeStack> stack(new EdgeStack(std::move(dir).value()));
  if (Status s = stack->Launch(std::move(edge_flags)); !s.ok()) return s;
  return stack;
}

EdgeStack::~EdgeStack() {
  if (edge_ && edge_->running()) edge_->Terminate(std::chrono::seconds(10));
}

Status EdgeStack::Launch(std::vector<std::string> edge_flags) {
  auto storage = StorageServer::Start(dir() / "storage", {});
  if (!storage.ok()) return storage.status();
  storage_ = std::move(storage).value();
  storage::S3ClientConfig config;
  config.endpoint = storage_->endpoint();
  config.credentials = {std::string(kS3AccessKey), std::string(kS3SecretKey), ""};
  auto s3 = storage::S3Client::Create(config);
  if (!s3.ok()) return s3.status();
  s3_ = std::move(s3).value();
  if (Status s = s3_->CreateBucket(kOutputBucket); !s.ok()) return s;

  edge_port_ = FreePort();
  ProcessSpec spec;
  // The edge's stderr (its JSON log) goes to a file the tests read.
  spec.argv = {"/bin/sh",
               "-c",
               "exec \"$@\" 2>\"$EDGE_LOG\"",
               "sh",
               TcoderBinary().string(),
               "edge",
               "--port",
               std::to_string(edge_port_),
               "--s3-endpoint",
               storage_->endpoint(),
               "--s3-access-key",
               std::string(kS3AccessKey),
               "--s3-secret-key",
               std::string(kS3SecretKey),
               "--jwt-secret",
               VectorsJwtSecret(),
               "--data-dir",
               (dir() / "edge").string(),
               "--threads",
               "2",
               "--log-level",
               "debug"};
  spec.argv.insert(spec.argv.end(), edge_flags.begin(), edge_flags.end());
  spec.env = {{"EDGE_LOG", (dir() / "edge.log").string()}};
  spec.stdout_mode = StdStream::kNull;
  auto child = Subprocess::Spawn(spec);
  if (!child.ok()) return child.status();
  edge_ = std::make_unique<Subprocess>(std::move(*child));
  if (!WaitForPort(edge_port_, std::chrono::seconds(30))) {
    return Unavailable("tcoder edge did not start listening: " + EdgeLog());
  }
  return Status::Ok();
}

std::string EdgeStack::EdgeLog() const {
  std::ifstream in(dir() / "edge.log");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Status EdgeStack::Put(const std::string& key, const std::string& data) {
  auto etag = s3_->PutObjectFromString(kOutputBucket, key, data);
  return etag.ok() ? Status::Ok() : etag.status();
}

Status EdgeStack::PutFile(const std::string& key, const fs::path& file) {
  auto etag = s3_->PutObject(kOutputBucket, key, file);
  return etag.ok() ? Status::Ok() : etag.status();
}

std::string HttpReply::Header(std::string_view name) const {
  std::istringstream lines(head);
  std::string line;
  while (std::getline(lines, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const std::size_t colon = line.find(':');
    if (colon != name.size() || strncasecmp(line.data(), name.data(), name.size()) != 0) continue;
    std::size_t v = colon + 1;
    while (v < line.size() && line[v] == ' ') ++v;
    return line.substr(v);
  }
  return "";
}

HttpReply Http(const std::string& url, std::vector<std::string> args) {
  ProcessSpec spec;
  spec.argv = {"curl", "-s", "-i", "--max-time", "60"};
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  spec.argv.push_back(url);
  auto r = RunProcess(spec, RunOptions{.deadline = std::chrono::seconds(90), .max_capture = 64 << 20});
  HttpReply out;
  if (!r.ok()) return out;
  out.curl_exit = r->exit.code;
  const std::size_t end = r->out.find("\r\n\r\n");
  out.head = r->out.substr(0, end);
  if (end != std::string::npos) out.body = r->out.substr(end + 4);
  if (out.head.size() > 12) out.status = std::atoi(out.head.c_str() + 9);
  return out;
}

}  // namespace tcoder::testing
