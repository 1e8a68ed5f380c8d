// The table of tcoder's subcommands: {name, summary, handler}, dispatched by main.
//
// A handler gets argv with argv[0] set to the command's name and returns the
// process exit code. Commands that are not built yet say so and exit 2.
#pragma once

#include <span>
#include <string_view>

namespace tcoder::cli {

struct Command {
  std::string_view name;
  std::string_view summary;
  int (*run)(int argc, char** argv);
};

std::span<const Command> Commands();
const Command* FindCommand(std::string_view name);

// Handlers, one file each (cmd_<name>.cc).
int RunVersion(int argc, char** argv);
int RunNotBuilt(int argc, char** argv);

}  // namespace tcoder::cli
