#include "storage_support.h"

#include <fcntl.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <random>

#include "common/crypto.h"
#include "common/file_util.h"
#include "support/test_env.h"

namespace tcoder::testing {

namespace fs = std::filesystem;

Result<std::unique_ptr<StorageServer>> StorageServer::Start(const fs::path& dir, Options options) {
  std::unique_ptr<StorageServer> s(new StorageServer(dir, std::move(options)));
  s->port_ = FreePort();
  Status st = s->Launch();
  if (!st.ok()) return st;
  return s;
}

StorageServer::~StorageServer() {
  if (process_ && process_->running()) process_->Terminate(std::chrono::seconds(10));
}

Status StorageServer::Launch() {
  ProcessSpec spec;
  spec.argv = {(options_.binary.empty() ? TcoderBinary() : options_.binary).string(),
               "storage",
               "--port",
               std::to_string(port_),
               "--data-dir",
               data_dir().string(),
               "--s3-access-key",
               std::string(kS3AccessKey),
               "--s3-secret-key",
               std::string(kS3SecretKey),
               "--log-level",
               "warn"};
  if (!options_.redis_url.empty()) {
    spec.argv.push_back("--redis-url");
    spec.argv.push_back(options_.redis_url);
  }
  spec.env = options_.env;
  spec.stdout_mode = StdStream::kNull;
  spec.stderr_mode = StdStream::kInherit;
  auto child = Subprocess::Spawn(spec);
  if (!child.ok()) return child.status();
  process_ = std::make_unique<Subprocess>(std::move(*child));
  if (!WaitForPort(port_, std::chrono::seconds(30))) return Unavailable("tcoder storage did not start listening");
  return Status::Ok();
}

Status StorageServer::Kill() {
  Status s = process_->Signal(SIGKILL);
  process_->Wait();
  return s;
}

Status StorageServer::Restart() {
  if (process_ && process_->running()) process_->Terminate(std::chrono::seconds(10));
  return Launch();
}

ExitStatus StorageServer::Stop() { return process_->Terminate(std::chrono::seconds(20)); }

fs::path FastTcoderBinary() {
  const fs::path release = SourceDir() / "build" / "tcoder";
  return fs::exists(release) ? release : TcoderBinary();
}

RunResult Aws(const std::string& endpoint, const fs::path& home, std::vector<std::string> args) {
  ProcessSpec spec;
  spec.argv = {"/usr/bin/aws", "--endpoint-url", endpoint};
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  spec.clear_env = true;
  spec.env = {{"PATH", "/usr/bin:/bin"},
              {"HOME", home.string()},
              {"AWS_CONFIG_FILE", (home / "aws-config").string()},
              {"AWS_SHARED_CREDENTIALS_FILE", (home / "aws-credentials").string()},
              {"AWS_ACCESS_KEY_ID", std::string(kS3AccessKey)},
              {"AWS_SECRET_ACCESS_KEY", std::string(kS3SecretKey)},
              {"AWS_DEFAULT_REGION", "us-east-1"},
              {"AWS_EC2_METADATA_DISABLED", "true"},
              {"AWS_PAGER", ""}};
  auto r = RunProcess(spec, RunOptions{.deadline = std::chrono::minutes(8)});
  if (!r.ok()) return RunResult{.err = r.status().ToString()};
  return *r;
}

CurlResult Curl(std::vector<std::string> args) {
  ProcessSpec spec;
  spec.argv = {"curl", "-sS", "--path-as-is", "--max-time", "300", "-w", "\n%{http_code}"};
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  auto r = RunProcess(spec, RunOptions{.deadline = std::chrono::minutes(6), .max_capture = 64 << 20});
  CurlResult out;
  if (!r.ok()) {
    out.err = r.status().ToString();
    return out;
  }
  out.err = r->err;
  const auto nl = r->out.rfind('\n');
  if (nl == std::string::npos) return out;
  out.status = std::atoi(r->out.c_str() + nl + 1);
  out.body = r->out.substr(0, nl);
  return out;
}

Status MakeFile(const fs::path& path, std::uint64_t size, std::uint32_t seed) {
  std::mt19937_64 rng(seed);
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  std::vector<std::uint64_t> block(1 << 17);  // 1 MiB
  while (size > 0) {
    for (auto& w : block) w = rng();
    const std::uint64_t n = std::min<std::uint64_t>(size, block.size() * 8);
    f.write(reinterpret_cast<const char*>(block.data()), static_cast<std::streamsize>(n));
    size -= n;
  }
  f.close();
  return f ? Status::Ok() : IOError("writing " + path.string());
}

Result<std::string> FileSha256(const fs::path& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return ErrnoStatus("open " + path.string(), errno);
  crypto::Hasher h(crypto::Hasher::Kind::kSha256);
  std::vector<char> buf(1 << 20);
  while (true) {
    const ssize_t n = ::read(fd.get(), buf.data(), buf.size());
    if (n < 0) return ErrnoStatus("read " + path.string(), errno);
    if (n == 0) break;
    h.Update(std::string_view(buf.data(), static_cast<std::size_t>(n)));
  }
  return crypto::Hex(h.Final());
}

long PeakRssKiB(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.starts_with("VmHWM:")) return std::atol(line.c_str() + 6);
  }
  return -1;
}

std::vector<fs::path> FilesUnder(const fs::path& root) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (it->is_regular_file()) out.push_back(it->path());
  }
  return out;
}

}  // namespace tcoder::testing
