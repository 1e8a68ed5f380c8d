// `tcoder up` on a Redis as managed services run it: TLS with a CA of its own
// and the least-privilege ACL user of docs/operations.md (read from that page,
// so the documented line is the tested one). A job goes through the whole
// pipeline, and Redis's ACL log shows that nothing was refused.
#include <chrono>
#include <sstream>
#include <string>
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
  ro.tls = RedisServer::Options::Tls{(*certs)->server_cert(), (*certs)->server_key(), (*certs)->ca(), false};
  auto redis = RedisServer::Start(ro);
  ASSERT_TRUE(redis.ok()) << redis.status().ToString();
  auto admin = state::RedisClient::Connect((*redis)->url());
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

}  // namespace
}  // namespace tcoder::testing
