// ScriptReply: the reply of a state Lua script, an outcome word followed by
// string arguments, and the Status that each refusal outcome means; and the
// one parser of integers that Redis sends back as text.
//
// Outcomes not_found, stale, conflict and invalid become kNotFound, kConflict,
// kConflict and kInvalidArgument; every other outcome is a success that the
// caller interprets. A reply that is not what it should be is kInternal, never
// an exception. Thread-safety: plain values and pure functions.
#pragma once

#include <chrono>
#include <cstdint>
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
  // Argument `i` as an integer; kInternal when absent or not a decimal integer.
  Result<std::int64_t> int_arg(size_t i) const;
};

// A duration as a script argument: whole milliseconds in decimal.
inline std::string MsArg(std::chrono::milliseconds d) { return std::to_string(d.count()); }

// `text` as a whole decimal integer (an optional '-', then digits); kInternal
// naming `what` otherwise (empty, trailing characters, out of range).
Result<std::int64_t> ParseInteger(std::string_view text, std::string_view what);
// Like ParseInteger, but "" (a field never set) is 0.
Result<std::int64_t> ParseIntegerOrZero(std::string_view text, std::string_view what);

// kInternal when `value` is not an array starting with a string.
Result<ScriptReply> ParseScriptReply(const RedisValue& value);
// A state script's call: KEYS = {key}, ARGV = {prefix, args...}.
RedisCall ScriptCall(const LuaScript& script, const std::string& key, const std::string& prefix, const Argv& args);
// Runs a state script with KEYS = {key} and ARGV = {prefix, args...}.
Result<ScriptReply> RunScript(RedisClient& redis, const LuaScript& script, const std::string& key,
                              const std::string& prefix, const Argv& args);
// OK, or the refusal `reply` stands for; `what` names the job or machine.
Status RefusalStatus(const ScriptReply& reply, std::string_view what);

}  // namespace tcoder::state
