// `tcoder up` on a Redis as managed services run it: TLS with a CA of its own
// and the least-privilege ACL user of docs/operations.md (read from that page,
// so the documented line is the tested one). A job goes through the whole
// pipeline, and Redis's ACL log shows that nothing was refused. A Redis that
// goes away for 30 s with jobs running: nothing exits, the API says 503 with
// Retry-After meanwhile, and every job completes once it is back. And a
// Sentinel failover with 20 jobs in flight: every component finds the new
// master by itself, and every job completes, once.
#include <algorithm>
#include <chrono>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/file_util.h"
#include "common/process.h"
#include "common/temp_dir.h"
#include "ffmpeg_support.h"
#include "stack_support.h"
#include "state/redis_client.h"
#include "support/redis_sentinels.h"
#include "support/redis_server.h"
#include "support/test_certs.h"
#include "support/test_env.h"

namespace tcoder::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

// The words of docs/operations.md's `ACL SETUSER tcoder ...` line, PASSWORD replaced.
std::vector<std::string> DocumentedAcl(const std::string& password) {
  auto page = ReadFile(SourceDir() / "docs" / "operations.md");
  TCODER_CHECK(page.ok(), page.status().ToString());
  std::istringstream lines(*page);
  std::string line;
  while (std::getline(lines, line)) {
    if (!line.starts_with("ACL SETUSER tcoder ")) continue;
    std::vector<std::string> words;
    std::istringstream in(line);
    for (std::string w; in >> w;) words.push_back(w == ">PASSWORD" ? ">" + password : w);
    return words;
  }
  return {};
}

json LastLineJson(std::string text) {
  while (!text.empty() && text.back() == '\n') text.pop_back();
  const std::size_t newline = text.rfind('\n');
  return json::parse(newline == std::string::npos ? text : text.substr(newline + 1), nullptr, false);
}

TEST(RedisPipeline, TheWholePipelineRunsOverTlsAsTheDocumentedAclUser) {
  auto certs = TestCerts::Create();
  ASSERT_TRUE(certs.ok()) << certs.status().ToString();
  RedisServer::Options ro;
  ro.tls = RedisServer::Options::Tls{(*certs)->server_cert(), (*certs)->server_key(), (*certs)->ca(), false, true};
  auto redis = RedisServer::Start(ro);  // --port 0: TLS only
  ASSERT_TRUE(redis.ok()) << redis.status().ToString();
  state::RedisOptions over_tls;
  over_tls.tls.ca_file = (*certs)->ca().string();
  auto admin = state::RedisClient::Connect("rediss://localhost:" + std::to_string((*redis)->tls_port()), over_tls);
  ASSERT_TRUE(admin.ok()) << admin.status().ToString();
  const std::vector<std::string> acl = DocumentedAcl("s3cret-pw");
  ASSERT_GT(acl.size(), 4u) << "no `ACL SETUSER tcoder` line in docs/operations.md";
  auto set = (*admin)->Command(acl);
  ASSERT_TRUE(set.ok()) << set.status().ToString();

  LiveStack::Options so;
  so.extra_flags = {"--redis-url", "rediss://tcoder:s3cret-pw@localhost:" + std::to_string((*redis)->tls_port()),
                    "--redis-ca-file", (*certs)->ca().string()};
  auto started = LiveStack::Start(so);
  ASSERT_TRUE(started.ok()) << started.status().ToString();
  LiveStack& stack = **started;

  const auto clip = stack.work_dir() / "over-tls.mp4";
  MakeClip(clip, "320x240", 2, true);
  std::vector<std::string> argv = {TcoderBinary().string(), "transcode", clip.string(), "--json"};
  const auto flags = stack.ClientFlags();
  argv.insert(argv.end(), flags.begin(), flags.end());
  auto run = RunProcess(ProcessSpec{.argv = argv}, {.deadline = 300s});
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_TRUE(run->success()) << run->out << run->err << "\n--- stack:\n" << stack.Log();
  EXPECT_EQ(LastLineJson(run->out).value("status", ""), "completed") << run->out;

  // Every connection was the ACL user's, over TLS, and nothing was refused.
  auto denials = (*admin)->Command({"ACL", "LOG"});
  ASSERT_TRUE(denials.ok()) << denials.status().ToString();
  std::string refused;
  for (const auto& entry : denials->elements) {
    for (const auto& field : entry.elements) refused += field.str + " ";
    refused += "\n";
  }
  EXPECT_TRUE(denials->elements.empty()) << "Redis refused:\n" << refused;
  auto clients = (*admin)->Command({"CLIENT", "LIST"});
  ASSERT_TRUE(clients.ok());
  EXPECT_NE(clients->str.find("user=tcoder"), std::string::npos) << clients->str;
  EXPECT_EQ(stack.Log().find("redis TLS"), std::string::npos) << "no TLS complaint expected:\n" << stack.Log();

  const ExitStatus exit = stack.Stop();
  EXPECT_TRUE(exit.success()) << "tcoder up did not stop cleanly: " << exit.ToString();
}

TEST(RedisPipeline, AControlPlaneThatMayNotRunScriptsStopsWithOneClearLine) {
  RedisServer::Options ro;
  ro.extra_args = {"--user", "tcoder", "on", ">pw", "~*", "+@all", "-evalsha"};
  auto redis = RedisServer::Start(ro);
  ASSERT_TRUE(redis.ok()) << redis.status().ToString();
  auto dir = TempDir::Create("tcoder-acl-");
  ASSERT_TRUE(dir.ok());
  const std::string url = "redis://tcoder:pw@127.0.0.1:" + std::to_string((*redis)->port());
  ProcessSpec spec{.argv = {TcoderBinary().string(), "control", "--port", std::to_string(FreePort()), "--data-dir",
                            (dir->path() / "data").string(), "--redis-url", url, "--api-key", "key-0123456789abcdef",
                            "--s3-endpoint", "http://127.0.0.1:9", "--s3-access-key", "a", "--s3-secret-key", "b"}};
  auto run = RunProcess(spec, {.deadline = 60s});
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_FALSE(run->success()) << run->out << run->err;
  EXPECT_NE(run->err.find("\ntcoder control: checking access"), std::string::npos) << "a last line for people:\n"
                                                                                   << run->err;
  EXPECT_NE(run->err.find("NOPERM"), std::string::npos) << run->err;
  EXPECT_NE(run->err.find("evalsha"), std::string::npos) << run->err;
  EXPECT_NE(run->err.find("docs/operations.md"), std::string::npos) << run->err;
  EXPECT_EQ(run->err.find(":pw@"), std::string::npos) << "the password never appears: " << run->err;
}

// `tcoder up` with `flags` against a TLS-only Redis: it must stop on its own
// (no hang), before starting anything, and its last line (its only line on
// stderr) says why.
std::string FailedStart(const std::vector<std::string>& flags) {
  auto dir = TempDir::Create("tcoder-bad-redis-");
  TCODER_CHECK(dir.ok(), dir.status().ToString());
  std::vector<std::string> argv = {TcoderBinary().string(),
                                   "up",
                                   "--data-dir",
                                   (dir->path() / "data").string(),
                                   "--api-port",
                                   std::to_string(FreePort()),
                                   "--s3-port",
                                   std::to_string(FreePort()),
                                   "--edge-port",
                                   std::to_string(FreePort())};
  argv.insert(argv.end(), flags.begin(), flags.end());
  auto run = RunProcess(ProcessSpec{.argv = argv}, {.deadline = 90s});
  if (!run.ok()) return "did not run: " + run.status().ToString();
  if (run->timed_out) return "hung (killed after 90 s)";
  if (run->success()) return "started";
  std::string err = run->err;
  while (!err.empty() && err.back() == '\n') err.pop_back();
  if (!err.starts_with("tcoder up: ") || err.find('\n') != std::string::npos) return "not one line: " + run->err;
  return err;
}

TEST(RedisPipeline, AWrongCaPasswordOrSchemeStopsTheStackWithOneClearLine) {
  auto certs = TestCerts::Create();
  ASSERT_TRUE(certs.ok()) << certs.status().ToString();
  auto other = TestCerts::Create();  // a CA that did not sign the server's certificate
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  RedisServer::Options ro;
  ro.tls = RedisServer::Options::Tls{(*certs)->server_cert(), (*certs)->server_key(), (*certs)->ca(), false, true};
  ro.extra_args = {"--user", "tcoder", "on", ">right-pw", "~*", "+@all"};
  auto redis = RedisServer::Start(ro);
  ASSERT_TRUE(redis.ok()) << redis.status().ToString();
  const std::string port = std::to_string((*redis)->tls_port());
  const std::string ca = (*certs)->ca().string();

  const std::string wrong_ca = FailedStart(
      {"--redis-url", "rediss://tcoder:right-pw@localhost:" + port, "--redis-ca-file", (*other)->ca().string()});
  EXPECT_NE(wrong_ca.find("certificate"), std::string::npos) << wrong_ca;
  const std::string wrong_password =
      FailedStart({"--redis-url", "rediss://tcoder:wrong-pw@localhost:" + port, "--redis-ca-file", ca});
  EXPECT_NE(wrong_password.find("AUTH"), std::string::npos) << wrong_password;
  EXPECT_EQ(wrong_password.find("wrong-pw"), std::string::npos) << "the password never appears: " << wrong_password;
  const std::string plaintext = FailedStart({"--redis-url", "redis://tcoder:right-pw@localhost:" + port});
  EXPECT_NE(plaintext.find("rediss://"), std::string::npos) << plaintext;
}

// GET path on the API: "STATUS RETRY-AFTER" from curl's view of the answer.
std::string StatusAndRetryAfter(const LiveStack& stack, const std::string& path) {
  auto run = RunProcess(ProcessSpec{.argv = {"curl", "-s", "-o", "/dev/null", "-m", "10", "-H",
                                             "Authorization: Bearer " + stack.api_key(), "-w",
                                             "%{http_code} %header{retry-after}", stack.api_url() + path}},
                        {.deadline = 20s});
  return run.ok() ? run->out : run.status().ToString();
}

std::string JobField(state::RedisClient& redis, const std::string& id, const std::string& field) {
  auto r = redis.Command({"HGET", "{tcoder}:job:" + id, field});
  return r.ok() ? r->str : "";
}

TEST(RedisPipeline, AThirtySecondOutageWithFiveJobsRunningLosesNothing) {
  auto redis = RedisServer::Start();  // AOF on, as the embedded stack runs it
  ASSERT_TRUE(redis.ok()) << redis.status().ToString();
  LiveStack::Options so;
  so.max_machines = 5;
  so.extra_flags = {"--redis-url", (*redis)->url()};
  auto started = LiveStack::Start(so);
  ASSERT_TRUE(started.ok()) << started.status().ToString();
  LiveStack& stack = **started;

  // Long enough that all five are still encoding when Redis goes away.
  const auto clip = stack.work_dir() / "outage.mp4";
  MakeClip(clip, "640x360", 40, true);
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    std::vector<std::string> argv = {TcoderBinary().string(), "transcode", clip.string(), "--no-wait", "--json"};
    const auto flags = stack.ClientFlags();
    argv.insert(argv.end(), flags.begin(), flags.end());
    auto run = RunProcess(ProcessSpec{.argv = argv}, {.deadline = 120s});
    ASSERT_TRUE(run.ok() && run->success()) << (run.ok() ? run->out + run->err : run.status().ToString());
    ids.push_back(LastLineJson(run->out).value("jobId", ""));
    ASSERT_FALSE(ids.back().empty()) << run->out;
  }
  auto admin = state::RedisClient::Connect((*redis)->url());
  ASSERT_TRUE(admin.ok()) << admin.status().ToString();
  const auto all_running = [&] {
    for (const auto& id : ids) {
      if (JobField(**admin, id, "status") != "running") return false;
    }
    return true;
  };
  for (auto end = std::chrono::steady_clock::now() + 180s; !all_running() && std::chrono::steady_clock::now() < end;)
    std::this_thread::sleep_for(200ms);
  ASSERT_TRUE(all_running()) << stack.Log();
  admin->reset();

  ASSERT_TRUE((*redis)->Stop().ok());
  const auto down_at = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(3s);
  EXPECT_EQ(StatusAndRetryAfter(stack, "/api/jobs/" + ids[0]), "503 1") << stack.Log();
  EXPECT_EQ(StatusAndRetryAfter(stack, "/api/stats"), "503 1");
  std::this_thread::sleep_for(30s - (std::chrono::steady_clock::now() - down_at));
  ASSERT_TRUE((*redis)->Restart().ok());

  admin = state::RedisClient::Connect((*redis)->url());
  ASSERT_TRUE(admin.ok()) << admin.status().ToString();
  const auto all_ended = [&] {
    for (const auto& id : ids) {
      const std::string st = JobField(**admin, id, "status");
      if (st != "completed" && st != "failed" && st != "cancelled") return false;
    }
    return true;
  };
  for (auto end = std::chrono::steady_clock::now() + 300s; !all_ended() && std::chrono::steady_clock::now() < end;)
    std::this_thread::sleep_for(500ms);
  for (const auto& id : ids) {
    EXPECT_EQ(JobField(**admin, id, "status"), "completed") << id << ": " << JobField(**admin, id, "error");
    // Ridden out, not redone: the attempt that was running finished it.
    EXPECT_EQ(JobField(**admin, id, "attempts"), "1") << id;
  }
  EXPECT_EQ(StatusAndRetryAfter(stack, "/api/jobs/" + ids[0]).substr(0, 3), "200");
  const std::string log = stack.Log();
  EXPECT_EQ(log.find("component exited"), std::string::npos) << log;
  EXPECT_EQ(log.find("machine process exited"), std::string::npos) << log;
  const ExitStatus exit = stack.Stop();
  EXPECT_TRUE(exit.success()) << "tcoder up did not stop cleanly: " << exit.ToString();
}

// The names of the tcoder connections `redis` lists (CLIENT LIST), each once.
std::set<std::string> ComponentConnections(state::RedisClient& redis) {
  std::set<std::string> names;
  auto list = redis.Command({"CLIENT", "LIST"});
  if (!list.ok()) return names;
  std::istringstream lines(list->str);
  for (std::string line; std::getline(lines, line);) {
    const std::size_t at = line.find(" name=tcoder-");
    if (at == std::string::npos) continue;
    const std::size_t from = at + 6;
    names.insert(line.substr(from, line.find(' ', from) - from));
  }
  return names;
}

// Polls `done` every 100 ms until it holds or `limit` passes.
template <typename F>
bool WaitFor(F done, std::chrono::milliseconds limit) {
  for (auto end = std::chrono::steady_clock::now() + limit; !done();) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(100ms);
  }
  return true;
}

// `redis-cli -p PORT ARGS...`'s output, "" when it fails.
std::string Cli(int port, std::vector<std::string> args) {
  std::vector<std::string> argv = {"redis-cli", "-p", std::to_string(port)};
  argv.insert(argv.end(), args.begin(), args.end());
  auto run = RunProcess(ProcessSpec{.argv = argv}, {.deadline = 10s});
  return run.ok() && run->success() ? run->out : "";
}

TEST(RedisPipeline, ASentinelFailoverWithTwentyJobsInFlightCompletesEveryJobOnce) {
  auto master = RedisServer::Start();
  ASSERT_TRUE(master.ok()) << master.status().ToString();
  auto replica = RedisServer::StartReplicaOf((*master)->port());
  ASSERT_TRUE(replica.ok()) << replica.status().ToString();
  auto sentinels = RedisSentinels::Start({.master_port = (*master)->port(), .count = 3, .quorum = 2});
  ASSERT_TRUE(sentinels.ok()) << sentinels.status().ToString();
  // Every sentinel knows the replica and the two other sentinels before anything fails.
  const auto ready = [&] {
    if (Cli((*replica)->port(), {"INFO", "replication"}).find("master_link_status:up") == std::string::npos)
      return false;
    for (int port : (*sentinels)->ports()) {
      const std::string master_info = Cli(port, {"SENTINEL", "MASTER", "mymaster"});
      if (master_info.find("num-other-sentinels\n2\n") == std::string::npos ||
          master_info.find("num-slaves\n1\n") == std::string::npos)
        return false;
    }
    return true;
  };
  ASSERT_TRUE(WaitFor(ready, 60s)) << "sentinels did not see each other and the replica";

  LiveStack::Options so;
  so.max_machines = 4;
  so.extra_flags = {"--redis-url", (*sentinels)->url()};
  auto started = LiveStack::Start(so);
  ASSERT_TRUE(started.ok()) << started.status().ToString();
  LiveStack& stack = **started;

  const auto clip = stack.work_dir() / "failover.mp4";
  MakeClip(clip, "320x240", 4, true);
  // One upload and job: its id, or "" (with why in `error`).
  const auto submit = [&](std::string& error) {
    std::vector<std::string> argv = {TcoderBinary().string(), "transcode", clip.string(), "--no-wait", "--json"};
    const auto flags = stack.ClientFlags();
    argv.insert(argv.end(), flags.begin(), flags.end());
    auto run = RunProcess(ProcessSpec{.argv = argv}, {.deadline = 120s});
    error = run.ok() ? run->out + run->err : run.status().ToString();
    return run.ok() && run->success() ? LastLineJson(run->out).value("jobId", "") : std::string();
  };
  std::vector<std::string> ids;
  for (int i = 0; i < 20; ++i) {
    std::string error;
    ids.push_back(submit(error));
    ASSERT_FALSE(ids.back().empty()) << error;
  }
  auto old_master = state::RedisClient::Connect((*master)->url());
  ASSERT_TRUE(old_master.ok()) << old_master.status().ToString();
  const auto count = [&](const std::string& status) {
    int n = 0;
    for (const auto& id : ids) n += JobField(**old_master, id, "status") == status;
    return n;
  };
  ASSERT_TRUE(WaitFor([&] { return count("running") >= 2; }, 180s)) << stack.Log();
  ASSERT_LT(count("completed"), 18) << "too few jobs left in flight to fail over under";
  const std::set<std::string> components = ComponentConnections(**old_master);
  EXPECT_TRUE(components.contains("tcoder-control") && components.contains("tcoder-storage"))
      << ::testing::PrintToString(components);
  EXPECT_GE(std::count_if(components.begin(), components.end(),
                          [](const std::string& n) { return n.starts_with("tcoder-worker-"); }),
            2)
      << ::testing::PrintToString(components);
  old_master->reset();

  ASSERT_TRUE((*master)->Kill().ok());
  ASSERT_TRUE(WaitFor([&] { return Cli((*replica)->port(), {"ROLE"}).starts_with("master"); }, 60s))
      << "the replica was not promoted";
  const auto promoted_at = std::chrono::steady_clock::now();
  auto new_master = state::RedisClient::Connect((*replica)->url());
  ASSERT_TRUE(new_master.ok()) << new_master.status().ToString();
  // A component with nothing to do (the store, its uploads done) reconnects
  // when it next has something to write: one more upload, as soon as the API
  // takes it.
  std::string last_error;
  for (auto end = promoted_at + 10s; std::chrono::steady_clock::now() < end;) {
    const std::string id = submit(last_error);
    if (!id.empty()) {
      ids.push_back(id);
      break;
    }
    std::this_thread::sleep_for(200ms);
  }
  ASSERT_EQ(ids.size(), 21u) << "no job taken within 10 s of the promotion: " << last_error;
  std::set<std::string> back;
  const bool all_back = WaitFor(
      [&] {
        for (const auto& name : ComponentConnections(**new_master)) back.insert(name);
        return std::includes(back.begin(), back.end(), components.begin(), components.end());
      },
      20s);
  const auto took =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - promoted_at);
  EXPECT_TRUE(all_back) << "before: " << ::testing::PrintToString(components)
                        << " on the new master: " << ::testing::PrintToString(back);
  EXPECT_LE(took, 10s) << "components reconnected " << took.count() << " ms after the promotion";
  std::cout << "every component on the new master " << took.count() << " ms after the promotion\n";

  const auto ended = [&] {
    for (const auto& id : ids) {
      const std::string st = JobField(**new_master, id, "status");
      if (st != "completed" && st != "failed" && st != "cancelled") return false;
    }
    return true;
  };
  WaitFor(ended, 300s);
  for (const auto& id : ids) {
    EXPECT_EQ(JobField(**new_master, id, "status"), "completed") << id << ": " << JobField(**new_master, id, "error");
  }
  // Once: exactly one worker's completion of each job was accepted (a
  // worker logs it just after its write, so give the last lines a moment).
  std::map<std::string, int> completions;
  const auto every_job_logged = [&] {
    completions.clear();
    std::istringstream lines(stack.Log());
    for (std::string line; std::getline(lines, line);) {
      const json entry = json::parse(line, nullptr, false);
      if (entry.is_object() && entry.value("msg", "") == "job ended" && entry.value("status", "") == "completed")
        ++completions[entry.value("jobId", "")];
    }
    return std::all_of(ids.begin(), ids.end(), [&](const std::string& id) { return completions[id] > 0; });
  };
  WaitFor(every_job_logged, 15s);
  for (const auto& id : ids) EXPECT_EQ(completions[id], 1) << id;
  const std::string log = stack.Log();
  EXPECT_EQ(log.find("component exited"), std::string::npos) << log;
  const ExitStatus exit = stack.Stop();
  EXPECT_TRUE(exit.success()) << "tcoder up did not stop cleanly: " << exit.ToString();
}

}  // namespace
}  // namespace tcoder::testing
