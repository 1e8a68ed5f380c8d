#include "cli/supervisor.h"

#include <signal.h>

#include <functional>
#include <thread>

#include <gtest/gtest.h>

#include "support/test_env.h"

namespace tcoder::cli {
namespace {

using namespace std::chrono_literals;

// A component that listens on `port`, and after `life` exits with `code`
// (a negative life: it runs until it is stopped).
ComponentSpec Listener(const std::string& name, int port, double life = -1, int code = 3) {
  const std::string script =
      "import socket, sys, time\n"
      "s = socket.socket()\n"
      "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
      "s.bind(('127.0.0.1', " +
      std::to_string(port) +
      "))\n"
      "s.listen(16)\n"
      "life = " +
      std::to_string(life) +
      "\n"
      "time.sleep(life if life >= 0 else 3600)\n"
      "sys.exit(" +
      std::to_string(code) + ")\n";
  ComponentSpec spec{.name = name, .port = port, .stop_grace = 2s};
  spec.process.argv = {"python3", "-c", script};
  spec.process.stdout_mode = spec.process.stderr_mode = StdStream::kNull;
  return spec;
}

SupervisorPolicy Quick() {
  return {.max_failures = 3,
          .failure_window = 30s,
          .first_backoff = 100ms,
          .max_backoff = 400ms,
          .healthy_after = 60s,
          .start_timeout = 10s};
}

int PidOf(const Supervisor& s, const std::string& name) { return s.Describe()[name].value("pid", 0); }

// Ticks until `done` holds or the deadline passes; the last Tick's status.
Status TickUntil(Supervisor& s, const std::function<bool()>& done, std::chrono::seconds deadline = 20s) {
  const auto end = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < end && !done()) {
    if (Status st = s.Tick(Supervisor::Clock::now()); !st.ok()) return st;
    std::this_thread::sleep_for(20ms);
  }
  return Status::Ok();
}

TEST(Supervisor, RestartsAKilledComponentAndLeavesTheOthersRunning) {
  const int a = testing::FreePort(), b = testing::FreePort();
  Supervisor s({Listener("first", a), Listener("second", b)}, Quick());
  ASSERT_TRUE(s.StartAll().ok());
  const int first = PidOf(s, "first"), second = PidOf(s, "second");
  ASSERT_GT(first, 0);
  ASSERT_EQ(::kill(first, SIGKILL), 0);

  ASSERT_TRUE(
      TickUntil(s, [&] { return s.Describe()["first"]["state"] == "running" && PidOf(s, "first") != first; }).ok());
  EXPECT_NE(PidOf(s, "first"), first);
  EXPECT_EQ(s.Describe()["first"]["restarts"], 1);
  EXPECT_EQ(PidOf(s, "second"), second) << "a restart must not touch the other components";
  EXPECT_TRUE(s.TakeChanged());
  EXPECT_FALSE(s.TakeChanged());
  EXPECT_TRUE(testing::WaitForPort(a, 5s));
}

TEST(Supervisor, GivesUpOnAComponentThatKeepsFailingAndSaysWhy) {
  const int port = testing::FreePort();
  Supervisor s({Listener("flaky", port, 0.5, 3)}, Quick());
  ASSERT_TRUE(s.StartAll().ok());
  Status last;
  const auto end = std::chrono::steady_clock::now() + 30s;
  while (last.ok() && std::chrono::steady_clock::now() < end) {
    last = s.Tick(Supervisor::Clock::now());
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_FALSE(last.ok()) << "never gave up";
  EXPECT_NE(last.message().find("flaky failed 3 times"), std::string::npos) << last.message();
  EXPECT_NE(last.message().find("exit 3"), std::string::npos) << last.message();
}

TEST(Supervisor, StartAllNamesAComponentWhosePortIsTaken) {
  const int port = testing::FreePort();
  Supervisor holder({Listener("holder", port)}, Quick());
  ASSERT_TRUE(holder.StartAll().ok());
  Supervisor s({Listener("late", port)}, Quick());
  Status st = s.StartAll();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("late: port " + std::to_string(port) + " is already in use"), std::string::npos)
      << st.message();
}

TEST(Supervisor, StartAllStopsWhatItStartedWhenOneCannotStart) {
  const int a = testing::FreePort(), b = testing::FreePort();
  ComponentSpec broken{.name = "broken", .port = b, .stop_grace = 1s};
  broken.process.argv = {"python3", "-c", "import sys; sys.exit(7)"};
  broken.process.stdout_mode = broken.process.stderr_mode = StdStream::kNull;
  Supervisor s({Listener("good", a), broken}, Quick());
  Status st = s.StartAll();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("broken exited during start (exit 7)"), std::string::npos) << st.message();
  EXPECT_EQ(PidOf(s, "good"), 0) << "the started component must be stopped";
}

}  // namespace
}  // namespace tcoder::cli
