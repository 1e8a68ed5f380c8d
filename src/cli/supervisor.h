// Supervisor: the child processes behind `tcoder up`, started in order and
// kept running. A component that exits (or never answers on its port) is
// logged and restarted after a backoff that starts at 1 s and doubles up to
// 30 s, back to 1 s once it has stayed up for a minute. The others keep
// running meanwhile. The supervisor gives up only when one component has
// failed `max_failures` times within `failure_window`, and says which and why.
//
// Foreground and detached stacks run the same loop (see RunStack).
// Thread-safety: one thread drives a Supervisor; it must also be the thread
// that lives as long as the children (they die with it, see ProcessSpec).
#pragma once

#include <chrono>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/process.h"
#include "common/status.h"

namespace tcoder::cli {

struct ComponentSpec {
  std::string name;
  ProcessSpec process;
  int port = 0;  // it is up once 127.0.0.1:port accepts
  std::chrono::milliseconds stop_grace{10'000};
};

struct SupervisorPolicy {
  int max_failures = 5;
  std::chrono::milliseconds failure_window{120'000};
  std::chrono::milliseconds first_backoff{1'000};
  std::chrono::milliseconds max_backoff{30'000};
  std::chrono::milliseconds healthy_after{60'000};  // up this long: the backoff starts over
  std::chrono::milliseconds start_timeout{60'000};  // to answer on its port
};

class Supervisor {
 public:
  using Clock = std::chrono::steady_clock;

  explicit Supervisor(std::vector<ComponentSpec> specs, SupervisorPolicy policy = {});
  ~Supervisor();  // stops whatever still runs
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  // Starts each component in order, waiting until it answers. A component that
  // cannot start (its port taken, exits, or stays silent) stops the ones
  // already started, and the error names it.
  [[nodiscard]] Status StartAll();

  // One supervision step at `now`: notices exits and silent starts, starts the
  // restarts that are due. An error means a component failed too often; the
  // caller stops the stack.
  [[nodiscard]] Status Tick(Clock::time_point now);

  // True once since the set of running processes changed (a restart).
  bool TakeChanged();
  // {"<name>": {"pid", "port", "state", "restarts"}} for stack.json.
  nlohmann::json Describe() const;

  // Stops every component in reverse order (SIGTERM, then SIGKILL after its grace).
  void StopAll();

 private:
  struct Component;
  Status Spawn(Component& c);
  Status RecordFailure(Component& c, Clock::time_point now, const std::string& reason);

  std::vector<std::unique_ptr<Component>> components_;
  SupervisorPolicy policy_;
  bool changed_ = false;
};

}  // namespace tcoder::cli
