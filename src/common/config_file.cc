#include "common/config_file.h"

#include <cctype>
#include <fstream>
#include <sstream>

#include "common/ascii.h"

namespace tcoder {
namespace {

constexpr std::string_view kSpace = " \t\r\n\v\f";

std::string NormalizeName(std::string_view name) {
  std::string out(name);
  for (char& c : out) {
    if (c == '_') c = '-';
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

bool ValidName(std::string_view name) { return IsIdentifier(name, 1, 256, "-_"); }

// Strips a comment and surrounding quotes from a value.
Result<std::string> ParseValue(std::string_view raw, int line_no) {
  raw = Trim(raw, kSpace);
  if (!raw.empty() && (raw.front() == '"' || raw.front() == '\'')) {
    const char q = raw.front();
    const auto close = raw.find(q, 1);
    if (close == std::string_view::npos)
      return InvalidArgument("line " + std::to_string(line_no) + ": unterminated quote");
    const auto rest = Trim(raw.substr(close + 1), kSpace);
    if (!rest.empty() && rest.front() != '#')
      return InvalidArgument("line " + std::to_string(line_no) + ": text after the closing quote");
    return std::string(raw.substr(1, close - 1));
  }
  const auto hash = raw.find(" #");
  if (hash != std::string_view::npos) raw = raw.substr(0, hash);
  return std::string(Trim(raw, kSpace));
}

}  // namespace

Result<ConfigValues> ParseConfigText(std::string_view text, std::string_view command) {
  ConfigValues global, own;
  std::string section;
  std::istringstream in{std::string(text)};
  std::string line_buf;
  for (int line_no = 1; std::getline(in, line_buf); ++line_no) {
    const std::string_view line = Trim(line_buf, kSpace);
    if (line.empty() || line.front() == '#') continue;
    if (line.front() == '[') {
      if (line.back() != ']') return InvalidArgument("line " + std::to_string(line_no) + ": bad section header");
      section = std::string(Trim(line.substr(1, line.size() - 2), kSpace));
      continue;
    }
    const auto eq = line.find('=');
    if (eq == std::string_view::npos)
      return InvalidArgument("line " + std::to_string(line_no) + ": expected name = value");
    const std::string_view name = Trim(line.substr(0, eq), kSpace);
    if (!ValidName(name))
      return InvalidArgument("line " + std::to_string(line_no) + ": bad name '" + std::string(name) + "'");
    auto value = ParseValue(line.substr(eq + 1), line_no);
    if (!value.ok()) return value.status();
    if (section.empty()) {
      global[NormalizeName(name)] = ConfigValue{*value, false};
    } else if (section == command) {
      own[NormalizeName(name)] = ConfigValue{*value, true};
    }
  }
  for (auto& [k, v] : own) global[k] = v;
  return global;
}

Result<ConfigValues> LoadConfigFile(const std::filesystem::path& path, std::string_view command) {
  std::ifstream in(path);
  if (!in) return NotFound("cannot read config file " + path.string());
  std::stringstream ss;
  ss << in.rdbuf();
  auto parsed = ParseConfigText(ss.str(), command);
  if (!parsed.ok()) return parsed.status().WithContext("config file " + path.string());
  return parsed;
}

std::string EnvNameFor(std::string_view flag_name) {
  std::string out = "TCODER_";
  for (char c : flag_name) {
    if (c == '-') c = '_';
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

}  // namespace tcoder
