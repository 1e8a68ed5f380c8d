#include "support/redis_sentinels.h"

#include <chrono>

#include "common/file_util.h"
#include "support/test_env.h"

namespace tcoder::testing {

Result<std::unique_ptr<RedisSentinels>> RedisSentinels::Start(const Options& options) {
  auto dir = TempDir::Create("tcoder-sentinel-");
  if (!dir.ok()) return dir.status();
  std::unique_ptr<RedisSentinels> self(new RedisSentinels(options, std::move(*dir)));
  for (int i = 0; i < options.count; ++i) {
    const int port = FreePort();
    const auto home = self->dir_.path() / ("s" + std::to_string(i));
    std::error_code ec;
    std::filesystem::create_directories(home, ec);
    if (ec) return Internal("sentinel dir: " + ec.message());
    const std::string& name = options.master_name;
    const std::string text = "port " + std::to_string(port) + "\nbind 127.0.0.1\ndir " + home.string() +
                             "\nsentinel monitor " + name + " 127.0.0.1 " + std::to_string(options.master_port) + " " +
                             std::to_string(options.quorum) + "\nsentinel down-after-milliseconds " + name +
                             " 1000\nsentinel failover-timeout " + name + " 5000\n";
    if (Status s = WriteFileAtomic(home / "sentinel.conf", text); !s.ok()) return s;
    ProcessSpec spec{.argv = {"redis-server", (home / "sentinel.conf").string(), "--sentinel"}};
    spec.stdout_mode = StdStream::kNull;
    spec.stderr_mode = StdStream::kNull;
    auto child = Subprocess::Spawn(spec);
    if (!child.ok()) return child.status();
    self->processes_.push_back(std::make_unique<Subprocess>(std::move(*child)));
    self->ports_.push_back(port);
    if (!WaitForPort(port, std::chrono::seconds(10))) return Unavailable("redis-sentinel did not start");
  }
  return self;
}

std::string RedisSentinels::url() const {
  std::string hosts;
  for (int port : ports_) hosts += (hosts.empty() ? "" : ",") + std::string("127.0.0.1:") + std::to_string(port);
  return "redis+sentinel://" + hosts + "/" + options_.master_name;
}

}  // namespace tcoder::testing
