// The built-in S3 server under faults: SIGKILL in the middle of an upload
// (nothing partial visible, no temp file after a restart) and object-created
// events while Redis is down (the PUT succeeds; the event arrives later).
#include <gtest/gtest.h>

#include <thread>

#include "state/keys.h"
#include "storage/presign.h"
#include "storage_support.h"
#include "support/redis_server.h"
#include "support/test_env.h"

namespace tcoder::testing {
namespace {

namespace fs = std::filesystem;

std::string Presign(const StorageServer& server, const std::string& method, const std::string& key) {
  storage::PresignOptions o;
  o.endpoint = server.endpoint();
  o.bucket = "tcoder-input";
  o.key = key;
  o.method = method;
  o.credentials = {std::string(kS3AccessKey), std::string(kS3SecretKey), ""};
  o.now = std::chrono::system_clock::now();
  auto url = storage::PresignUrl(o);
  EXPECT_TRUE(url.ok()) << url.status().ToString();
  return url.ok() ? *url : "";
}

std::string RedisCli(int port, std::vector<std::string> args) {
  ProcessSpec spec;
  spec.argv = {"redis-cli", "-p", std::to_string(port)};
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  auto r = RunProcess(spec, RunOptions{.deadline = std::chrono::seconds(10)});
  return r.ok() ? r->out : "";
}

bool Eventually(const std::function<bool()>& check, std::chrono::seconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (check()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return check();
}

TEST(StorageFault, KilledMidUploadLeavesNothingBehind) {
  auto dir = TempDir::Create("storage-kill");
  ASSERT_TRUE(dir.ok());
  auto server = StorageServer::Start(dir->path(), {});
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  const fs::path file = dir->path() / "slow.bin";
  ASSERT_TRUE(MakeFile(file, 64 << 20, 7).ok());
  // A slow upload (4 MiB/s), killed while its body streams in.
  ProcessSpec spec;
  spec.argv = {"curl",      "-sS",          "-o",
               "/dev/null", "--limit-rate", "4M",
               "-T",        file.string(),  Presign(**server, "PUT", "partial.bin")};
  auto curl = Subprocess::Spawn(spec);
  ASSERT_TRUE(curl.ok());
  const fs::path tmp = (*server)->data_dir() / "s3" / "tmp";
  ASSERT_TRUE(Eventually(
      [&] {
        auto files = FilesUnder(tmp);
        return !files.empty() && fs::file_size(files.front()) > (1 << 20);
      },
      std::chrono::seconds(60)))
      << "the upload never reached the server's temp folder";
  ASSERT_TRUE((*server)->Kill().ok());
  curl->Terminate(std::chrono::seconds(2));
  EXPECT_FALSE(FilesUnder(tmp).empty());  // the kill left the temp file behind...
  ASSERT_TRUE((*server)->Restart().ok());
  EXPECT_TRUE(FilesUnder(tmp).empty());  // ...and the restart removed it
  EXPECT_EQ(Curl({Presign(**server, "GET", "partial.bin")}).status, 404);
}

TEST(StorageFault, EventsReachRedisAndWaitOutAnOutage) {
  auto dir = TempDir::Create("storage-events");
  ASSERT_TRUE(dir.ok());
  auto redis = RedisServer::Start();
  ASSERT_TRUE(redis.ok()) << redis.status().ToString();
  const int rport = (*redis)->port();
  const std::string events = state::Keys().Events();
  auto server = StorageServer::Start(dir->path(), {.redis_url = (*redis)->url()});
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  const fs::path f = dir->path() / "e.txt";
  ASSERT_TRUE(MakeFile(f, 1000, 3).ok());

  ASSERT_EQ(Curl({"-T", f.string(), Presign(**server, "PUT", "dir/first key.mp4")}).status, 200);
  ASSERT_TRUE(Eventually([&] { return RedisCli(rport, {"XLEN", events}) == "1\n"; }, std::chrono::seconds(10)));
  const std::string entry = RedisCli(rport, {"XRANGE", events, "-", "+"});
  for (const char* want : {"bucket", "tcoder-input", "key", "dir/first key.mp4", "size", "1000", "etag", "eventName",
                           "ObjectCreated:Put", "eventTime"}) {
    EXPECT_NE(entry.find(want), std::string::npos) << want << " missing in " << entry;
  }

  ASSERT_TRUE((*redis)->Stop().ok());
  ASSERT_EQ(Curl({"-T", f.string(), Presign(**server, "PUT", "second.mp4")}).status, 200);  // Redis is down
  ASSERT_TRUE((*redis)->Restart().ok());
  ASSERT_TRUE(Eventually([&] { return RedisCli(rport, {"XLEN", events}) == "2\n"; }, std::chrono::seconds(20)));
  EXPECT_NE(RedisCli(rport, {"XRANGE", events, "-", "+"}).find("second.mp4"), std::string::npos);
}

}  // namespace
}  // namespace tcoder::testing
