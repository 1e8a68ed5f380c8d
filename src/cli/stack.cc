#include "cli/stack.h"
#include "cli/stop_signals.h"
#include "cli/supervisor.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <vector>

#include "common/file_util.h"
#include "common/json_text.h"
#include "common/log.h"
#include "common/net_util.h"
#include "common/process.h"
#include "state/access_check.h"
#include "state/redis_client.h"

namespace tcoder::cli {
namespace {

using namespace std::chrono_literals;

std::string Url(int port) { return "http://127.0.0.1:" + std::to_string(port); }

// The command line of one tcoder component; secrets travel in the environment
// (never in argv, where `ps` would show them).
ProcessSpec TcoderSpec(const StackOptions& o, std::vector<std::string> args,
                       std::vector<std::pair<std::string, std::string>> env) {
  ProcessSpec spec;
  spec.argv = {"/proc/self/exe"};
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  spec.argv.insert(spec.argv.end(), {"--data-dir", o.data_dir.string(), "--log-level", o.log_level});
  spec.env = std::move(env);
  spec.stdin_mode = StdStream::kNull;
  spec.stdout_mode = StdStream::kInherit;
  spec.stderr_mode = StdStream::kInherit;
  return spec;
}

std::vector<ComponentSpec> PlanComponents(const StackOptions& o, const std::string& redis_url, int redis_port) {
  std::vector<ComponentSpec> out;
  if (redis_port > 0) {
    ComponentSpec redis{.name = "redis"};
    const auto dir = o.data_dir / "redis";
    redis.process.argv = {"redis-server",
                          "--port",
                          std::to_string(redis_port),
                          "--bind",
                          "127.0.0.1",
                          "--dir",
                          dir.string(),
                          "--appendonly",
                          "yes",
                          "--appendfsync",
                          "everysec",
                          "--save",
                          "",
                          "--daemonize",
                          "no",
                          "--loglevel",
                          "warning"};
    redis.process.stdout_mode = StdStream::kInherit;
    redis.process.stderr_mode = StdStream::kInherit;
    redis.port = redis_port;
    out.push_back(std::move(redis));
  }
  const Secrets& s = o.secrets;
  const std::vector<std::pair<std::string, std::string>> s3_env = {{"TCODER_S3_ACCESS_KEY", s.s3_access_key},
                                                                   {"TCODER_S3_SECRET_KEY", s.s3_secret_key}};
  auto with = [&](std::vector<std::pair<std::string, std::string>> extra) {
    extra.insert(extra.end(), s3_env.begin(), s3_env.end());
    return extra;
  };
  out.push_back({.name = "storage",
                 .process = TcoderSpec(o,
                                       {"storage", "--port", std::to_string(o.s3_port), "--redis-url", redis_url,
                                        "--events-bucket", "tcoder-input"},
                                       with({})),
                 .port = o.s3_port});
  out.push_back(
      {.name = "edge",
       .process = TcoderSpec(o, {"edge", "--port", std::to_string(o.edge_port), "--s3-endpoint", Url(o.s3_port)},
                             with({{"TCODER_JWT_SECRET", s.jwt_secret}})),
       .port = o.edge_port});
  out.push_back(
      {.name = "control",
       .process = TcoderSpec(o,
                             {"control", "--port", std::to_string(o.api_port), "--redis-url", redis_url,
                              "--s3-endpoint", Url(o.s3_port), "--edge-url", Url(o.edge_port), "--max-machines",
                              std::to_string(o.max_machines), "--idle-timeout", o.idle_timeout},
                             with({{"TCODER_API_KEY", s.api_key},
                                   {"TCODER_WEBHOOK_SECRET", s.webhook_secret},
                                   {"TCODER_INTERNAL_SECRET", s.internal_secret}})),
       .port = o.api_port,
       .stop_grace = 40s});
  return out;
}

// Holds <data-dir>/up.lock for the life of the process (released by the OS).
Status TakeLock(const std::filesystem::path& data_dir) {
  const auto path = data_dir / "up.lock";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return ErrnoStatus("open " + path.string(), errno);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return Conflict("a stack is already running from " + data_dir.string() + " (see `tcoder down`)");
  }
  return Status::Ok();  // fd stays open on purpose
}

// Secrets given as flags or variables replace the kept ones once the stack has
// accepted them, so that the CLI (`tcoder jobs`, `tcoder token`) finds what the
// stack uses. Values the file format would refuse are never written.
void KeepEffectiveSecrets(const StackOptions& o) {
  auto kept = LoadSecrets(o.data_dir);
  const std::string effective = SerializeSecrets(o.secrets);
  if (!kept.ok() || SerializeSecrets(*kept) == effective) return;  // an unreadable file is never replaced
  if (!ParseSecrets(effective).ok()) return;
  if (Status s = WriteFileAtomic(SecretsPath(o.data_dir), effective, 0600); !s.ok()) {
    log::Warn("cannot keep the given secrets", {{"error", s.message()}});
  }
}

nlohmann::json StateOf(const StackOptions& o, const std::string& redis_url) {
  return {{"pid", ::getpid()},        {"api", Url(o.api_port)}, {"s3", Url(o.s3_port)},
          {"edge", Url(o.edge_port)}, {"redis", redis_url},     {"dataDir", o.data_dir.string()}};
}

// stack.json: where the stack answers, and each component's pid (rewritten on a restart).
void WriteState(const StackOptions& o, nlohmann::json& state, const Supervisor& supervisor) {
  state["components"] = supervisor.Describe();
  if (Status s = WriteFileAtomic(o.data_dir / "stack.json", JsonText(state, 2) + "\n", 0600); !s.ok()) {
    log::Warn("cannot write stack.json", {{"error", s.message()}});
  }
}

}  // namespace

bool StackRunning(const std::filesystem::path& data_dir) {
  const auto path = data_dir / "up.lock";
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_CLOEXEC));
  if (!fd.valid()) return false;
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) == 0) {
    ::flock(fd.get(), LOCK_UN);
    return false;
  }
  return true;
}

std::optional<nlohmann::json> ReadStackState(const std::filesystem::path& data_dir) {
  auto text = ReadFile(data_dir / "stack.json");
  if (!text.ok()) return std::nullopt;
  auto parsed = nlohmann::json::parse(*text, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) return std::nullopt;
  return parsed;
}

std::string StackBanner(const nlohmann::json& state, const std::string& api_key) {
  const std::string api = state.value("api", "");
  std::string out = "tcoder is up\n";
  out += "  API        " + api + "\n";
  out += "  web page   " + api + "/#key=" + api_key + "\n";
  out += "  S3         " + state.value("s3", "") + "  (buckets tcoder-input, tcoder-output)\n";
  out += "  edge       " + state.value("edge", "") + "\n";
  out += "  data       " + state.value("dataDir", "") + "\n";
  return out;
}

namespace {

// A Redis of the user's (--redis-url) is checked before anything starts, so a
// wrong CA, password, scheme or ACL is this command's one last line.
Status CheckRedis(const std::string& url) {
  auto redis = state::RedisClient::Connect(url);
  if (!redis.ok()) return redis.status().WithContext("--redis-url");
  return state::CheckAccess(**redis, state::Keys());
}

}  // namespace

int RunStack(const StackOptions& o) {
  if (Status s = TakeLock(o.data_dir); !s.ok()) {
    std::cerr << "tcoder up: " << s.message() << "\n";
    return 1;
  }
  const sigset_t stop_signals = BlockStopSignals();

  std::string redis_url = o.redis_url;
  int redis_port = 0;
  if (!redis_url.empty()) {
    if (Status s = CheckRedis(redis_url); !s.ok()) {
      std::cerr << "tcoder up: " << s.message() << "\n";
      return 1;
    }
  } else {
    redis_port = PickFreePort();
    redis_url = "redis://127.0.0.1:" + std::to_string(redis_port);
    std::filesystem::create_directories(o.data_dir / "redis");
  }
  Supervisor supervisor(PlanComponents(o, redis_url, redis_port));
  if (Status s = supervisor.StartAll(); !s.ok()) {
    std::cerr << "tcoder up: " << s.message() << "\n";
    return 1;
  }
  KeepEffectiveSecrets(o);
  nlohmann::json state = StateOf(o, redis_url);
  WriteState(o, state, supervisor);
  std::cout << StackBanner(state, o.secrets.api_key)
            << "Stop it with Ctrl-C (or `tcoder down` when started with --detach).\n"
            << std::flush;

  int code = 0;
  const timespec tick{0, 200'000'000};
  while (::sigtimedwait(&stop_signals, nullptr, &tick) <= 0) {
    if (Status s = supervisor.Tick(Supervisor::Clock::now()); !s.ok()) {
      log::Error("giving up on the stack", {{"error", s.message()}});
      std::cerr << "tcoder up: giving up: " << s.message() << "\n";
      code = 1;
      break;
    }
    if (supervisor.TakeChanged()) WriteState(o, state, supervisor);
  }
  log::Info("stopping the stack");
  supervisor.StopAll();
  std::filesystem::remove(o.data_dir / "stack.json");
  return code;
}

}  // namespace tcoder::cli
