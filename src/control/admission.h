// Admitter: runs admission whenever jobs may be waiting (Kick: an upload
// ingested, a job requeued, a machine gone) and at least every idle_tick: asks
// the pool (state::MachinePool::Admit, one atomic decision across control
// planes) and carries out each start or create through the provider,
// rate-limited by a token bucket. Machines that have not come up (running or
// idle) within the boot timeout are destroyed and replaced; the pool is read
// for that when a machine this admitter started reaches its boot deadline, and
// once per idle timeout for machines another plane started.
// Thread-safety: Kick may be called from any thread; one loop thread.
#pragma once

#include <atomic>
#include <chrono>

#include "common/background_loop.h"
#include "control/machine_provider.h"
#include "control/metrics.h"
#include "control/options.h"
#include "control/token_bucket.h"
#include "state/keys.h"
#include "state/redis_pool.h"

namespace tcoder::control {

class Admitter {
 public:
  Admitter(state::RedisPool& redis, state::Keys keys, MachineProvider& provider, const ControlOptions& options,
           Metrics& metrics);
  ~Admitter();  // Stop()
  void Start();
  void Stop();
  void Kick();

  // One round: boot deadlines, then admission decisions until the pool says
  // there is enough supply or no room. Returns the provider calls made.
  Result<int> RunOnce();

 private:
  using Clock = std::chrono::steady_clock;
  void Step();
  Result<int> Round(bool check_boots);
  Status CheckBoots(state::RedisClient& redis);
  bool WaitForToken();

  state::RedisPool& redis_;
  state::Keys keys_;
  MachineProvider& provider_;
  ControlOptions options_;
  Metrics& metrics_;
  TokenBucket bucket_;
  std::atomic<bool> kicked_{false};
  Clock::time_point next_round_{};  // the loop thread's: the idle_tick round
  Clock::time_point boot_check_{};  // the loop thread's: a started machine's boot deadline
  Clock::time_point boot_sweep_{};  // the loop thread's: the next look at every machine's boot
  BackgroundLoop loop_;
};

}  // namespace tcoder::control
