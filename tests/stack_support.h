// LiveStack: the whole stack as a user runs it — `tcoder up` of this build —
// in a private temporary data dir, on free loopback ports, with a known API
// key, for end-to-end tests of the clients (CLI, web page, SDK).
//
// Start() returns once every component answers; the destructor stops the
// stack (SIGTERM, then SIGKILL after a grace period). The stack's output
// (every component's log) is kept and can be read with Log().
// For tests only; one owner, one thread.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/process.h"
#include "common/status.h"
#include "common/temp_dir.h"

namespace tcoder::testing {

class LiveStack {
 public:
  struct Options {
    int max_machines = 2;
    std::chrono::seconds start_timeout{120};
    std::vector<std::string> extra_flags;  // more `tcoder up` flags
  };
  // Starts `tcoder up` and waits until it has written stack.json and its API
  // port accepts. Errors name the cause and carry the end of the stack's log.
  static Result<std::unique_ptr<LiveStack>> Start(const Options& options);
  static Result<std::unique_ptr<LiveStack>> Start() { return Start(Options{}); }
  ~LiveStack();
  LiveStack(const LiveStack&) = delete;
  LiveStack& operator=(const LiveStack&) = delete;

  std::string api_url() const { return Url(api_port_); }
  std::string edge_url() const { return Url(edge_port_); }
  std::string s3_url() const { return Url(s3_port_); }
  const std::string& api_key() const { return api_key_; }
  std::filesystem::path data_dir() const { return dir_.path() / "data"; }
  // Scratch space for the test's own files (clips, outputs); removed with the stack.
  std::filesystem::path work_dir() const { return dir_.path() / "work"; }
  // What a client command needs to reach this stack: --server, --api-key, --data-dir.
  std::vector<std::string> ClientFlags() const;

  // Everything the stack printed so far (its last few MiB).
  std::string Log() const;
  // SIGTERM, wait up to `grace`, then SIGKILL. Returns how it ended.
  ExitStatus Stop(std::chrono::seconds grace = std::chrono::seconds(60));

 private:
  explicit LiveStack(TempDir dir) : dir_(std::move(dir)) {}
  static std::string Url(int port) { return "http://127.0.0.1:" + std::to_string(port); }
  Status Launch(const Options& options);
  Status AwaitReady(std::chrono::seconds timeout);
  void CollectOutput(int out_fd, int err_fd);

  TempDir dir_;
  std::string api_key_;
  int api_port_ = -1;
  int s3_port_ = -1;
  int edge_port_ = -1;
  std::unique_ptr<Subprocess> up_;
  mutable std::mutex log_mu_;
  std::string log_;
  std::atomic<bool> stop_reader_{false};
  std::atomic<bool> reader_done_{false};
  std::thread reader_;
};

}  // namespace tcoder::testing
