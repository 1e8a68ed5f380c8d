#include "state/job.h"

#include <algorithm>

#include <gtest/gtest.h>

namespace tcoder::state {
namespace {

TEST(Job, StatusNamesRoundTrip) {
  for (JobStatus s : {JobStatus::kUploading, JobStatus::kQueued, JobStatus::kPending, JobStatus::kRunning,
                      JobStatus::kCompleted, JobStatus::kFailed, JobStatus::kCancelled}) {
    EXPECT_EQ(ParseStatus(StatusName(s)), s);
  }
  EXPECT_FALSE(ParseStatus("done").has_value());
  EXPECT_TRUE(IsEnded(JobStatus::kCancelled));
  EXPECT_FALSE(IsEnded(JobStatus::kRunning));
}

TEST(Job, NewIdsAreUrlSafeAndDistinct) {
  const std::string a = NewJobId(), b = NewJobId();
  EXPECT_EQ(a.size(), 24u);
  EXPECT_EQ(a.substr(0, 2), "j_");
  EXPECT_NE(a, b);
  EXPECT_TRUE(ValidateJobId(a).ok());
  EXPECT_FALSE(ValidateJobId("j_1:x").ok());
  EXPECT_FALSE(ValidateJobId("").ok());
  EXPECT_FALSE(ValidateJobId("../etc").ok());
}

TEST(Job, SpecValidationRefusesWhatTheStoreCannotHold) {
  JobSpec spec;
  spec.input_key = "in/a.mp4";
  EXPECT_TRUE(ValidateSpec(spec).ok());
  spec.priority = kMaxPriority + 1;
  EXPECT_EQ(ValidateSpec(spec).code(), Code::kInvalidArgument);
  spec.priority = 0;
  spec.max_attempts = 0;
  EXPECT_FALSE(ValidateSpec(spec).ok());
  spec.max_attempts = 3;
  spec.input_key.clear();
  EXPECT_FALSE(ValidateSpec(spec).ok());
  spec.input_url = "https://example.com/a.mp4";  // a URL instead of a key
  EXPECT_TRUE(ValidateSpec(spec).ok());
  spec.input_key = "in/a.mp4";  // never both
  EXPECT_FALSE(ValidateSpec(spec).ok());
}

TEST(Job, InputUrlAndItsPolicyRoundTrip) {
  JobSpec spec;
  spec.input_url = "http://127.0.0.1:8080/clip.mp4";
  spec.input_url_allow_private = true;
  spec.input_url_max_bytes = 1 << 20;
  std::map<std::string, std::string> hash{{"jobId", "j_1"}, {"status", "pending"}};
  std::vector<std::string> fields = SpecFields(spec);
  for (size_t i = 0; i + 1 < fields.size(); i += 2) hash[fields[i]] = fields[i + 1];
  auto job = JobFromHash(hash);
  ASSERT_TRUE(job.ok());
  EXPECT_EQ(job->spec.input_url, spec.input_url);
  EXPECT_TRUE(job->spec.input_url_allow_private);
  EXPECT_EQ(job->spec.input_url_max_bytes, 1u << 20);
  EXPECT_EQ(JobToJson(*job)["inputUrl"], spec.input_url);
  hash["inputUrlAllowPrivate"] = "0";
  EXPECT_FALSE(JobFromHash(hash)->spec.input_url_allow_private);
}

TEST(Job, AMultipartUploadsIdAndPartSizeRoundTripAndASinglePutStoresNeither) {
  JobSpec spec;
  spec.input_key = "uploads/j_1/in.mov";
  const std::vector<std::string> single = SpecFields(spec);
  EXPECT_EQ(std::find(single.begin(), single.end(), "uploadId"), single.end());
  spec.upload_id = "u-1";
  spec.part_size = 16u << 20;
  std::map<std::string, std::string> hash{{"jobId", "j_1"}, {"status", "uploading"}};
  std::vector<std::string> fields = SpecFields(spec);
  for (size_t i = 0; i + 1 < fields.size(); i += 2) hash[fields[i]] = fields[i + 1];
  auto job = JobFromHash(hash);
  ASSERT_TRUE(job.ok());
  EXPECT_EQ(job->spec.upload_id, "u-1");
  EXPECT_EQ(job->spec.part_size, 16u << 20);
}

TEST(Job, HashToJsonHasTheApiShape) {
  JobSpec spec;
  spec.filename = "a.mp4";
  spec.output_qualities = {"360p", "720p"};
  spec.download = "720p";
  spec.metadata = {{"k", "v"}};
  spec.input_key = "in/a.mp4";
  std::map<std::string, std::string> hash{
      {"jobId", "j_1"},     {"status", "running"},    {"progress", "40"},
      {"attempts", "2"},    {"createdAt", "1000"},    {"startedAt", "1763715088123"},
      {"machineId", "m_1"}, {"inputKey", "in/a.mp4"}, {"outputs", "not json"}};
  std::vector<std::string> fields = SpecFields(spec);
  for (size_t i = 0; i + 1 < fields.size(); i += 2) hash[fields[i]] = fields[i + 1];
  auto job = JobFromHash(hash);
  ASSERT_TRUE(job.ok());
  const nlohmann::json j = JobToJson(*job);
  EXPECT_EQ(j["jobId"], "j_1");
  EXPECT_EQ(j["status"], "running");
  EXPECT_EQ(j["progress"], 40);
  EXPECT_EQ(j["attempts"], 2);
  EXPECT_EQ(j["machineId"], "m_1");
  EXPECT_EQ(j["outputs"], nlohmann::json::array());  // corrupt JSON reads as empty
  EXPECT_EQ(j["outputQualities"], nlohmann::json({"360p", "720p"}));
  EXPECT_EQ(j["download"], "720p");
  EXPECT_EQ(job->spec.download, "720p");
  EXPECT_EQ(j["metadata"]["k"], "v");
  EXPECT_EQ(j["timestamps"]["createdAt"], "1970-01-01T00:00:01.000Z");
  EXPECT_EQ(j["timestamps"]["startedAt"], "2025-11-21T08:51:28.123Z");
  EXPECT_TRUE(j["timestamps"]["completedAt"].is_null());
  EXPECT_TRUE(j["error"].is_null());
}

TEST(Job, CorruptRecordIsAnError) {
  EXPECT_FALSE(JobFromHash({{"jobId", "j_1"}, {"status", "bogus"}}).ok());
  EXPECT_FALSE(JobFromHash({{"status", "pending"}}).ok());
}

}  // namespace
}  // namespace tcoder::state
