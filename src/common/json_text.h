// JsonText: nlohmann::json serialized for the wire, a file or a log line.
// nlohmann's own dump() throws on a string that is not valid UTF-8 (a path
// segment or a header a client sent, say); this never throws: such bytes come
// out as U+FFFD. Thread-safety: a pure function.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace tcoder {

inline std::string JsonText(const nlohmann::json& value, int indent = -1) {
  return value.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace tcoder
