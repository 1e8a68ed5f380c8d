#include "cli/supervisor.h"

#include <algorithm>
#include <thread>

#include "common/log.h"
#include "common/net_util.h"

namespace tcoder::cli {
namespace {

using namespace std::chrono_literals;

long long Millis(std::chrono::milliseconds d) { return static_cast<long long>(d.count()); }

}  // namespace

struct Supervisor::Component {
  enum class State { kStarting, kRunning, kWaiting };
  ComponentSpec spec;
  State state = State::kWaiting;
  std::unique_ptr<Subprocess> process;
  Clock::time_point started;  // when the current process was spawned
  Clock::time_point due;      // kWaiting: when to start again; kStarting: when to give up
  std::chrono::milliseconds backoff{0};
  std::deque<Clock::time_point> failures;  // within the policy's window
  int restarts = 0;
};

Supervisor::Supervisor(std::vector<ComponentSpec> specs, SupervisorPolicy policy) : policy_(policy) {
  for (ComponentSpec& s : specs) {
    auto c = std::make_unique<Component>();
    c->spec = std::move(s);
    components_.push_back(std::move(c));
  }
}

Supervisor::~Supervisor() { StopAll(); }

Status Supervisor::Spawn(Component& c) {
  if (PortAccepts("127.0.0.1", c.spec.port)) {
    return Conflict(c.spec.name + ": port " + std::to_string(c.spec.port) + " is already in use");
  }
  auto child = Subprocess::Spawn(c.spec.process);
  if (!child.ok()) return child.status().WithContext(c.spec.name);
  c.process = std::make_unique<Subprocess>(std::move(*child));
  c.started = Clock::now();
  c.due = c.started + policy_.start_timeout;
  c.state = Component::State::kStarting;
  return Status::Ok();
}

Status Supervisor::StartAll() {
  for (auto& c : components_) {
    Status s = Spawn(*c);
    while (s.ok() && c->state == Component::State::kStarting) {
      if (PortAccepts("127.0.0.1", c->spec.port)) {
        c->state = Component::State::kRunning;
      } else if (auto exit = c->process->TryWait()) {
        s = Unavailable(c->spec.name + " exited during start (" + exit->ToString() + ")");
      } else if (Clock::now() > c->due) {
        s = Unavailable(c->spec.name + " did not answer on port " + std::to_string(c->spec.port) + " within " +
                        std::to_string(Millis(policy_.start_timeout) / 1000) + " s");
      } else {
        std::this_thread::sleep_for(50ms);
      }
    }
    if (!s.ok()) {
      StopAll();
      return s;
    }
    log::Info("component up", {{"component", c->spec.name}, {"port", c->spec.port}, {"pid", c->process->pid()}});
  }
  return Status::Ok();
}

// Counts one failure and schedules the restart; an error once there were too many.
Status Supervisor::RecordFailure(Component& c, Clock::time_point now, const std::string& reason) {
  if (c.process) {
    c.process->Terminate(std::chrono::milliseconds(2000));
    c.process.reset();
  }
  changed_ = true;
  c.failures.push_back(now);
  while (!c.failures.empty() && now - c.failures.front() > policy_.failure_window) c.failures.pop_front();
  if (static_cast<int>(c.failures.size()) >= policy_.max_failures) {
    return Unavailable(c.spec.name + " failed " + std::to_string(c.failures.size()) + " times within " +
                       std::to_string(Millis(policy_.failure_window) / 1000) + " s (last: " + reason + ")");
  }
  const bool was_healthy = c.state == Component::State::kRunning && now - c.started >= policy_.healthy_after;
  c.backoff =
      (was_healthy || c.backoff.count() == 0) ? policy_.first_backoff : std::min(c.backoff * 2, policy_.max_backoff);
  c.state = Component::State::kWaiting;
  c.due = now + c.backoff;
  log::Warn(
      "restarting component",
      {{"component", c.spec.name}, {"reason", reason}, {"in_ms", Millis(c.backoff)}, {"failures", c.failures.size()}});
  return Status::Ok();
}

Status Supervisor::Tick(Clock::time_point now) {
  for (auto& owned : components_) {
    Component& c = *owned;
    Status s;
    if (c.state != Component::State::kWaiting) {
      if (auto exit = c.process->TryWait()) {
        log::Error("component exited", {{"component", c.spec.name}, {"exit", exit->ToString()}});
        s = RecordFailure(c, now, "exited with " + exit->ToString());
      } else if (c.state == Component::State::kStarting) {
        if (PortAccepts("127.0.0.1", c.spec.port)) {
          c.state = Component::State::kRunning;
          ++c.restarts;
          changed_ = true;
          log::Info("restarted", {{"component", c.spec.name}, {"pid", c.process->pid()}, {"restarts", c.restarts}});
        } else if (now > c.due) {
          s = RecordFailure(c, now, "no answer on port " + std::to_string(c.spec.port));
        }
      }
    } else if (now >= c.due) {
      if (Status spawned = Spawn(c); !spawned.ok()) s = RecordFailure(c, now, spawned.message());
    }
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

bool Supervisor::TakeChanged() { return std::exchange(changed_, false); }

nlohmann::json Supervisor::Describe() const {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& c : components_) {
    const char* state = c->state == Component::State::kRunning    ? "running"
                        : c->state == Component::State::kStarting ? "starting"
                                                                  : "restarting";
    out[c->spec.name] = {{"pid", c->process ? c->process->pid() : 0},
                         {"port", c->spec.port},
                         {"state", state},
                         {"restarts", c->restarts}};
  }
  return out;
}

void Supervisor::StopAll() {
  for (auto it = components_.rbegin(); it != components_.rend(); ++it) {
    Component& c = **it;
    if (!c.process) continue;
    const ExitStatus status = c.process->Terminate(c.spec.stop_grace);
    log::Info("stopped", {{"component", c.spec.name}, {"exit", status.ToString()}});
    c.process.reset();
    c.state = Component::State::kWaiting;
  }
}

}  // namespace tcoder::cli
