// Multipart, resumable uploads through a real `tcoder control` and the
// built-in store: the multipart answer, parts PUT straight to the store's
// presigned URLs, what GET /api/uploads/{id} shows for resuming, the checks
// before completing, one job from the completion and the store's own event,
// the abort on cancel, and the sweep that keeps a live upload and aborts an
// abandoned one; and `tcoder transcode` of a 1.2 GiB file killed halfway and
// run again, resuming.
#include <signal.h>

#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "common/process.h"
#include "common/temp_dir.h"
#include "control_support.h"
#include "storage/s3_client.h"
#include "support/byte_proxy.h"
#include "support/test_env.h"

namespace tcoder::testing {
namespace {

using nlohmann::json;
constexpr std::uint64_t kMiB = 1ull << 20;

// Bytes that differ from part to part, so a part sent in the wrong place shows.
std::string Data(std::size_t n) {
  std::string s(n, '\0');
  std::uint32_t x = 2463534242u;
  for (char& c : s) {
    x ^= x << 13, x ^= x >> 17, x ^= x << 5;
    c = static_cast<char>(x);
  }
  return s;
}

std::string Part(const std::string& data, const json& multipart, int n) {
  const std::uint64_t size = multipart["partSize"].get<std::uint64_t>();
  return data.substr((n - 1) * size, size);
}

class ControlUploads : public ::testing::Test {
 protected:
  void Start(std::vector<std::string> extra = {}) {
    stack_.StartStorage();
    std::vector<std::string> args = {"--max-machines", "0", "--multipart-part-size", "5MiB"};
    args.insert(args.end(), extra.begin(), extra.end());
    stack_.StartControl(args);
    storage::S3ClientConfig c;
    c.endpoint = stack_.s3_endpoint();
    c.credentials = {stack_.secrets().s3_access_key, stack_.secrets().s3_secret_key, ""};
    s3_ = std::move(storage::S3Client::Create(c).value());
  }
  HttpResult Api(const std::string& method, const std::string& path, const std::string& body = "") {
    return Http(method, stack_.api() + path, body, stack_.auth());
  }
  // A fresh URL for part n of the job's upload.
  std::string PartUrl(const std::string& id, int n) {
    HttpResult r = Api("POST", "/api/uploads/" + id + "/parts", json({{"partNumbers", {n}}}).dump());
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json()["parts"][0].value("url", "");
  }

  ControlStack stack_;
  std::unique_ptr<storage::S3Client> s3_;
};

TEST_F(ControlUploads, PartsGoToTheStoreAndCompletingChecksThemAndQueuesOneJob) {
  Start();
  const std::string data = Data(12 * kMiB + 123);
  json up = stack_.Upload({{"filename", "big talk.mov"}, {"size", data.size()}, {"multipart", true}});
  ASSERT_EQ(up["uploadMethod"], "multipart") << up.dump();
  const std::string id = up["jobId"];
  const json& mp = up["multipart"];
  EXPECT_EQ(mp["partSize"], 5 * kMiB);
  EXPECT_EQ(mp["partCount"], 3);
  EXPECT_EQ(mp["size"], data.size());
  ASSERT_EQ(mp["parts"].size(), 3u);
  EXPECT_EQ(mp["partsUrl"], "/api/uploads/" + id + "/parts");
  EXPECT_EQ(mp["completeUrl"], "/api/uploads/" + id + "/complete");
  EXPECT_EQ(stack_.Job(id)["status"], "uploading");

  EXPECT_EQ(PutToUrl(mp["parts"][0]["url"], Part(data, mp, 1)), 200);
  EXPECT_EQ(PutToUrl(mp["parts"][2]["url"], Part(data, mp, 3)), 200);
  HttpResult state = Api("GET", "/api/uploads/" + id);
  ASSERT_EQ(state.status, 200) << state.body;
  EXPECT_EQ(state.json()["status"], "uploading");
  EXPECT_EQ(state.json()["uploadId"], mp["uploadId"]);
  ASSERT_EQ(state.json()["uploadedParts"].size(), 2u) << state.body;
  EXPECT_EQ(state.json()["uploadedParts"][1]["partNumber"], 3);
  EXPECT_EQ(state.json()["uploadedBytes"], 5 * kMiB + (2 * kMiB + 123));

  HttpResult missing = Api("POST", mp["completeUrl"].get<std::string>(), "{}");
  EXPECT_EQ(missing.status, 400) << missing.body;
  EXPECT_EQ(missing.json()["error"], "1 part missing");
  EXPECT_EQ(missing.json()["details"]["missing"], json::array({2}));

  ASSERT_EQ(PutToUrl(PartUrl(id, 2), std::string(kMiB, 'x')), 200);  // too short: the store takes it, we do not
  HttpResult short_part = Api("POST", mp["completeUrl"].get<std::string>(), "{}");
  EXPECT_EQ(short_part.status, 400) << short_part.body;
  EXPECT_EQ(short_part.json()["details"]["partNumber"], 2);

  ASSERT_EQ(PutToUrl(PartUrl(id, 2), Part(data, mp, 2)), 200);  // sent again: replaces it
  HttpResult wrong_etag =
      Api("POST", mp["completeUrl"].get<std::string>(), R"({"parts":[{"partNumber":1,"etag":"\"0000\""}]})");
  EXPECT_EQ(wrong_etag.status, 400) << wrong_etag.body;
  EXPECT_EQ(wrong_etag.json()["details"]["partNumber"], 1);

  HttpResult done = Api("POST", mp["completeUrl"].get<std::string>(), "{}");
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(done.json()["jobId"], id);
  EXPECT_NE(done.json()["status"], "uploading");
  HttpResult again = Api("POST", mp["completeUrl"].get<std::string>(), "{}");
  EXPECT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.json()["status"], done.json()["status"]);

  auto object = s3_->GetObjectToString("tcoder-input", up["inputKey"].get<std::string>(), std::nullopt, 32 << 20);
  ASSERT_TRUE(object.ok()) << object.status().ToString();
  EXPECT_TRUE(*object == data) << "the object is not the file's bytes";
  const json job = stack_.Job(id);
  EXPECT_EQ(job["size"], data.size());
  EXPECT_NE(job["status"], "uploading");
  HttpResult jobs = Api("GET", "/api/jobs");
  EXPECT_EQ(jobs.json()["jobs"].size(), 1u) << "the completion and the store's event made one job";
  EXPECT_EQ(Api("GET", "/api/uploads/" + id).json(), json({{"jobId", id}, {"status", job["status"]}}));
  EXPECT_EQ(Api("POST", "/api/uploads/" + id + "/parts", R"({"partNumbers":[1]})").status, 409);
}

TEST_F(ControlUploads, TheServerChoosesByTheThresholdAndRefusesWhatCannotWork) {
  Start();
  json big = stack_.Upload({{"filename", "a.mp4"}, {"size", 200 * kMiB}});
  EXPECT_EQ(big["uploadMethod"], "multipart");
  EXPECT_EQ(big["multipart"]["partCount"], 40);  // 5 MiB parts
  json small = stack_.Upload({{"filename", "a.mp4"}, {"size", 50 * kMiB}});
  EXPECT_EQ(small["uploadMethod"], "PUT");
  EXPECT_FALSE(small.contains("multipart"));

  HttpResult one_put =
      Api("POST", "/api/upload", json({{"filename", "a.mp4"}, {"size", 6ull << 30}, {"multipart", false}}).dump());
  EXPECT_EQ(one_put.status, 400) << one_put.body;
  EXPECT_EQ(one_put.json()["details"]["field"], "multipart");
  HttpResult no_size = Api("POST", "/api/upload", R"({"filename":"a.mp4","multipart":true})");
  EXPECT_EQ(no_size.status, 400);
  EXPECT_EQ(no_size.json()["details"]["field"], "size");
  EXPECT_EQ(Api("POST", "/api/upload", R"({"filename":"a.mp4","multipart":1})").status, 400);

  const std::string big_id = big["jobId"], small_id = small["jobId"];
  EXPECT_EQ(Api("GET", "/api/uploads/" + small_id).status, 409);
  EXPECT_EQ(Api("GET", "/api/uploads/j_AAAAAAAAAAAAAAAAAAAAAA").status, 404);
  EXPECT_EQ(Api("GET", "/api/uploads/..%2Fx").status, 404);
  EXPECT_EQ(Api("POST", "/api/uploads/" + big_id + "/parts", R"({"partNumbers":[41]})").status, 400);
  EXPECT_EQ(Api("POST", "/api/uploads/" + big_id + "/parts", R"({"partNumbers":[1,1]})").status, 400);
  EXPECT_EQ(Api("POST", "/api/uploads/" + big_id + "/complete", "[]").status, 400);
  EXPECT_EQ(Http("POST", stack_.api() + "/api/uploads/" + big_id + "/complete", "{}").status, 401);
  EXPECT_EQ(Http("GET", stack_.api() + "/api/uploads/" + big_id).status, 401);
}

TEST_F(ControlUploads, CancellingAMultipartUploadAbortsItInTheStore) {
  Start();
  const std::string data = Data(6 * kMiB);
  json up = stack_.Upload({{"filename", "a.mp4"}, {"size", data.size()}, {"multipart", true}});
  const std::string id = up["jobId"], key = up["inputKey"], upload_id = up["multipart"]["uploadId"];
  ASSERT_EQ(PutToUrl(up["multipart"]["parts"][0]["url"], Part(data, up["multipart"], 1)), 200);
  ASSERT_TRUE(s3_->ListParts("tcoder-input", key, upload_id).ok());
  HttpResult cancel = Api("DELETE", "/api/jobs/" + id);
  EXPECT_EQ(cancel.status, 200) << cancel.body;
  auto parts = s3_->ListParts("tcoder-input", key, upload_id);
  EXPECT_EQ(parts.status().code(), Code::kNotFound) << parts.status().ToString();
  EXPECT_EQ(PutToUrl(up["multipart"]["parts"][1]["url"], Part(data, up["multipart"], 2)), 404);
  EXPECT_EQ(Api("GET", "/api/uploads/" + id).json(), json({{"jobId", id}, {"status", "cancelled"}}));
  EXPECT_EQ(Api("POST", "/api/uploads/" + id + "/complete", "{}").status, 409);
}

// The window is the URL's expiry plus the grace (2 s here): a part sent
// within it keeps the upload, none for that long fails the job and aborts it.
TEST_F(ControlUploads, TheSweepKeepsAnUploadWhosePartsStillComeAndAbortsAnAbandonedOne) {
  Start({"--upload-expiry", "2s", "--upload-grace", "0s", "--upload-check-after", "0s", "--upload-check-every", "200ms",
         "--tick", "100ms"});
  const std::string data = Data(6 * kMiB);
  json live = stack_.Upload({{"filename", "a.mp4"}, {"size", data.size()}, {"multipart", true}});
  json gone = stack_.Upload({{"filename", "b.mp4"}, {"size", data.size()}, {"multipart", true}});
  const std::string live_id = live["jobId"], gone_id = gone["jobId"];
  ASSERT_EQ(PutToUrl(gone["multipart"]["parts"][0]["url"], Part(data, gone["multipart"], 1)), 200);
  const auto start = std::chrono::steady_clock::now();
  bool gone_failed = false;
  while (std::chrono::steady_clock::now() - start < std::chrono::seconds(6)) {
    ASSERT_EQ(PutToUrl(PartUrl(live_id, 1), Part(data, live["multipart"], 1)), 200);
    gone_failed = gone_failed || stack_.Job(gone_id)["status"] == "failed";
    std::this_thread::sleep_for(std::chrono::milliseconds(700));
  }
  EXPECT_TRUE(gone_failed);
  const json failed = stack_.Job(gone_id);
  EXPECT_EQ(failed["status"], "failed");
  EXPECT_EQ(failed["error"], "upload never completed");
  auto parts = s3_->ListParts("tcoder-input", gone["inputKey"].get<std::string>(),
                              gone["multipart"]["uploadId"].get<std::string>());
  EXPECT_EQ(parts.status().code(), Code::kNotFound) << "the abandoned upload was aborted in the store";
  EXPECT_EQ(stack_.Job(live_id)["status"], "uploading") << "6 s old, past the window, but its parts kept coming";
  HttpResult state = Api("GET", "/api/uploads/" + live_id);
  EXPECT_EQ(state.json()["uploadedParts"].size(), 1u) << state.body;
  EXPECT_TRUE(stack_.WaitForStatus(live_id, "failed", 15)) << "left alone, it is given up too";
}

// 1.2 GiB of raw 1080p video (415 frames): large, yet quick to make and to transcode.
std::filesystem::path MakeLargeVideo(const std::filesystem::path& dir) {
  const auto path = dir / "large talk.avi";
  ProcessSpec spec;
  spec.argv = {
      "ffmpeg",    "-v",  "error", "-y",       "-f",       "lavfi",   "-i",         "testsrc2=size=1920x1080:rate=25",
      "-frames:v", "415", "-c:v",  "rawvideo", "-pix_fmt", "yuv420p", path.string()};
  RunOptions options;
  options.deadline = std::chrono::minutes(3);
  auto made = RunProcess(spec, options);
  EXPECT_TRUE(made.ok() && made->success()) << (made.ok() ? made->err : made.status().ToString());
  return path;
}

// The store's view of the job's upload while it goes: uploadedBytes, or -1.
long long StoredBytes(ControlStack& stack, std::string& job_id) {
  if (job_id.empty()) {
    HttpResult jobs = Http("GET", stack.api() + "/api/jobs?status=uploading", "", stack.auth());
    const json list = jobs.json();
    if (!list.is_object() || list["jobs"].empty()) return -1;
    job_id = list["jobs"][0]["jobId"];
  }
  HttpResult state = Http("GET", stack.api() + "/api/uploads/" + job_id, "", stack.auth());
  return state.status == 200 ? state.json().value("uploadedBytes", -1LL) : -1;
}

// Through a counting proxy in front of the store (the presigned URLs name
// it): what the resumed run sent is measured on the wire, not taken from the CLI.
TEST_F(ControlUploads, ACliUploadOf1Point2GiBKilledHalfwayResumesAndSendsUnderSixtyPercentAgain) {
  stack_.StartStorage();
  ByteProxy proxy(std::stoi(stack_.s3_endpoint().substr(stack_.s3_endpoint().rfind(':') + 1)));
  stack_.StartControl(
      {"--max-machines", "1", "--s3-public-endpoint", "http://127.0.0.1:" + std::to_string(proxy.port())});
  auto dir = TempDir::Create("large-upload-");
  ASSERT_TRUE(dir.ok());
  const auto video = MakeLargeVideo(dir->path());
  const std::uint64_t size = std::filesystem::file_size(video);
  ASSERT_GT(size, 1200ull * kMiB);
  const std::vector<std::string> argv = {TcoderBinary().string(),
                                         "transcode",
                                         video.string(),
                                         "--server",
                                         stack_.api(),
                                         "--api-key",
                                         stack_.secrets().api_key,
                                         "--data-dir",
                                         (dir->path() / "client").string(),
                                         "--preset",
                                         "hls",
                                         "--qualities",
                                         "144p"};
  ProcessSpec first;
  first.argv = argv;
  first.stdout_mode = first.stderr_mode = StdStream::kNull;
  Subprocess cli = std::move(Subprocess::Spawn(first).value());
  std::string job_id;
  long long stored = -1;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(3);
  while (std::chrono::steady_clock::now() < deadline && cli.running() && !cli.TryWait()) {
    stored = StoredBytes(stack_, job_id);
    if (stored >= static_cast<long long>(size / 2)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(cli.running()) << "the upload ended before it could be interrupted";
  ASSERT_TRUE(cli.Signal(SIGKILL).ok());
  cli.Wait();
  // What the kernel had already taken from the CLI still reaches the store:
  // a part can complete after the kill. Read the store once it settled.
  long long at_kill = StoredBytes(stack_, job_id);
  for (long long before = -2; before != at_kill;) {
    before = at_kill;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    at_kill = StoredBytes(stack_, job_id);
  }
  ASSERT_GE(at_kill, static_cast<long long>(size / 2));
  ASSERT_LT(at_kill, static_cast<long long>(size)) << "killed after the last part";
  EXPECT_EQ(stack_.Job(job_id)["status"], "uploading");

  proxy.Reset();
  ProcessSpec second;
  second.argv = argv;
  RunOptions options;
  options.deadline = std::chrono::minutes(5);
  auto resumed = RunProcess(second, options);
  ASSERT_TRUE(resumed.ok());
  EXPECT_TRUE(resumed->success()) << resumed->err;
  EXPECT_NE(resumed->err.find("resuming job " + job_id), std::string::npos) << resumed->err;
  const double resent = static_cast<double>(proxy.bytes()) / static_cast<double>(size);
  std::cout << "stored at the kill: " << at_kill << " of " << size << " bytes; the second run sent " << proxy.bytes()
            << " (" << resent * 100 << " %)\n";
  EXPECT_LT(resent, 0.60);
  EXPECT_GE(proxy.bytes(), size - static_cast<std::uint64_t>(at_kill)) << "every missing byte went";
  const json job = stack_.Job(job_id);
  EXPECT_EQ(job["status"], "completed") << job.dump();
  EXPECT_EQ(job["size"], size);
  HttpResult jobs = Http("GET", stack_.api() + "/api/jobs", "", stack_.auth());
  EXPECT_EQ(jobs.json()["jobs"].size(), 1u) << "one job, resumed, not a second one";
}

}  // namespace
}  // namespace tcoder::testing
