// Multipart, resumable uploads through a real `tcoder control` and the
// built-in store: the multipart answer, parts PUT straight to the store's
// presigned URLs, what GET /api/uploads/{id} shows for resuming, the checks
// before completing, one job from the completion and the store's own event,
// the abort on cancel, and the sweep that keeps a live upload and aborts an
// abandoned one.
#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "control_support.h"
#include "storage/s3_client.h"

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

}  // namespace
}  // namespace tcoder::testing
