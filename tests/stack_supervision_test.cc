// A foreground `tcoder up` supervises its components: each one, SIGKILLed
// once (Redis, the store, the edge, the control plane with its workers), is
// restarted with a new pid in stack.json, and a job then completes end to end.
#include <signal.h>

#include <chrono>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/file_util.h"
#include "common/process.h"
#include "ffmpeg_support.h"
#include "stack_support.h"
#include "support/test_env.h"

namespace tcoder::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

json Components(const LiveStack& stack) {
  auto text = ReadFile(stack.data_dir() / "stack.json");
  if (!text.ok()) return json::object();
  json state = json::parse(*text, nullptr, false);
  return state.is_object() && state.contains("components") ? state["components"] : json::object();
}

// Waits until stack.json shows `name` running with a pid other than `old_pid`.
int WaitForRestart(const LiveStack& stack, const std::string& name, int old_pid, std::chrono::seconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    const json c = Components(stack).value(name, json::object());
    const int pid = c.value("pid", 0);
    if (pid > 0 && pid != old_pid && c.value("state", "") == "running") return pid;
    std::this_thread::sleep_for(100ms);
  }
  return 0;
}

// `transcode --json` ends with the job as one JSON line.
json LastLineJson(std::string text) {
  while (!text.empty() && text.back() == '\n') text.pop_back();
  const std::size_t newline = text.rfind('\n');
  return json::parse(newline == std::string::npos ? text : text.substr(newline + 1), nullptr, false);
}

int Count(const std::string& text, const std::string& needle) {
  int n = 0;
  for (auto pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1)) ++n;
  return n;
}

TEST(StackSupervision, EachComponentKilledOnceComesBackAndAJobCompletes) {
  auto started = LiveStack::Start();
  ASSERT_TRUE(started.ok()) << started.status().ToString();
  LiveStack& stack = **started;

  for (const std::string name : {"redis", "storage", "edge", "control"}) {
    const int pid = Components(stack).value(name, json::object()).value("pid", 0);
    ASSERT_GT(pid, 0) << name << " has no pid in stack.json";
    ASSERT_EQ(::kill(pid, SIGKILL), 0) << name;
    const int again = WaitForRestart(stack, name, pid, 90s);
    ASSERT_GT(again, 0) << name << " did not come back; the stack's log:\n" << stack.Log();
    EXPECT_EQ(::kill(again, 0), 0) << name << "'s new process is not alive";
  }
  const std::string log = stack.Log();
  EXPECT_EQ(Count(log, "\"msg\":\"component exited\""), 4) << log;
  EXPECT_EQ(log.find("giving up"), std::string::npos) << log;

  // The restarted stack still does the whole job.
  const auto clip = stack.work_dir() / "after-restarts.mp4";
  MakeClip(clip, "320x240", 2, true);
  std::vector<std::string> argv = {TcoderBinary().string(), "transcode", clip.string(), "--json"};
  const auto flags = stack.ClientFlags();
  argv.insert(argv.end(), flags.begin(), flags.end());
  ProcessSpec spec{.argv = argv};
  auto run = RunProcess(spec, {.deadline = 300s});
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_TRUE(run->success()) << run->out << run->err << "\n--- stack:\n" << stack.Log();
  const json job = LastLineJson(run->out);
  EXPECT_EQ(job.value("status", ""), "completed") << run->out;

  const ExitStatus exit = stack.Stop();
  EXPECT_TRUE(exit.success()) << "tcoder up did not stop cleanly: " << exit.ToString();
}

}  // namespace
}  // namespace tcoder::testing
