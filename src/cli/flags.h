// FlagSet: one command's flags, each read from the command line, then its
// TCODER_* environment variable, then the config file, then its default.
//
// Every command has --data-dir, --log-level and --config (TCODER_CONFIG).
// Without --config, `<data-dir>/tcoder.conf` is read if it exists. Parse()
// prints help or a clear error itself. Thread-safety: one thread.
#pragma once

#include <optional>
#include <set>
#include <string>

#include <CLI/CLI.hpp>

#include "common/duration.h"

namespace tcoder::cli {

struct CommonFlags {
  std::string data_dir = "./.tcoder";
  std::string log_level = "info";
  std::string config;
};

class FlagSet {
 public:
  // `command` is the subcommand's name ("control"), used for --help and for
  // the config file's [command] section.
  FlagSet(std::string command, std::string description);

  CLI::App& app() { return app_; }
  const CommonFlags& common() const { return common_; }

  // `name` is the long flag without dashes ("redis-url"); its variable is
  // TCODER_REDIS_URL.
  template <typename T>
  CLI::Option* Add(const std::string& name, T& target, const std::string& help) {
    return Bind(app_.add_option("--" + name, target, help)->capture_default_str(), name);
  }
  CLI::Option* AddFlag(const std::string& name, bool& target, const std::string& help);
  // A positional argument (no variable, no config key).
  template <typename T>
  CLI::Option* AddPositional(const std::string& name, T& target, const std::string& help) {
    return app_.add_option(name, target, help);
  }

  // Parses argv (argv[0] is the command's name). Returns an exit code when the
  // command should stop now (help was printed: 0; a bad flag: 2).
  std::optional<int> Parse(int argc, char** argv);

 private:
  CLI::Option* Bind(CLI::Option* opt, const std::string& name);

  std::string command_;
  CLI::App app_;
  CommonFlags common_;
  std::set<std::string> bool_flags_;
};

}  // namespace tcoder::cli
