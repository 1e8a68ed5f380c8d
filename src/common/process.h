// Child processes from an argv vector (never a shell): spawn, pipes, deadline, kill.
//
// Subprocess owns one child: its pid, its pipes and a pidfd to wait on. The
// child runs in its own process group so Signal() reaches its descendants too;
// destroying a Subprocess that is still running kills the group and reaps it.
// RunProcess() is the passive, blocking form: it feeds stdin, collects stdout/stderr
// (with optional per-line callbacks), enforces a deadline and a cancel check,
// and escalates SIGTERM to SIGKILL after a grace period.
// Thread-safety: a Subprocess is used by one thread at a time.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace tcoder {

enum class StdStream { kInherit, kPipe, kNull };

struct ProcessSpec {
  std::vector<std::string> argv;                         // argv[0] is looked up on PATH when it has no '/'
  std::filesystem::path cwd;                             // empty: the parent's
  std::vector<std::pair<std::string, std::string>> env;  // set on top of the parent's environment
  bool clear_env = false;                                // start from an empty environment instead
  StdStream stdin_mode = StdStream::kNull;
  StdStream stdout_mode = StdStream::kPipe;
  StdStream stderr_mode = StdStream::kPipe;
  bool new_session = false;  // setsid(): detached from the terminal (daemons)
  // The child gets SIGKILL when the thread that started it ends (so when the
  // process dies, even by SIGKILL): no orphan outlives its parent. Start such
  // children from a thread that lives as long as they do. Daemons (see
  // new_session) turn it off.
  bool die_with_parent = true;
};

struct ExitStatus {
  int code = -1;   // exit code when the child exited
  int signal = 0;  // the signal that ended it, 0 if it exited
  bool success() const { return signal == 0 && code == 0; }
  std::string ToString() const;  // "exit 0", "signal 9 (Killed)"
};

class Subprocess {
 public:
  // Starts the child. Errors: kNotFound when argv[0] cannot be executed.
  static Result<Subprocess> Spawn(const ProcessSpec& spec);

  Subprocess(Subprocess&& other) noexcept;
  Subprocess& operator=(Subprocess&& other) noexcept;
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;
  ~Subprocess();  // SIGKILLs the group and reaps if the child still runs

  pid_t pid() const { return pid_; }
  int stdin_fd() const { return stdin_fd_; }    // -1 unless piped
  int stdout_fd() const { return stdout_fd_; }  // -1 unless piped
  int stderr_fd() const { return stderr_fd_; }  // -1 unless piped
  int pidfd() const { return pidfd_; }          // readable once the child exits; -1 if unsupported
  void CloseStdin();
  void CloseStdout();
  void CloseStderr();

  // Sends `sig` to the child's process group. OK if it already exited.
  Status Signal(int sig);
  // Reaps the child if it has exited; nullopt while it runs.
  std::optional<ExitStatus> TryWait();
  // Blocks until the child exits.
  ExitStatus Wait();
  // Waits up to `timeout`; nullopt if it is still running.
  std::optional<ExitStatus> WaitFor(std::chrono::milliseconds timeout);
  // SIGTERM, then SIGKILL if it has not exited within `grace`; reaps it.
  ExitStatus Terminate(std::chrono::milliseconds grace);
  bool running() const { return pid_ > 0 && !exit_; }
  // Lets the child run on alone: this object forgets it (no kill, no reap)
  // and returns its pid.
  pid_t Detach();

 private:
  Subprocess() = default;
  void Release();

  pid_t pid_ = -1;
  int pidfd_ = -1;
  int stdin_fd_ = -1;
  int stdout_fd_ = -1;
  int stderr_fd_ = -1;
  std::optional<ExitStatus> exit_;
};

struct RunOptions {
  std::chrono::milliseconds deadline{0};                 // wall-clock limit; 0: none
  std::chrono::milliseconds kill_grace{2000};            // SIGTERM to SIGKILL
  std::optional<std::string> stdin_data;                 // piped to the child, then closed
  std::size_t max_capture = 1 << 20;                     // bytes kept per stream (the tail)
  std::function<void(std::string_view)> on_stdout_line;  // each line, without '\n'
  std::function<void(std::string_view)> on_stderr_line;
  std::function<bool()> cancelled;  // polled; true stops the child
  std::chrono::milliseconds poll_interval{100};
};

struct RunResult {
  ExitStatus exit;
  bool timed_out = false;
  bool cancelled = false;
  std::string out;  // stdout (its last max_capture bytes)
  std::string err;  // stderr (its last max_capture bytes)
  bool success() const { return exit.success() && !timed_out && !cancelled; }
};

// Runs the child to its end. stdout and stderr are piped for capture unless
// the spec says otherwise. The Status is an error only when it could not start.
Result<RunResult> RunProcess(ProcessSpec spec, const RunOptions& options);

}  // namespace tcoder
