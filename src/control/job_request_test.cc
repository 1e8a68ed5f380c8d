#include "control/job_request.h"

#include <gtest/gtest.h>

namespace tcoder::control {
namespace {

const ApiError* Err(const std::variant<JobRequest, ApiError>& r) { return std::get_if<ApiError>(&r); }

TEST(JobRequest, AcceptsAFullUpload) {
  auto r = ParseJobRequest(
      R"({"filename":"my video.mp4","size":1000,"preset":"hls","outputQualities":["720p","360p","720p"],
          "webhookUrl":"https://example.com/hook","visibility":"premium","priority":-5,"metadata":{"a":1},
          "download":"720p"})",
      RequestKind::kUpload, {});
  ASSERT_EQ(Err(r), nullptr) << Err(r)->message;
  const auto& s = std::get<JobRequest>(r).spec;
  EXPECT_EQ(s.filename, "my video.mp4");
  EXPECT_EQ(s.size, 1000u);
  EXPECT_EQ(s.preset, "hls");
  EXPECT_EQ(s.output_qualities, (std::vector<std::string>{"720p", "360p"}));
  EXPECT_EQ(s.visibility, "premium");
  EXPECT_EQ(s.priority, -5);
  EXPECT_EQ(s.metadata["a"], 1);
  EXPECT_EQ(s.download, "720p");
}

TEST(JobRequest, DefaultsApply) {
  auto r = ParseJobRequest(R"({"filename":"a.mp4"})", RequestKind::kUpload, {});
  ASSERT_EQ(Err(r), nullptr);
  EXPECT_EQ(std::get<JobRequest>(r).spec.preset, "hls-adaptive");
  EXPECT_EQ(std::get<JobRequest>(r).spec.visibility, "public");
}

TEST(JobRequest, MultipartIsTheClientsChoiceOrTheServers) {
  auto none = ParseJobRequest(R"({"filename":"a.mp4"})", RequestKind::kUpload, {});
  EXPECT_FALSE(std::get<JobRequest>(none).multipart.has_value());
  auto yes = ParseJobRequest(R"({"filename":"a.mp4","size":9,"multipart":true})", RequestKind::kUpload, {});
  EXPECT_EQ(std::get<JobRequest>(yes).multipart, true);
  auto no = ParseJobRequest(R"({"filename":"a.mp4","multipart":false})", RequestKind::kUpload, {});
  EXPECT_EQ(std::get<JobRequest>(no).multipart, false);
  auto bad = ParseJobRequest(R"({"filename":"a.mp4","multipart":"yes"})", RequestKind::kUpload, {});
  ASSERT_NE(Err(bad), nullptr);
  EXPECT_EQ(Err(bad)->details["field"], "multipart");
}

TEST(JobRequest, RefusesBadInputWithTheReason) {
  struct Case {
    const char* body;
    int status;
    const char* says;
  };
  const Case cases[] = {
      {"{not json", 400, "malformed JSON"},
      {"[1,2]", 400, "JSON object"},
      {R"({})", 400, "filename"},
      {R"({"filename":"../etc/passwd"})", 400, "plain file name"},
      {R"({"filename":"a\u0001b.mp4"})", 400, "control characters"},
      {R"({"filename":".."})", 400, "plain file name"},
      {R"({"filename":"a.mp4","preset":"ultra"})", 400, "unknown preset"},
      {R"({"filename":"a.mp4","outputQualities":["999p"]})", 400, "unknown quality"},
      {R"({"filename":"a.mp4","outputQualities":[]})", 400, "outputQualities"},
      {R"({"filename":"a.mp4","size":-1})", 400, "size"},
      {R"({"filename":"a.mp4","download":"8k"})", 400, "unknown download"},
      {R"({"filename":"a.mp4","download":true})", 400, "download"},
      {R"({"filename":"a.mp4","size":99999999999999})", 413, "too large"},
      {R"({"filename":"a.mp4","webhookUrl":"ftp://x/y"})", 400, "webhookUrl"},
      {R"({"filename":"a.mp4","webhookUrl":"not a url"})", 400, "webhookUrl"},
      {R"({"filename":"a.mp4","visibility":"secret"})", 400, "visibility"},
      {R"({"filename":"a.mp4","priority":5000})", 400, "priority"},
      {R"({"filename":"a.mp4","priority":1.5})", 400, "priority"},
      {R"({"filename":"a.mp4","metadata":[1]})", 400, "metadata"},
  };
  for (const Case& c : cases) {
    auto r = ParseJobRequest(c.body, RequestKind::kUpload, {});
    ASSERT_NE(Err(r), nullptr) << c.body;
    EXPECT_EQ(Err(r)->status, c.status) << c.body;
    EXPECT_NE(Err(r)->message.find(c.says), std::string::npos) << c.body << " -> " << Err(r)->message;
  }
}

TEST(JobRequest, RefusesAbsurdFilenamesAndMetadata) {
  std::string long_name(300, 'a');
  auto r = ParseJobRequest(R"({"filename":")" + long_name + R"("})", RequestKind::kUpload, {});
  ASSERT_NE(Err(r), nullptr);
  EXPECT_NE(Err(r)->message.find("longer than"), std::string::npos);
  std::string big(20000, 'x');
  r = ParseJobRequest(R"({"filename":"a.mp4","metadata":{"k":")" + big + R"("}})", RequestKind::kUpload, {});
  ASSERT_NE(Err(r), nullptr);
  EXPECT_NE(Err(r)->message.find("metadata"), std::string::npos);
}

TEST(JobRequest, JobNeedsExactlyOneInput) {
  EXPECT_NE(Err(ParseJobRequest(R"({"preset":"hls"})", RequestKind::kJob, {})), nullptr);
  EXPECT_NE(Err(ParseJobRequest(R"({"inputKey":"a","inputUrl":"http://x/a"})", RequestKind::kJob, {})), nullptr);
  auto r = ParseJobRequest(R"({"inputKey":"in/dir/clip.mov"})", RequestKind::kJob, {});
  ASSERT_EQ(Err(r), nullptr);
  EXPECT_EQ(std::get<JobRequest>(r).spec.filename, "clip.mov");
}

TEST(JobRequest, UploadKeysAreSanitized) {
  EXPECT_EQ(UploadKey("j_abc", "my vidéo (1).mp4"), "uploads/j_abc/my_vid__o__1_.mp4");
  EXPECT_EQ(SanitizeFilename("..."), "input");
}

}  // namespace
}  // namespace tcoder::control
