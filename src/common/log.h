// Structured logging: one JSON object per line on stderr.
//
// Each line carries "ts" (UTC, milliseconds), "level", "component", "msg" and
// the caller's fields. Init() once per process; before it, lines go out at
// info level with component "tcoder". Thread-safe (spdlog's locked sink).
// Never pass secrets (keys, tokens, signatures) as fields.
#pragma once

#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "common/status.h"

namespace tcoder::log {

enum class Level { kDebug = 0, kInfo, kWarn, kError, kOff };

// level: debug | info | warn | error | off.
Status Init(std::string_view component, std::string_view level);
Result<Level> ParseLevel(std::string_view name);
bool Enabled(Level level);

void Write(Level level, std::string_view msg, const nlohmann::json* fields);

void Debug(std::string_view msg);
void Debug(std::string_view msg, const nlohmann::json& fields);
void Info(std::string_view msg);
void Info(std::string_view msg, const nlohmann::json& fields);
void Warn(std::string_view msg);
void Warn(std::string_view msg, const nlohmann::json& fields);
void Error(std::string_view msg);
void Error(std::string_view msg, const nlohmann::json& fields);

}  // namespace tcoder::log
