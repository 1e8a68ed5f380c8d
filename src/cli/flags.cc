#include "cli/flags.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <vector>

#include "common/config_file.h"
#include "common/log.h"

namespace tcoder::cli {
namespace {

// The value of `--name X` or `--name=X` in argv, if present.
std::optional<std::string> FindArg(const std::vector<std::string>& args, const std::string& name) {
  const std::string flag = "--" + name;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--") break;
    if (args[i] == flag) return i + 1 < args.size() ? args[i + 1] : std::string();
    if (args[i].starts_with(flag + "=")) return args[i].substr(flag.size() + 1);
  }
  return std::nullopt;
}

bool HasEnv(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  return v != nullptr;
}

std::string FromArgEnvOr(const std::vector<std::string>& args, const std::string& name, std::string fallback) {
  if (auto v = FindArg(args, name)) return *v;
  if (const char* v = std::getenv(EnvNameFor(name).c_str())) return v;
  return fallback;
}

}  // namespace

FlagSet::FlagSet(std::string command, std::string description)
    : command_(std::move(command)), app_(std::move(description), "tcoder " + command_) {
  app_.set_help_flag("-h,--help", "Print this help and exit");
  app_.get_formatter()->column_width(34);
  Add("data-dir", common_.data_dir, "Where state, secrets and the embedded stack's data live");
  Add("log-level", common_.log_level, "debug, info, warn, error or off");
  Add("config", common_.config, "Config file of `name = value` lines (default: <data-dir>/tcoder.conf)");
}

CLI::Option* FlagSet::Bind(CLI::Option* opt, const std::string& name) { return opt->envname(EnvNameFor(name)); }

CLI::Option* FlagSet::AddFlag(const std::string& name, bool& target, const std::string& help) {
  bool_flags_.insert(name);
  return Bind(app_.add_flag("--" + name, target, help), name);
}

std::optional<int> FlagSet::Parse(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);

  // The config file fills in what neither the command line nor the
  // environment set.
  std::string config = FromArgEnvOr(args, "config", "");
  const bool explicit_config = !config.empty();
  if (!explicit_config)
    config = (std::filesystem::path(FromArgEnvOr(args, "data-dir", common_.data_dir)) / "tcoder.conf").string();
  if (explicit_config || std::filesystem::exists(config)) {
    auto values = LoadConfigFile(config, command_);
    if (!values.ok()) {
      std::cerr << "tcoder " << command_ << ": " << values.status().message() << "\n";
      return 2;
    }
    for (const auto& [name, entry] : *values) {
      if (name == "config") continue;
      const std::string& value = entry.value;
      CLI::Option* opt = app_.get_option_no_throw("--" + name);
      if (opt == nullptr) {
        if (!entry.scoped) continue;  // a global setting for other commands
        std::cerr << "tcoder " << command_ << ": config file " << config << ": unknown setting '" << name << "' in ["
                  << command_ << "] (see tcoder " << command_ << " --help)\n";
        return 2;
      }
      if (FindArg(args, name) || HasEnv(opt->get_envname())) continue;
      if (bool_flags_.count(name)) {
        if (value == "true" || value == "1" || value == "yes") args.insert(args.begin(), "--" + name);
      } else {
        args.insert(args.begin(), "--" + name + "=" + value);
      }
    }
  }

  try {
    std::reverse(args.begin(), args.end());  // CLI11 takes the arguments reversed
    app_.parse(args);
  } catch (const CLI::ParseError& e) {
    const int code = app_.exit(e);  // prints the help or the error
    return code == 0 ? 0 : 2;
  }
  if (Status s = log::Init(command_, common_.log_level); !s.ok()) {
    std::cerr << "tcoder " << command_ << ": " << s.message() << "\n";
    return 2;
  }
  return std::nullopt;
}

}  // namespace tcoder::cli
