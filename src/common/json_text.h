// JsonText: nlohmann::json serialized for the wire, a file or a log line.
// nlohmann's own dump() throws on a string that is not valid UTF-8 (a path
// segment or a header a client sent, say); this never throws: such bytes come
// out as U+FFFD. JsonTime and JsonOrNull are the API's renderings of an
// optional time and an optional string. Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "common/duration.h"

namespace tcoder {

inline std::string JsonText(const nlohmann::json& value, int indent = -1) {
  return value.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Unix milliseconds as an ISO-8601 string; null for 0 (never set).
inline nlohmann::json JsonTime(std::int64_t unix_ms) {
  return unix_ms > 0 ? nlohmann::json(IsoTimestamp(unix_ms)) : nlohmann::json(nullptr);
}

// null for an empty string.
inline nlohmann::json JsonOrNull(const std::string& s) {
  return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s);
}

}  // namespace tcoder
