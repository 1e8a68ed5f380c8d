// StateProbe: raw reads of the Redis model, for tests that check what was
// written beyond what state/'s operations expose (a hash field no operation
// returns, or that a refused request wrote no key at all). It sends commands
// itself, as only the state module and its tests may.
// For tests only; it uses the caller's client, from one thread.
#pragma once

#include <string>

#include "state/redis_client.h"

namespace tcoder::testing {

class StateProbe {
 public:
  explicit StateProbe(state::RedisClient& redis) : redis_(redis) {}

  // How many keys match `pattern` (KEYS: a test's private Redis is small); -1 on an error.
  long long CountKeys(const std::string& pattern) {
    auto r = redis_.Command({"KEYS", pattern});
    return r.ok() ? static_cast<long long>(r->elements.size()) : -1;
  }
  // One field of the hash at `key`; "" when absent or on an error.
  std::string Field(const std::string& key, const std::string& field) {
    auto r = redis_.Command({"HGET", key, field});
    return r.ok() ? r->str : "";
  }

 private:
  state::RedisClient& redis_;
};

}  // namespace tcoder::testing
