#include "cluster/cluster_stack.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "common/file_util.h"
#include "common/process.h"
#include "support/test_env.h"

namespace tcoder::testing {
namespace {

constexpr int kRedisPort = 6379, kStoragePort = 9000, kApiPort = 8787, kEdgePort = 8788;

}  // namespace

bool WaitForAddress(const std::string& address, int port, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    ::inet_pton(AF_INET, address.c_str(), &a.sin_addr);
    const bool up = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(fd);
    if (up) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

Result<std::unique_ptr<ClusterStack>> ClusterStack::Start(const ClusterOptions& options) {
  auto net = NetnsCluster::Create();
  if (!net.ok()) return net.status();
  std::unique_ptr<ClusterStack> c(new ClusterStack());
  c->net_ = std::move(*net);
  c->options_ = options;
  auto dir = TempDir::Create("tcoder-cluster-");
  if (!dir.ok()) return dir.status();
  c->dir_.emplace(std::move(*dir));
  auto secrets = LoadOrCreateSecrets(c->dir_->path() / "secrets");
  if (!secrets.ok()) return secrets.status();
  c->secrets_ = *secrets;
  std::vector<std::string> hosts = {"redis", "storage", "control1", "control2", "edge"};
  for (int i = 1; i <= options.workers; ++i) hosts.push_back("worker" + std::to_string(i));
  for (const std::string& h : hosts) {
    auto address = c->net_->AddHost(h);
    if (!address.ok()) return address.status();
  }
  for (const std::string& h : hosts) {
    c->StartComponent(h);
    if (!c->component(h)) return Unavailable("could not start " + h);
  }
  return c;
}

ClusterStack::~ClusterStack() {
  procs_.clear();  // SIGTERM, then SIGKILL: before the namespaces go
}

std::string ClusterStack::api(int control) const {
  return "http://" + net_->address("control" + std::to_string(control)) + ":" + std::to_string(kApiPort);
}
std::string ClusterStack::s3_endpoint() const {
  return "http://" + net_->address("storage") + ":" + std::to_string(kStoragePort);
}
std::string ClusterStack::redis_url() const {
  return "redis://" + net_->address("redis") + ":" + std::to_string(kRedisPort);
}

std::vector<std::string> ClusterStack::Argv(const std::string& host) const {
  const std::string bin = TcoderBinary().string(), ip = net_->address(host);
  const std::string data = (dir_->path() / host).string();
  const std::vector<std::string> keys = {"--s3-access-key",      secrets_.s3_access_key, "--s3-secret-key",
                                         secrets_.s3_secret_key, "--log-level",          "info"};
  std::vector<std::string> argv;
  if (host == "redis") {
    return {
        "redis-server",  "--bind",   ip,      "--port", std::to_string(kRedisPort), "--save", "", "--appendonly", "yes",
        "--appendfsync", "everysec", "--dir", data,     "--protected-mode",         "no"};
  } else if (host == "storage") {
    argv = {bin,          "storage", "--bind",      ip,         "--port", std::to_string(kStoragePort),
            "--data-dir", data,      "--redis-url", redis_url()};
  } else if (host.rfind("control", 0) == 0) {
    argv = {bin,
            "control",
            "--bind",
            ip,
            "--port",
            std::to_string(kApiPort),
            "--data-dir",
            data,
            "--redis-url",
            redis_url(),
            "--s3-endpoint",
            s3_endpoint(),
            "--api-key",
            secrets_.api_key,
            "--internal-secret",
            secrets_.internal_secret,
            "--webhook-secret",
            secrets_.webhook_secret,
            "--max-machines",
            "0",
            "--edge-url",
            "http://" + net_->address("edge") + ":" + std::to_string(kEdgePort),
            "--tick",
            "250ms",
            "--upload-check-after",
            "2s",
            "--upload-check-every",
            "1s",
            "--attempt-sweep-after",
            "3s",
            "--attempt-sweep-every",
            "500ms"};
  } else if (host == "edge") {
    argv = {bin,
            "edge",
            "--bind",
            ip,
            "--port",
            std::to_string(kEdgePort),
            "--data-dir",
            data,
            "--s3-endpoint",
            s3_endpoint(),
            "--jwt-secret",
            secrets_.jwt_secret};
  } else {
    argv = {bin,
            "worker",
            "--data-dir",
            data,
            "--redis-url",
            redis_url(),
            "--s3-endpoint",
            s3_endpoint(),
            "--control-url",
            api(1),
            "--internal-secret",
            secrets_.internal_secret,
            "--lease",
            std::to_string(options_.lease.count()) + "s",
            "--work-dir",
            data};
  }
  argv.insert(argv.end(), keys.begin(), keys.end());
  return argv;
}

void ClusterStack::StartComponent(const std::string& host) {
  std::filesystem::create_directories(dir_->path() / host);
  ProcessSpec spec;
  spec.argv = net_->On(host, Argv(host));
  spec.stdout_mode = StdStream::kNull;
  spec.stderr_mode = StdStream::kPipe;
  auto p = Subprocess::Spawn(spec);
  if (!p.ok()) return;
  procs_[host] = std::make_unique<LoggedProcess>(std::move(*p));
  const int port = host == "redis"                 ? kRedisPort
                   : host == "storage"             ? kStoragePort
                   : host == "edge"                ? kEdgePort
                   : host.rfind("control", 0) == 0 ? kApiPort
                                                   : 0;
  if (port != 0 && !WaitForAddress(net_->address(host), port, std::chrono::seconds(30))) procs_.erase(host);
}

void ClusterStack::KillComponent(const std::string& host) {
  (void)net_->KillHost(host);
  procs_.erase(host);
}

LoggedProcess* ClusterStack::component(const std::string& host) {
  auto it = procs_.find(host);
  return it == procs_.end() ? nullptr : it->second.get();
}

Result<std::string> ClusterStack::Submit(const std::filesystem::path& clip, const nlohmann::json& options,
                                         int control) {
  nlohmann::json body = options;
  body["filename"] = clip.filename().string();
  HttpResult up = TryHttp("POST", api(control) + "/api/upload", body.dump(), auth());
  if (up.status != 201) return Unavailable("POST /api/upload: " + std::to_string(up.status) + " " + up.body + up.error);
  auto data = ReadFile(clip);
  if (!data.ok()) return data.status();
  HttpResult put = TryHttp("PUT", up.json().value("uploadUrl", ""), *data);
  if (put.status != 200) return Unavailable("PUT: " + std::to_string(put.status) + " " + put.error);
  return up.json().value("jobId", "");
}

std::unique_ptr<storage::S3Client> ClusterStack::S3() const {
  storage::S3ClientConfig c;
  c.endpoint = s3_endpoint();
  c.credentials = {secrets_.s3_access_key, secrets_.s3_secret_key, ""};
  return std::move(storage::S3Client::Create(c).value());
}

nlohmann::json ClusterStack::Job(const std::string& id) {
  for (int control : {1, 2}) {
    if (!component("control" + std::to_string(control))) continue;
    HttpResult r = TryHttp("GET", api(control) + "/api/jobs/" + id, "", auth());
    if (r.status == 200) return r.json();
  }
  return nullptr;
}

nlohmann::json ClusterStack::WaitFor(const std::string& id, const std::vector<std::string>& statuses,
                                     std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  nlohmann::json job;
  while (std::chrono::steady_clock::now() < deadline) {
    job = Job(id);
    if (job.is_object() && std::find(statuses.begin(), statuses.end(), job.value("status", "")) != statuses.end())
      return job;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return job;
}

std::string ClusterStack::HostOf(const std::string& machine_id) {
  for (auto& [host, proc] : procs_) {
    if (host.rfind("worker", 0) != 0) continue;
    if (proc->Count("\"machineId\":\"" + machine_id + "\"") > 0) return host;
  }
  return "";
}

}  // namespace tcoder::testing
