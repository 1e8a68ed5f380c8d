#include "common/process.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include <fstream>

#include "common/temp_dir.h"

namespace tcoder {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

ProcessSpec Spec(std::vector<std::string> argv) {
  ProcessSpec s;
  s.argv = std::move(argv);
  return s;
}

// Running: it exists and is not a zombie (killed, waiting for its reaper,
// which for an orphan is init and may take a while on a busy machine).
bool Alive(pid_t pid) {
  if (::kill(pid, 0) != 0) return false;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(stat, line);
  const auto close = line.rfind(')');
  return close == std::string::npos || close + 2 >= line.size() || line[close + 2] != 'Z';
}

TEST(Process, CapturesStdoutStderrAndExitCode) {
  auto r = RunProcess(Spec({"sh", "-c", "echo out; echo err >&2; exit 3"}), {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->out, "out\n");
  EXPECT_EQ(r->err, "err\n");
  EXPECT_EQ(r->exit.code, 3);
  EXPECT_FALSE(r->success());
}

TEST(Process, ArgvIsNotInterpretedByAShell) {
  auto r = RunProcess(Spec({"echo", "$HOME; rm -rf /", "`id`"}), {});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->out, "$HOME; rm -rf / `id`\n");
  EXPECT_TRUE(r->success());
}

TEST(Process, MissingProgramIsNotFound) {
  auto r = RunProcess(Spec({"/nonexistent/program"}), {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kNotFound);
}

TEST(Process, StdinIsFed) {
  RunOptions o;
  o.stdin_data = std::string(300000, 'x');  // more than a pipe buffer
  auto r = RunProcess(Spec({"wc", "-c"}), o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(std::stoi(r->out), 300000);
}

TEST(Process, LineCallbacks) {
  std::vector<std::string> lines;
  RunOptions o;
  o.on_stdout_line = [&](std::string_view l) { lines.emplace_back(l); };
  auto r = RunProcess(Spec({"printf", "a\\nb\\npartial"}), o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(lines, (std::vector<std::string>{"a", "b", "partial"}));
}

TEST(Process, CaptureKeepsTheTail) {
  RunOptions o;
  o.max_capture = 10;
  auto r = RunProcess(Spec({"sh", "-c", "seq 1 10000"}), o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->out.size(), 10u);
  EXPECT_EQ(r->out, "999\n10000\n");
}

TEST(Process, EnvAndCwd) {
  auto dir = TempDir::Create("proc-test-");
  ASSERT_TRUE(dir.ok());
  ProcessSpec s = Spec({"sh", "-c", "echo $TCODER_X; pwd"});
  s.env = {{"TCODER_X", "hello"}};
  s.cwd = dir->path();
  auto r = RunProcess(s, {});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->out, "hello\n" + std::filesystem::canonical(dir->path()).string() + "\n");
}

TEST(Process, DeadlineTerminates) {
  RunOptions o;
  o.deadline = 300ms;
  const auto start = Clock::now();
  auto r = RunProcess(Spec({"sleep", "30"}), o);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->timed_out);
  EXPECT_EQ(r->exit.signal, SIGTERM);
  EXPECT_LT(Clock::now() - start, 10s);
}

TEST(Process, DeadlineEscalatesToKillWhenTermIsIgnored) {
  RunOptions o;
  o.deadline = 200ms;
  o.kill_grace = 300ms;
  auto r = RunProcess(Spec({"sh", "-c", "trap '' TERM; echo ready; while true; do sleep 0.05; done"}), o);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->timed_out);
  EXPECT_EQ(r->exit.signal, SIGKILL);
  EXPECT_EQ(r->out, "ready\n");
}

TEST(Process, DeadlineKillsDescendantsToo) {
  auto dir = TempDir::Create("proc-test-");
  ASSERT_TRUE(dir.ok());
  const auto pidfile = dir->path() / "pid";
  RunOptions o;
  o.deadline = 300ms;
  // The grandchild writes its pid and sleeps; killing the group must reach it.
  auto r = RunProcess(Spec({"sh", "-c", "sleep 30 & echo $! > " + pidfile.string() + "; wait"}), o);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->timed_out);
  std::ifstream in(pidfile);
  pid_t grandchild = 0;
  in >> grandchild;
  ASSERT_GT(grandchild, 0);
  bool gone = false;
  for (int i = 0; i < 100 && !gone; ++i) {
    gone = !Alive(grandchild);
    if (!gone) std::this_thread::sleep_for(20ms);
  }
  EXPECT_TRUE(gone);
}

TEST(Process, CancelStopsTheChild) {
  std::atomic<bool> stop{false};
  RunOptions o;
  o.cancelled = [&] { return stop.load(); };
  o.poll_interval = 20ms;
  std::thread canceller([&] {
    std::this_thread::sleep_for(200ms);
    stop = true;
  });
  const auto start = Clock::now();
  auto r = RunProcess(Spec({"sleep", "30"}), o);
  canceller.join();
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->cancelled);
  EXPECT_FALSE(r->success());
  EXPECT_LT(Clock::now() - start, 5s);
}

TEST(Subprocess, SignalTerminateAndDestructorKill) {
  auto p = Subprocess::Spawn(Spec({"sleep", "30"}));
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->running());
  EXPECT_FALSE(p->WaitFor(50ms).has_value());
  const ExitStatus s = p->Terminate(2s);
  EXPECT_EQ(s.signal, SIGTERM);
  EXPECT_FALSE(p->running());

  pid_t pid = 0;
  {
    auto q = Subprocess::Spawn(Spec({"sleep", "30"}));
    ASSERT_TRUE(q.ok());
    pid = q->pid();
    EXPECT_TRUE(Alive(pid));
  }
  EXPECT_FALSE(Alive(pid));  // killed and reaped, not a zombie
}

TEST(Subprocess, DetachLeavesTheChildRunning) {
  ProcessSpec spec = Spec({"sleep", "30"});
  spec.new_session = true;
  spec.die_with_parent = false;
  spec.stdout_mode = StdStream::kNull;
  spec.stderr_mode = StdStream::kNull;
  pid_t pid = 0;
  {
    auto p = Subprocess::Spawn(spec);
    ASSERT_TRUE(p.ok());
    pid = p->Detach();
    EXPECT_FALSE(p->running());
  }
  EXPECT_TRUE(Alive(pid));
  EXPECT_EQ(::getsid(pid), pid);  // its own session
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
}

TEST(Subprocess, DieWithParentKillsTheChildWhenItsStarterEnds) {
  auto dir = TempDir::Create("proc-test-");
  ASSERT_TRUE(dir.ok());
  const auto pidfile = dir->path() / "pid";
  // A middle process starts `sleep` with die_with_parent (through RunProcess),
  // then is killed: the sleep must not outlive it.
  pid_t middle = ::fork();
  ASSERT_GE(middle, 0);
  if (middle == 0) {
    ProcessSpec s = Spec({"sh", "-c", "echo $$ > " + pidfile.string() + "; exec sleep 30"});
    (void)RunProcess(s, {});
    ::_exit(0);
  }
  pid_t sleeper = 0;
  for (int i = 0; i < 200 && sleeper == 0; ++i) {
    std::this_thread::sleep_for(20ms);
    std::ifstream in(pidfile);
    in >> sleeper;
  }
  ASSERT_GT(sleeper, 0);
  EXPECT_TRUE(Alive(sleeper));
  ::kill(middle, SIGKILL);
  ::waitpid(middle, nullptr, 0);
  bool gone = false;
  for (int i = 0; i < 100 && !gone; ++i) {
    gone = !Alive(sleeper);
    if (!gone) std::this_thread::sleep_for(20ms);
  }
  EXPECT_TRUE(gone);
}

TEST(Subprocess, DieWithParentSpawnReportsExecErrors) {
  ProcessSpec s = Spec({"/nonexistent/program"});
  s.die_with_parent = true;
  auto p = Subprocess::Spawn(s);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), Code::kNotFound);
}

TEST(Subprocess, ExitStatusToString) {
  EXPECT_EQ((ExitStatus{0, 0}).ToString(), "exit 0");
  EXPECT_NE((ExitStatus{-1, SIGKILL}).ToString().find("signal 9"), std::string::npos);
}

}  // namespace
}  // namespace tcoder
