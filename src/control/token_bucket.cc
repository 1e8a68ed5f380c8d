#include "control/token_bucket.h"

#include <algorithm>
#include <cmath>

namespace tcoder::control {

TokenBucket::TokenBucket(double rate, int burst)
    : rate_(std::max(rate, 0.001)), burst_(std::max(burst, 1)), tokens_(burst_), last_(Clock::now()) {}

bool TokenBucket::TryTake(std::chrono::milliseconds* wait) { return TryTakeAt(Clock::now(), wait); }

bool TokenBucket::TryTakeAt(Clock::time_point now, std::chrono::milliseconds* wait) {
  std::lock_guard lock(mu_);
  if (now > last_) {
    double elapsed = std::chrono::duration<double>(now - last_).count();
    tokens_ = std::min(burst_, tokens_ + elapsed * rate_);
    last_ = now;
  }
  if (tokens_ >= 1.0) {
    tokens_ -= 1.0;
    return true;
  }
  if (wait != nullptr) *wait = std::chrono::milliseconds(static_cast<long>(std::ceil((1.0 - tokens_) / rate_ * 1000)));
  return false;
}

}  // namespace tcoder::control
