// TokenBucket: at most `rate` operations a second on average, bursts up to
// `burst`. Used to keep machine-provider calls under the provider's limits.
//
// Thread-safety: every method is thread-safe.
#pragma once

#include <chrono>
#include <mutex>

namespace tcoder::control {

class TokenBucket {
 public:
  using Clock = std::chrono::steady_clock;
  TokenBucket(double rate, int burst);
  // Takes a token if one is there; else how long until one will be.
  bool TryTake(std::chrono::milliseconds* wait = nullptr);
  // Same, at time `now` (for tests).
  bool TryTakeAt(Clock::time_point now, std::chrono::milliseconds* wait = nullptr);

 private:
  std::mutex mu_;
  double rate_;
  double burst_;
  double tokens_;
  Clock::time_point last_;
};

}  // namespace tcoder::control
