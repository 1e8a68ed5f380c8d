// tcoder's entry point: finds the subcommand in the table and runs it.
#include <csignal>
#include <iostream>
#include <string_view>

#include "cli/commands.h"
#include "cli/version.h"

namespace {

void PrintUsage(std::ostream& out) {
  out << "tcoder " << tcoder::cli::kVersion << ": a self-hosted, event-driven video transcoding pipeline\n\n"
      << "Usage: tcoder <command> [flags]   (tcoder <command> --help for its flags)\n\nCommands:\n";
  for (const auto& c : tcoder::cli::Commands()) {
    out << "  " << c.name << std::string(12 - c.name.size(), ' ') << c.summary << "\n";
  }
}

}  // namespace

int main(int argc, char** argv) {
  // A peer that goes away must give EPIPE, never end the process: sendfile(2)
  // of a GET whose client reset its connection raises SIGPIPE otherwise, and
  // would take the whole store (or edge) down with it.
  ::signal(SIGPIPE, SIG_IGN);
  if (argc < 2) {
    PrintUsage(std::cerr);
    return 2;
  }
  const std::string_view name = argv[1];
  if (name == "-h" || name == "--help" || name == "help") {
    PrintUsage(std::cout);
    return 0;
  }
  if (name == "--version") return tcoder::cli::RunVersion(argc - 1, argv + 1);
  const auto* command = tcoder::cli::FindCommand(name);
  if (command == nullptr) {
    std::cerr << "tcoder: unknown command '" << name << "'\n\n";
    PrintUsage(std::cerr);
    return 2;
  }
  return command->run(argc - 1, argv + 1);
}
