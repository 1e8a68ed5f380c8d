// WorkerTest: a fixture for the worker's end-to-end tests — a private
// redis-server, the built-in S3 server (`tcoder storage`) and real
// `tcoder worker` processes, all on loopback ports, all stopped at the end.
// Clips are made once per suite. For tests only; one thread.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/process.h"
#include "common/temp_dir.h"
#include "state/job_store.h"
#include "state/machine_pool.h"
#include "state/queue.h"
#include "state/redis_client.h"
#include "storage/s3_client.h"
#include "support/redis_server.h"

namespace tcoder::testing {

class WorkerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();
  void SetUp() override;
  void TearDown() override;

  // A 10 s 1280x720 clip with audio, and a 30 s one.
  static std::filesystem::path Clip10();
  static std::filesystem::path Clip30();

  // Starts `tcoder worker` as machine `id` (work dir WorkDir(id)); reports
  // go to `control_url` (empty: none), signed with kInternalSecret.
  Subprocess StartWorker(const std::string& id, std::vector<std::string> extra = {},
                         const std::string& control_url = "");
  std::filesystem::path WorkDir(const std::string& id) const { return root_->path() / ("work-" + id); }
  // Where that worker's job temp directories go: only its FFmpeg runs name it.
  std::filesystem::path JobTempRoot(const std::string& id) const { return WorkDir(id) / ("tcoder-worker-" + id); }

  // Uploads `data` (or `file`) as a job's input and creates the job pending.
  std::string AddJob(const std::filesystem::path& file, const std::string& preset = "hls-adaptive");
  std::string AddJobFromString(const std::string& data);

  state::Job GetJob(const std::string& id);
  std::string MachineState(const std::string& id);
  std::string JobField(const std::string& id, const std::string& field);  // the raw hash field
  // Polls `done` every 100 ms until it is true or `timeout` passes.
  static bool WaitFor(const std::function<bool()>& done, std::chrono::milliseconds timeout);
  bool WaitForStatus(const std::string& id, state::JobStatus status, std::chrono::milliseconds timeout);

  // Downloads every object under `prefix` into `dir` (keys relative to prefix).
  void DownloadPrefix(const std::string& prefix, const std::filesystem::path& dir);
  // True when ffmpeg decodes `input` from start to end without an error.
  static bool DecodesWhole(const std::filesystem::path& input, std::string* err);
  // Downloads the outputs under `prefix` and expects each of `playlists`
  // (paths below it, e.g. "720p/index.m3u8") to decode to the end.
  void ExpectPlayable(const std::string& prefix, const std::vector<std::string>& playlists);

  std::unique_ptr<RedisServer> redis_server_;
  std::unique_ptr<TempDir> root_;
  std::unique_ptr<Subprocess> storage_;
  std::string s3_endpoint_;
  std::unique_ptr<storage::S3Client> s3_;
  std::unique_ptr<state::RedisClient> redis_;
  std::unique_ptr<state::JobStore> jobs_;
  std::unique_ptr<state::Queue> queue_;  // for the reaper
  state::Keys keys_;

  static inline std::unique_ptr<TempDir> clips_;
  static constexpr char kAccessKey[] = "worker-test-access";
  static constexpr char kSecretKey[] = "worker-test-secret-0123456789";
  static constexpr char kInternalSecret[] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
};

}  // namespace tcoder::testing
