// Admitter: runs admission whenever jobs may be waiting (Kick) and at least
// once a tick: asks the pool (state::MachinePool::Admit, one atomic decision
// across control planes) and carries out each start or create through the
// provider, rate-limited by a token bucket. Machines that have not come up
// (running or idle) within the boot timeout are destroyed and replaced.
// Thread-safety: Kick may be called from any thread; one loop thread.
#pragma once

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
  void Step();
  Status CheckBoots(state::RedisClient& redis);
  bool WaitForToken();

  state::RedisPool& redis_;
  state::Keys keys_;
  MachineProvider& provider_;
  ControlOptions options_;
  Metrics& metrics_;
  TokenBucket bucket_;
  BackgroundLoop loop_;
};

}  // namespace tcoder::control
