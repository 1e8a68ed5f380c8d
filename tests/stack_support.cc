#include "stack_support.h"

#include <poll.h>
#include <unistd.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "common/file_util.h"
#include "support/test_env.h"

namespace tcoder::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kApiKey = "clients-test-key-7f3a9c2e5b8d";
constexpr std::size_t kMaxLog = 4 << 20;  // bytes of the stack's output kept
constexpr int kLaunchAttempts = 3;        // a free port may be taken before `up` binds it

// Three distinct ports that were free a moment ago.
std::vector<int> FreePorts(std::size_t n) {
  std::vector<int> ports;
  while (ports.size() < n) {
    const int port = FreePort();
    if (port > 0 && std::find(ports.begin(), ports.end(), port) == ports.end()) ports.push_back(port);
  }
  return ports;
}

std::string TailOf(const std::string& text, std::size_t bytes) {
  return text.size() > bytes ? "..." + text.substr(text.size() - bytes) : text;
}

}  // namespace

Result<std::unique_ptr<LiveStack>> LiveStack::Start(const Options& options) {
  auto dir = TempDir::Create("tcoder-live-stack");
  if (!dir.ok()) return dir.status();
  std::unique_ptr<LiveStack> stack(new LiveStack(std::move(*dir)));
  stack->api_key_ = kApiKey;
  std::error_code ec;
  std::filesystem::create_directories(stack->work_dir(), ec);
  if (ec) return IOError("create " + stack->work_dir().string() + ": " + ec.message());
  Status status;
  for (int attempt = 1; attempt <= kLaunchAttempts; ++attempt) {
    status = stack->Launch(options);
    if (status.ok()) status = stack->AwaitReady(options.start_timeout);
    if (status.ok()) return stack;
    const bool port_taken = stack->Log().find("already in use") != std::string::npos;
    stack->Stop(10s);
    if (!port_taken) break;
  }
  return status;
}

LiveStack::~LiveStack() { Stop(); }

std::vector<std::string> LiveStack::ClientFlags() const {
  return {"--server", api_url(), "--api-key", api_key_, "--data-dir", data_dir().string()};
}

Status LiveStack::Launch(const Options& options) {
  const auto ports = FreePorts(3);
  api_port_ = ports[0];
  s3_port_ = ports[1];
  edge_port_ = ports[2];
  ProcessSpec spec;
  spec.argv = {TcoderBinary().string(),
               "up",
               "--data-dir",
               data_dir().string(),
               "--api-port",
               std::to_string(api_port_),
               "--s3-port",
               std::to_string(s3_port_),
               "--edge-port",
               std::to_string(edge_port_),
               "--max-machines",
               std::to_string(options.max_machines),
               "--log-level",
               "info"};
  spec.argv.insert(spec.argv.end(), options.extra_flags.begin(), options.extra_flags.end());
  spec.env = {{"TCODER_API_KEY", api_key_}};  // a secret: through the environment, not argv
  spec.stdout_mode = StdStream::kPipe;
  spec.stderr_mode = StdStream::kPipe;
  auto child = Subprocess::Spawn(spec);
  if (!child.ok()) return child.status().WithContext("tcoder up");
  up_ = std::make_unique<Subprocess>(std::move(*child));
  stop_reader_ = false;
  reader_done_ = false;
  reader_ = std::thread([this, out = up_->stdout_fd(), err = up_->stderr_fd()] { CollectOutput(out, err); });
  return Status::Ok();
}

// Ready once `up` wrote stack.json (every component answered) and the API accepts.
Status LiveStack::AwaitReady(std::chrono::seconds timeout) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (auto exit = up_->TryWait()) {
      return Unavailable("tcoder up exited during start (" + exit->ToString() + "):\n" + TailOf(Log(), 4000));
    }
    auto text = ReadFile(data_dir() / "stack.json");
    if (text.ok()) {
      auto state = nlohmann::json::parse(*text, nullptr, false);
      if (state.is_object() && state.value("pid", 0) == up_->pid() && WaitForPort(api_port_, 1s)) {
        return Status::Ok();
      }
    }
    std::this_thread::sleep_for(100ms);
  }
  return Unavailable("tcoder up did not answer within " + std::to_string(timeout.count()) + " s:\n" +
                     TailOf(Log(), 4000));
}

// Reads the stack's stdout and stderr into log_ until both close or Stop() asks.
void LiveStack::CollectOutput(int out_fd, int err_fd) {
  pollfd fds[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
  int open = 2;
  char buf[8192];
  while (open > 0 && !stop_reader_) {
    if (::poll(fds, 2, 200) <= 0) continue;
    for (pollfd& p : fds) {
      if (p.fd < 0 || p.revents == 0) continue;
      const ssize_t n = ::read(p.fd, buf, sizeof buf);
      if (n <= 0) {
        p.fd = -1;  // closed: poll ignores it from now on
        --open;
        continue;
      }
      std::lock_guard lock(log_mu_);
      log_.append(buf, static_cast<std::size_t>(n));
      if (log_.size() > kMaxLog) log_.erase(0, log_.size() - kMaxLog);
    }
  }
  reader_done_ = true;
}

std::string LiveStack::Log() const {
  std::lock_guard lock(log_mu_);
  return log_;
}

ExitStatus LiveStack::Stop(std::chrono::seconds grace) {
  ExitStatus status;
  if (up_) status = up_->Terminate(grace);
  if (reader_.joinable()) {
    // Components that outlive `up` for a moment may still hold the pipes: give
    // them a few seconds, then stop reading.
    const auto end = std::chrono::steady_clock::now() + 5s;
    while (std::chrono::steady_clock::now() < end && !reader_done_) std::this_thread::sleep_for(50ms);
    stop_reader_ = true;
    reader_.join();
  }
  up_.reset();
  return status;
}

}  // namespace tcoder::testing
