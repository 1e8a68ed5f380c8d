#include <signal.h>

#include <filesystem>
#include <iostream>
#include <thread>

#include "cli/commands.h"
#include "cli/flags.h"
#include "cli/stack.h"

namespace tcoder::cli {

int RunDown(int argc, char** argv) {
  FlagSet flags("down", "Stop a stack started with `tcoder up --detach`");
  if (auto code = flags.Parse(argc, argv)) return *code;
  const auto data_dir = std::filesystem::absolute(flags.common().data_dir);
  if (!StackRunning(data_dir)) {
    std::cout << "tcoder down: no stack is running from " << data_dir.string() << "\n";
    return 0;
  }
  const auto state = ReadStackState(data_dir);
  const int pid = state ? state->value("pid", 0) : 0;
  if (pid <= 0 || ::kill(pid, SIGTERM) != 0) {
    std::cerr << "tcoder down: a stack holds " << (data_dir / "up.lock").string()
              << " but its pid is unknown; stop it with Ctrl-C where it runs\n";
    return 1;
  }
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(90);
  while (std::chrono::steady_clock::now() < end) {
    if (!StackRunning(data_dir)) {
      std::cout << "tcoder down: stopped\n";
      return 0;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::cerr << "tcoder down: the stack (pid " << pid << ") is still stopping after 90 s\n";
  return 1;
}

}  // namespace tcoder::cli
