// ClusterStack: tcoder on a NetnsCluster, one component per host as in a
// real deployment: `redis` (redis-server, AOF on), `storage` (the built-in
// store, its events into Redis), `control1`/`control2` (two control planes,
// no machines of their own), `edge`, and `worker1`..`workerN` (hand-started
// `tcoder worker`s pointed at the others by address, with a short lease so
// that faults play out in seconds). Every component reads one set of secrets.
//
// The test talks to the hosts from the harness namespace: Submit uploads a
// clip through a control plane's presigned URL; Job asks whichever control
// plane answers. Thread-safety: one thread.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cluster/netns_cluster.h"
#include "common/secrets.h"
#include "common/temp_dir.h"
#include "control_support.h"
#include "storage/s3_client.h"

namespace tcoder::testing {

struct ClusterOptions {
  int workers = 3;
  std::chrono::seconds lease{6};
};

class ClusterStack {
 public:
  // kUnavailable when namespaces cannot be had (the caller skips).
  [[nodiscard]] static Result<std::unique_ptr<ClusterStack>> Start(const ClusterOptions& options = {});
  ~ClusterStack();

  NetnsCluster& net() { return *net_; }
  std::string api(int control) const;  // control: 1 or 2
  std::vector<std::string> auth() const { return {"Authorization: Bearer " + secrets_.api_key}; }
  const Secrets& secrets() const { return secrets_; }
  std::string s3_endpoint() const;
  std::string redis_url() const;

  // A new job for `clip` (POST /api/upload then the PUT) through `control`.
  [[nodiscard]] Result<std::string> Submit(const std::filesystem::path& clip, const nlohmann::json& options,
                                           int control = 1);
  // The job as a control plane that answers has it; null when none does.
  nlohmann::json Job(const std::string& id);
  // Polls until the job's status is one of `statuses` (up to `timeout`); the last record.
  nlohmann::json WaitFor(const std::string& id, const std::vector<std::string>& statuses, std::chrono::seconds timeout);

  // An S3 client of the storage host (from the harness).
  std::unique_ptr<storage::S3Client> S3() const;
  // The worker host running `machine_id` ("worker2"), from the workers' logs.
  std::string HostOf(const std::string& machine_id);
  // SIGKILL and start again (a host that reboots keeps its disk).
  void KillComponent(const std::string& host);
  void StartComponent(const std::string& host);
  LoggedProcess* component(const std::string& host);

 private:
  ClusterStack() = default;
  std::vector<std::string> Argv(const std::string& host) const;

  std::unique_ptr<NetnsCluster> net_;
  ClusterOptions options_;
  std::optional<TempDir> dir_;
  Secrets secrets_;
  std::map<std::string, std::unique_ptr<LoggedProcess>> procs_;
};

// True when something accepts TCP connections on address:port within `timeout`.
bool WaitForAddress(const std::string& address, int port, std::chrono::milliseconds timeout);

}  // namespace tcoder::testing
