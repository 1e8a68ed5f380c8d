#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <thread>

#include "cli/commands.h"
#include "cli/flags.h"
#include "cli/redis_flags.h"
#include "cli/stack.h"
#include "common/file_util.h"
#include "common/process.h"
#include "state/redis_client.h"

namespace tcoder::cli {
namespace {

using namespace std::chrono_literals;

constexpr const char* kLogEnv = "TCODER_UP_LOG";

struct UpFlags {
  StackOptions stack;
  Secrets given;  // secrets passed as flags or variables
  std::string idle_timeout = "5m";
  bool detach = false;
};

void AddFlags(FlagSet& f, UpFlags& u) {
  f.Add("api-port", u.stack.api_port, "Control plane API port");
  f.Add("s3-port", u.stack.s3_port, "Built-in S3 server port");
  f.Add("edge-port", u.stack.edge_port, "Edge port");
  f.Add("redis-url", u.stack.redis_url, "Use this Redis instead of a private redis-server");
  f.Add("max-machines", u.stack.max_machines, "Most worker machines at once");
  f.Add("idle-timeout", u.idle_timeout, "Stop a worker idle this long (300, 5m, 1h)");
  f.Add("api-key", u.given.api_key, "API key (default: generated once, kept in the data dir)");
  f.Add("s3-access-key", u.given.s3_access_key, "S3 access key (default: generated)");
  f.Add("s3-secret-key", u.given.s3_secret_key, "S3 secret key (default: generated)");
  f.Add("jwt-secret", u.given.jwt_secret, "HS256 secret for /premium/ tokens (default: generated)");
  f.Add("webhook-secret", u.given.webhook_secret, "Client webhook signing secret, whsec_... (default: generated)");
  f.AddFlag("detach", u.detach, "Run in the background; `tcoder down` stops it");
}

// In the detached child: everything it and its components print goes to the log.
void RedirectOutput() {
  const char* path = std::getenv(kLogEnv);
  if (path == nullptr) return;
  const int fd = ::open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return;
  ::dup2(fd, STDOUT_FILENO);
  ::dup2(fd, STDERR_FILENO);
  ::close(fd);
}

std::string Tail(const std::filesystem::path& path, std::size_t bytes) {
  auto text = ReadFile(path);
  if (!text.ok()) return "";
  return text->size() > bytes ? text->substr(text->size() - bytes) : *text;
}

// Starts `tcoder up` again in its own session and waits until it answers.
int Detach(int argc, char** argv, const UpFlags& u) {
  const auto log_path = u.stack.data_dir / "up.log";
  ProcessSpec spec;
  spec.argv = {"/proc/self/exe"};
  for (int i = 0; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a != "--detach" && !a.starts_with("--detach=")) spec.argv.emplace_back(a);
  }
  spec.env = {{"TCODER_DETACH", "0"}, {kLogEnv, log_path.string()}};
  spec.new_session = true;
  spec.die_with_parent = false;  // it outlives this command
  spec.stdin_mode = spec.stdout_mode = spec.stderr_mode = StdStream::kNull;
  std::filesystem::remove(u.stack.data_dir / "stack.json");
  auto child = Subprocess::Spawn(spec);
  if (!child.ok()) {
    std::cerr << "tcoder up: " << child.status().message() << "\n";
    return 1;
  }
  const auto end = std::chrono::steady_clock::now() + 120s;
  while (std::chrono::steady_clock::now() < end) {
    if (auto state = ReadStackState(u.stack.data_dir); state && state->value("pid", 0) == child->pid()) {
      child->Detach();
      std::cout << StackBanner(*state, u.stack.secrets.api_key)
                << "Running in the background (log: " << log_path.string() << "); `tcoder down` stops it.\n";
      return 0;
    }
    if (auto exit = child->TryWait()) {
      std::cerr << "tcoder up: the stack did not start (" << exit->ToString() << "). Last lines of "
                << log_path.string() << ":\n"
                << Tail(log_path, 3000) << "\n";
      return 1;
    }
    std::this_thread::sleep_for(100ms);
  }
  std::cerr << "tcoder up: the stack did not answer within 120 s; see " << log_path.string() << "\n";
  child->Terminate(10s);
  return 1;
}

}  // namespace

int RunUp(int argc, char** argv) {
  FlagSet flags("up", "Run the whole stack on this machine: Redis, S3 storage, control plane, workers, edge");
  UpFlags u;
  AddFlags(flags, u);
  state::RedisTlsOptions redis_tls;
  AddRedisTlsFlags(flags, redis_tls);
  if (auto code = flags.Parse(argc, argv)) return *code;
  ApplyRedisTls(redis_tls);
  state::SetDefaultRedisClientName("tcoder-up");
  RedirectOutput();

  std::error_code ec;
  u.stack.data_dir = std::filesystem::absolute(flags.common().data_dir, ec);
  std::filesystem::create_directories(u.stack.data_dir, ec);
  // Secrets and state live here: only its owner may look in.
  std::filesystem::permissions(u.stack.data_dir, std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::replace, ec);
  auto secrets = LoadOrCreateSecrets(u.stack.data_dir);
  if (!secrets.ok()) {
    std::cerr << "tcoder up: " << secrets.status().message() << "\n";
    return 1;
  }
  u.stack.secrets = WithOverrides(*secrets, u.given);
  u.stack.log_level = flags.common().log_level;
  u.stack.idle_timeout = u.idle_timeout;

  if (StackRunning(u.stack.data_dir)) {
    auto state = ReadStackState(u.stack.data_dir);
    if (state) std::cout << StackBanner(*state, u.stack.secrets.api_key);
    std::cout << "tcoder up: already running from " << u.stack.data_dir.string() << "\n";
    return 0;
  }
  if (u.detach) return Detach(argc, argv, u);
  return RunStack(u.stack);
}

}  // namespace tcoder::cli
