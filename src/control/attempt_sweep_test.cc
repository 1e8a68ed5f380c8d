#include "control/attempt_sweep.h"

#include <gtest/gtest.h>

namespace tcoder::control {
namespace {

state::Job Completed(nlohmann::json outputs) {
  state::Job job;
  job.id = "j_a";
  job.status = state::JobStatus::kCompleted;
  job.outputs = std::move(outputs);
  return job;
}

TEST(AttemptSweep, KeepsTheFinalAttemptAndNamesEveryOtherObjectOfTheJob) {
  const state::Job job = Completed({{{"key", "public/j_a/20/360p/index.m3u8"}}, {{"key", "public/j_a/20/poster.jpg"}}});
  EXPECT_EQ(JobOutputDir(job), "public/j_a/");
  EXPECT_EQ(FinalAttemptPrefix(job), "public/j_a/20/");
  const std::vector<std::string> keys = {"public/j_a/20/360p/index.m3u8", "public/j_a/19/360p/seg_00000.ts",
                                         "public/j_a/2/x", "public/j_a/200/x"};
  EXPECT_EQ(SupersededObjects(job, keys),
            (std::vector<std::string>{"public/j_a/19/360p/seg_00000.ts", "public/j_a/2/x", "public/j_a/200/x"}));
  EXPECT_TRUE(SupersededObjects(job, {"public/j_ab/1/x", "premium/j_a/1/x"}).empty()) << "other jobs' objects";
}

TEST(AttemptSweep, RemovesNothingWithoutOneFinalAttemptOrForAJobNotCompleted) {
  const std::vector<std::string> keys = {"public/j_a/1/x"};
  EXPECT_TRUE(SupersededObjects(Completed(nlohmann::json::array()), keys).empty());
  EXPECT_TRUE(SupersededObjects(Completed({{{"key", "public/j_a/1/a"}}, {{"key", "public/j_a/2/b"}}}), keys).empty());
  EXPECT_TRUE(SupersededObjects(Completed({{{"key", "public/j_b/1/a"}}}), keys).empty());
  EXPECT_TRUE(SupersededObjects(Completed({{{"quality", "360p"}}}), keys).empty());
  state::Job failed = Completed({{{"key", "public/j_a/2/a"}}});
  failed.status = state::JobStatus::kFailed;
  EXPECT_TRUE(SupersededObjects(failed, keys).empty());
}

}  // namespace
}  // namespace tcoder::control
