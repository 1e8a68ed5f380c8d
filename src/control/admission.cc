#include "control/admission.h"

#include <algorithm>

#include "common/duration.h"
#include "common/log.h"
#include "state/machine_pool.h"

namespace tcoder::control {

Admitter::Admitter(state::RedisPool& redis, state::Keys keys, MachineProvider& provider, const ControlOptions& options,
                   Metrics& metrics)
    : redis_(redis),
      keys_(std::move(keys)),
      provider_(provider),
      options_(options),
      metrics_(metrics),
      bucket_(options.provider_rate, options.provider_burst),
      loop_(options.tick, [this] { Step(); }) {}

Admitter::~Admitter() { Stop(); }

void Admitter::Start() { loop_.Start(); }
void Admitter::Stop() { loop_.Stop(); }
void Admitter::Kick() {
  kicked_.store(true);
  loop_.Kick();
}

void Admitter::Step() {
  const auto now = Clock::now();
  // Boots are read (every machine) at this plane's own boot deadlines, and
  // for any other plane's machine stuck starting once per idle timeout.
  const bool boots = now >= boot_check_ || now >= boot_sweep_;
  if (!kicked_.exchange(false) && !boots && now < next_round_) return;  // nothing can have changed: no command
  if (now >= next_round_) next_round_ = now + std::max(options_.idle_tick, options_.tick);
  if (now >= boot_sweep_) boot_sweep_ = now + std::max({options_.idle_tick, options_.idle_timeout, options_.tick});
  if (boots) boot_check_ = Clock::time_point::max();
  auto r = Round(boots);
  if (!r.ok()) {
    log::Warn("admission failed", {{"error", r.status().ToString()}});
    kicked_.store(true);  // again on the next tick
  }
}

bool Admitter::WaitForToken() {
  std::chrono::milliseconds wait{0};
  while (!bucket_.TryTake(&wait)) {
    if (!loop_.SleepFor(wait)) return false;
  }
  return true;
}

Status Admitter::CheckBoots(state::RedisClient& redis) {
  state::MachinePool pool(redis, keys_);
  auto machines = pool.List();
  if (!machines.ok()) return machines.status();
  const std::int64_t deadline = UnixMillis() - options_.boot_timeout.count();
  for (const state::Machine& m : *machines) {
    if (m.state != "starting" || m.last_active_at_ms > deadline) continue;
    log::Warn("machine did not come up in time; replacing it", {{"machineId", m.id}});
    Status d = provider_.Destroy(m.id);
    if (d.ok()) metrics_.machines_destroyed++;
    if (!d.ok() && d.code() != Code::kNotFound) return d;
    if (Status f = pool.Forget(m.id); !f.ok() && f.code() != Code::kNotFound) return f;
  }
  return Status::Ok();
}

Result<int> Admitter::RunOnce() { return Round(true); }

Result<int> Admitter::Round(bool check_boots) {
  auto redis = redis_.Acquire();
  if (!redis.ok()) return redis.status();
  if (check_boots) {
    if (Status s = CheckBoots(**redis); !s.ok()) return s;
  }
  state::MachinePool pool(**redis, keys_);
  int calls = 0;
  for (int i = 0; i <= options_.max_machines; ++i) {
    if (!WaitForToken()) break;
    auto admission = pool.Admit(options_.max_machines, provider_.scope());
    if (!admission.ok()) return admission.status();
    using D = state::Admission::Decision;
    if (admission->decision == D::kIdleAvailable || admission->decision == D::kWait) break;
    const std::string& id = admission->machine_id;
    ++calls;
    boot_check_ = std::min(boot_check_, Clock::now() + options_.boot_timeout + options_.tick);
    if (admission->decision == D::kStart) {
      log::Info("starting stopped machine", {{"machineId", id}});
      Status s = provider_.Start(id);
      metrics_.machines_started++;
      if (!s.ok()) {
        log::Warn("machine start failed", {{"machineId", id}, {"error", s.ToString()}});
        (void)pool.SetState(id, state::MachineState::kStopped);
        return s;
      }
    } else {
      log::Info("creating machine", {{"machineId", id}});
      Status s = provider_.Create(id);
      metrics_.machines_created++;
      if (!s.ok()) {
        log::Warn("machine create failed", {{"machineId", id}, {"error", s.ToString()}});
        (void)pool.Forget(id);
        return s;
      }
    }
  }
  return calls;
}

}  // namespace tcoder::control
