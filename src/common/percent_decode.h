// Percent-decoding ("%2F" -> "/") for URL paths, queries and user info.
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tcoder {

// Percent-decodes `in`; '+' stays '+'. nullopt on a bad escape (a '%' not
// followed by two hex digits).
std::optional<std::string> PercentDecode(std::string_view in);
// The same, but a bad escape is kept as it is ("%zz" stays "%zz").
std::string PercentDecodeLenient(std::string_view in);

}  // namespace tcoder
