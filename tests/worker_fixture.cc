#include "worker_fixture.h"

#include <thread>

#include "common/crypto.h"
#include "ffmpeg_support.h"
#include "state/machine_pool.h"
#include "state_probe.h"
#include "support/test_env.h"

namespace tcoder::testing {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

void WorkerTest::SetUpTestSuite() {
  auto dir = TempDir::Create("worker-clips-");
  ASSERT_TRUE(dir.ok());
  clips_ = std::make_unique<TempDir>(std::move(*dir));
  MakeClip(Clip10(), "1280x720", 10, true);
  MakeClip(Clip30(), "1280x720", 30, true);
}

void WorkerTest::TearDownTestSuite() { clips_.reset(); }

fs::path WorkerTest::Clip10() { return clips_->path() / "clip10.mp4"; }
fs::path WorkerTest::Clip30() { return clips_->path() / "clip30.mp4"; }

void WorkerTest::SetUp() {
  auto server = RedisServer::Start();
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  redis_server_ = std::move(*server);
  auto root = TempDir::Create("worker-e2e-");
  ASSERT_TRUE(root.ok());
  root_ = std::make_unique<TempDir>(std::move(*root));

  const int port = FreePort();
  ProcessSpec spec{.argv = {TcoderBinary().string(), "storage", "--port", std::to_string(port), "--data-dir",
                            (root_->path() / "storage").string(), "--s3-access-key", kAccessKey, "--s3-secret-key",
                            kSecretKey, "--redis-url", redis_server_->url(), "--log-level", "warn"},
                   .stdout_mode = StdStream::kNull,
                   .stderr_mode = StdStream::kInherit};
  auto storage = Subprocess::Spawn(spec);
  ASSERT_TRUE(storage.ok()) << storage.status().ToString();
  storage_ = std::make_unique<Subprocess>(std::move(*storage));
  ASSERT_TRUE(WaitForPort(port, 30s)) << "tcoder storage did not listen";
  s3_endpoint_ = "http://127.0.0.1:" + std::to_string(port);

  storage::S3ClientConfig config{.endpoint = s3_endpoint_, .credentials = {kAccessKey, kSecretKey, ""}};
  auto s3 = storage::S3Client::Create(config);
  ASSERT_TRUE(s3.ok()) << s3.status().ToString();
  s3_ = std::move(*s3);
  ASSERT_TRUE(s3_->CreateBucket("tcoder-input").ok());
  ASSERT_TRUE(s3_->CreateBucket("tcoder-output").ok());

  auto redis = state::RedisClient::Connect(redis_server_->url());
  ASSERT_TRUE(redis.ok());
  redis_ = std::move(*redis);
  jobs_ = std::make_unique<state::JobStore>(*redis_, keys_);
  queue_ = std::make_unique<state::Queue>(*redis_, keys_);
}

void WorkerTest::TearDown() {
  if (storage_) storage_->Terminate(5s);
}

Subprocess WorkerTest::StartWorker(const std::string& id, std::vector<std::string> extra,
                                   const std::string& control_url) {
  ProcessSpec spec{.argv = {TcoderBinary().string(),
                            "worker",
                            "--machine-id",
                            id,
                            "--redis-url",
                            redis_server_->url(),
                            "--s3-endpoint",
                            s3_endpoint_,
                            "--s3-access-key",
                            kAccessKey,
                            "--s3-secret-key",
                            kSecretKey,
                            "--control-url",
                            control_url,
                            "--internal-secret",
                            kInternalSecret,
                            "--data-dir",
                            (root_->path() / "data").string(),
                            "--work-dir",
                            WorkDir(id).string()},
                   .stdout_mode = StdStream::kNull,
                   .stderr_mode = StdStream::kInherit};
  spec.argv.insert(spec.argv.end(), extra.begin(), extra.end());
  fs::create_directories(WorkDir(id));
  auto p = Subprocess::Spawn(spec);
  TCODER_CHECK(p.ok(), p.status().ToString());
  return std::move(*p);
}

std::string WorkerTest::AddJob(const fs::path& file, const std::string& preset) {
  const std::string id = state::NewJobId();
  state::JobSpec spec;
  spec.filename = file.filename().string();
  spec.preset = preset;
  spec.input_key = "uploads/" + id + "/" + spec.filename;
  auto put = s3_->PutObject("tcoder-input", spec.input_key, file);
  TCODER_CHECK(put.ok(), put.status().ToString());
  Status s = jobs_->Create(id, spec, state::JobStatus::kPending);
  TCODER_CHECK(s.ok(), s.ToString());
  return id;
}

std::string WorkerTest::AddJobFromString(const std::string& data) {
  const std::string id = state::NewJobId();
  state::JobSpec spec;
  spec.filename = "upload.mp4";
  spec.input_key = "uploads/" + id + "/upload.mp4";
  auto put = s3_->PutObjectFromString("tcoder-input", spec.input_key, data);
  TCODER_CHECK(put.ok(), put.status().ToString());
  Status s = jobs_->Create(id, spec, state::JobStatus::kPending);
  TCODER_CHECK(s.ok(), s.ToString());
  return id;
}

state::Job WorkerTest::GetJob(const std::string& id) {
  auto job = jobs_->Get(id);
  TCODER_CHECK(job.ok(), job.status().ToString());
  return *job;
}

std::string WorkerTest::MachineState(const std::string& id) {
  auto m = state::MachinePool(*redis_, keys_).Get(id);
  return m.ok() ? m->state : "";
}

std::string WorkerTest::JobField(const std::string& id, const std::string& field) {
  return StateProbe(*redis_).Field(keys_.Job(id), field);
}

bool WorkerTest::WaitFor(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(100ms);
  }
  return true;
}

bool WorkerTest::WaitForStatus(const std::string& id, state::JobStatus status, std::chrono::milliseconds timeout) {
  return WaitFor([&] { return GetJob(id).status == status; }, timeout);
}

void WorkerTest::DownloadPrefix(const std::string& prefix, const fs::path& dir) {
  auto objects = s3_->ListAll("tcoder-output", prefix + "/");
  ASSERT_TRUE(objects.ok()) << objects.status().ToString();
  for (const storage::ObjectInfo& o : *objects) {
    const fs::path to = dir / o.key.substr(prefix.size() + 1);
    fs::create_directories(to.parent_path());
    auto got = s3_->GetObject("tcoder-output", o.key, to);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
  }
}

void WorkerTest::ExpectPlayable(const std::string& prefix, const std::vector<std::string>& playlists) {
  auto local = TempDir::Create("worker-out-");
  ASSERT_TRUE(local.ok()) << local.status().ToString();
  DownloadPrefix(prefix, local->path());
  for (const std::string& playlist : playlists) {
    std::string err;
    EXPECT_TRUE(DecodesWhole(local->path() / playlist, &err)) << playlist << ": " << err;
  }
}

bool WorkerTest::DecodesWhole(const fs::path& input, std::string* err) {
  const RunResult r = RunFfmpeg({"-xerror", "-i", input.string(), "-f", "null", "-"});
  *err = r.err;
  return r.success() && r.err.empty();
}

}  // namespace tcoder::testing
