// The table of tcoder's subcommands: {name, summary, handler}, dispatched by main.
//
// A handler gets argv with argv[0] set to the command's name and returns the
// process exit code.
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
int RunBench(int argc, char** argv);
int RunUp(int argc, char** argv);
int RunTranscode(int argc, char** argv);
int RunDown(int argc, char** argv);
int RunToken(int argc, char** argv);
int RunStorage(int argc, char** argv);
int RunWorker(int argc, char** argv);
int RunEdge(int argc, char** argv);
int RunControl(int argc, char** argv);
int RunStatus(int argc, char** argv);
int RunJobs(int argc, char** argv);
int RunCancel(int argc, char** argv);
int RunRetry(int argc, char** argv);
int RunStats(int argc, char** argv);
int RunMachines(int argc, char** argv);
int RunQueue(int argc, char** argv);
int RunTop(int argc, char** argv);

}  // namespace tcoder::cli
