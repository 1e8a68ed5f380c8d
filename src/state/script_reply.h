// ScriptReply: the reply of a state Lua script, an outcome word followed by
// string arguments, and the Status that each refusal outcome means.
//
// Outcomes not_found, stale, conflict and invalid become kNotFound, kConflict,
// kConflict and kInvalidArgument; every other outcome is a success that the
// caller interprets. Thread-safety: plain values and pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "state/redis_client.h"

namespace tcoder::state {

struct ScriptReply {
  std::string outcome;
  std::vector<std::string> args;           // integers rendered in decimal
  const std::string& arg(size_t i) const;  // "" when absent
};

// kInternal when `value` is not an array starting with a string.
Result<ScriptReply> ParseScriptReply(const RedisValue& value);
// Runs a state script with KEYS = {key} and ARGV = {prefix, args...}.
Result<ScriptReply> RunScript(RedisClient& redis, const LuaScript& script, const std::string& key,
                              const std::string& prefix, const Argv& args);
// OK, or the refusal `reply` stands for; `what` names the job or machine.
Status RefusalStatus(const ScriptReply& reply, std::string_view what);

}  // namespace tcoder::state
