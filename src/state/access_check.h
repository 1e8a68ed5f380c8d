// CheckAccess: what a component runs once at start, so a Redis it cannot use
// stops it with one clear line instead of a warning on every tick: PING, then
// a script loaded and run (EVALSHA) that reads a key under the deployment's
// prefix. Connecting has already authenticated (a bad user or password fails
// there, kUnauthenticated). Errors: kPermissionDenied (an ACL user without a
// command or the prefix's keys: NOPERM, which calls after start report as
// kInternal), kUnavailable, Redis's own error; each names
// docs/operations.md, which has the ACL line tcoder needs. A server still
// loading its dataset (LOADING) is waited for, up to `loading_patience`.
#pragma once

#include <chrono>

#include "common/status.h"
#include "state/keys.h"
#include "state/redis_client.h"

namespace tcoder::state {

Status CheckAccess(RedisClient& redis, const Keys& keys,
                   std::chrono::milliseconds loading_patience = std::chrono::minutes(10));

}  // namespace tcoder::state
