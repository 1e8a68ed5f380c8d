// The optional config file: `name = value` lines, read after flags and
// TCODER_* environment variables (the lowest precedence but built-in defaults).
//
// Names are flag names without the leading dashes ("redis-url"; "redis_url"
// is accepted too). '#' starts a comment; values may be quoted with " or '.
// An optional `[command]` header scopes the lines below it to one command;
// lines before any header apply to every command. Pure functions, thread-safe.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>

#include "common/status.h"

namespace tcoder {

// One setting of the file for a command.
struct ConfigValue {
  std::string value;
  bool scoped = false;  // from the command's own [section] (else a global line)
};

// name -> value for `command`: global lines, overridden by its own section.
// A global line names settings of any command, so a command ignores the ones
// it does not have; a line in its own section must be one of its settings.
using ConfigValues = std::map<std::string, ConfigValue>;

Result<ConfigValues> ParseConfigText(std::string_view text, std::string_view command);
Result<ConfigValues> LoadConfigFile(const std::filesystem::path& path, std::string_view command);

// "redis-url" -> "TCODER_REDIS_URL".
std::string EnvNameFor(std::string_view flag_name);

}  // namespace tcoder
