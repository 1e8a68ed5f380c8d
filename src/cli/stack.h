// The embedded stack behind `tcoder up`: a private redis-server (unless a
// Redis URL is given), the built-in S3 server, the edge and the control plane
// (which starts the workers), supervised as child processes of one process.
//
// RunStack() holds <data-dir>/up.lock while it runs, writes <data-dir>/stack.json
// once every component answers (and again with the new pid after a restart),
// restarts a component that dies (see Supervisor for the backoff and when it
// gives up), and stops them in reverse order on SIGINT/SIGTERM, the same way in
// the foreground and with --detach. Thread-safety: one thread.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "common/secrets.h"
#include "common/status.h"

namespace tcoder::cli {

struct StackOptions {
  std::filesystem::path data_dir;  // absolute
  std::string log_level = "info";
  int api_port = 8787;
  int s3_port = 9000;
  int edge_port = 8788;
  std::string redis_url;  // empty: a private redis-server under the data dir
  int max_machines = 2;
  std::string idle_timeout = "5m";
  Secrets secrets;  // the effective ones (data dir's, with flags on top)
};

// Runs the stack in the foreground until a signal asks it to stop.
// Returns the process exit code.
int RunStack(const StackOptions& options);

// The running stack's description from <data-dir>/stack.json, or nullopt.
std::optional<nlohmann::json> ReadStackState(const std::filesystem::path& data_dir);
// True while some process holds <data-dir>/up.lock.
bool StackRunning(const std::filesystem::path& data_dir);
// The lines `up` prints once the stack answers.
std::string StackBanner(const nlohmann::json& state, const std::string& api_key);

}  // namespace tcoder::cli
