// `tcoder up` on a Redis as managed services run it: TLS with a CA of its own
// and the least-privilege ACL user of docs/operations.md (read from that page,
// so the documented line is the tested one). A job goes through the whole
// pipeline, and Redis's ACL log shows that nothing was refused. And a Redis
// that goes away for 30 s with jobs running: nothing exits, the API says 503
// with Retry-After meanwhile, and every job completes once it is back.
#include <chrono>
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
// (no hang), and the control plane's one line of explanation (the first
// component to reach Redis), followed by up's own, says why.
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
  const std::size_t at = run->err.find("\ntcoder control: ");
  if (at == std::string::npos) return "no explanation: " + run->err;
  const std::size_t end = run->err.find('\n', at + 1);
  const std::string why = run->err.substr(at + 1, end == std::string::npos ? std::string::npos : end - at - 1);
  if (run->err.find("tcoder up: control exited during start", at) == std::string::npos) return "up said: " + run->err;
  return why;
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

}  // namespace
}  // namespace tcoder::testing
