#include "state/script_reply.h"

#include <charconv>

namespace tcoder::state {

const std::string& ScriptReply::arg(size_t i) const {
  static const std::string kEmpty;
  return i < args.size() ? args[i] : kEmpty;
}

Result<std::int64_t> ScriptReply::int_arg(size_t i) const {
  if (i >= args.size()) return Internal("state script " + outcome + ": reply has no argument " + std::to_string(i));
  return ParseInteger(args[i], "state script " + outcome + " argument " + std::to_string(i));
}

Result<std::int64_t> ParseInteger(std::string_view text, std::string_view what) {
  std::int64_t value = 0;
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || p != end) {
    return Internal(std::string(what) + ": not an integer: \"" + std::string(text.substr(0, 40)) + "\"");
  }
  return value;
}

Result<std::int64_t> ParseIntegerOrZero(std::string_view text, std::string_view what) {
  if (text.empty()) return std::int64_t{0};
  return ParseInteger(text, what);
}

Result<ScriptReply> ParseScriptReply(const RedisValue& value) {
  if (!value.is_array() || value.elements.empty() || value.elements[0].type != RedisValue::Type::kString) {
    return Internal("state script: malformed reply");
  }
  ScriptReply reply;
  reply.outcome = value.elements[0].str;
  for (size_t i = 1; i < value.elements.size(); ++i) {
    const RedisValue& e = value.elements[i];
    reply.args.push_back(e.type == RedisValue::Type::kInteger ? std::to_string(e.integer) : e.str);
  }
  return reply;
}

RedisCall ScriptCall(const LuaScript& script, const std::string& key, const std::string& prefix, const Argv& args) {
  RedisCall call{&script, {key, prefix}, 1};
  call.argv.insert(call.argv.end(), args.begin(), args.end());
  return call;
}

Result<ScriptReply> RunScript(RedisClient& redis, const LuaScript& script, const std::string& key,
                              const std::string& prefix, const Argv& args) {
  Argv full;
  full.reserve(args.size() + 1);
  full.push_back(prefix);
  for (const std::string& a : args) full.push_back(a);
  auto value = redis.Eval(script, {key}, full);
  if (!value.ok()) return value.status();
  return ParseScriptReply(*value);
}

Status RefusalStatus(const ScriptReply& reply, std::string_view what) {
  const std::string subject(what);
  if (reply.outcome == "not_found") return NotFound(subject + ": not found");
  if (reply.outcome == "stale") {
    return Conflict(subject + ": stale fencing token (the lease is no longer held; job is " + reply.arg(0) + ")");
  }
  if (reply.outcome == "conflict") return Conflict(subject + ": " + reply.arg(0));
  if (reply.outcome == "invalid") return InvalidArgument(subject + ": " + reply.arg(0));
  return Status::Ok();
}

}  // namespace tcoder::state
