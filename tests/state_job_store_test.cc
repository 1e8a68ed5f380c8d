// The job store's reads and the upload sweep's transition on a real
// redis-server: abandoned uploads, uploads by age, a job's holder, counts.
#include <thread>

#include "state/job_counts.h"
#include "state/job_events.h"
#include "state_fixture.h"

namespace tcoder::state {
namespace {

using std::chrono::milliseconds;
class StateJobStore : public StateTest {
 protected:
  // Creates a job awaiting an upload to `key` and returns its id.
  static std::string CreateUploading(JobStore& store, const std::string& key) {
    const std::string id = NewJobId();
    Status s = store.Create(id, Spec(key), JobStatus::kUploading);
    TCODER_CHECK(s.ok(), s.ToString());
    return id;
  }
};

TEST_F(StateJobStore, FailUploadEndsAnUploadingJobAndReleasesItsKey) {
  auto sub = JobEventSubscription::Open(server_->url(), keys_);
  ASSERT_TRUE(sub.ok());
  JobStore store(*redis_, keys_, {.ended_ttl = milliseconds(60000)});
  const std::string id = CreateUploading(store, "in/abandoned.mp4");
  ASSERT_TRUE((*sub)->Next(std::chrono::seconds(5)).ok());  // its creation
  auto failed = store.FailUpload(id, "upload never completed");
  ASSERT_TRUE(failed.ok()) << failed.status().ToString();
  EXPECT_TRUE(*failed);
  auto job = store.Get(id);
  EXPECT_EQ(job->status, JobStatus::kFailed);
  EXPECT_EQ(job->error, "upload never completed");
  EXPECT_GT(job->completed_at, 0);
  EXPECT_EQ(job->updated_at, job->completed_at);
  EXPECT_EQ(redis_->Command({"ZSCORE", keys_.StatusIndex("uploading"), id})->is_nil(), true);
  EXPECT_EQ(redis_->Command({"ZSCORE", keys_.StatusIndex("failed"), id})->is_nil(), false);
  auto ttl = redis_->Command({"PTTL", keys_.Job(id)});
  EXPECT_GT(ttl->integer, 50000);
  EXPECT_EQ(redis_->Command({"EXISTS", keys_.Input("tcoder-input", "in/abandoned.mp4")})->integer, 0);
  auto event = (*sub)->Next(std::chrono::seconds(5));
  ASSERT_TRUE(event.ok() && event->has_value());
  auto body = nlohmann::json::parse((*event)->payload);
  EXPECT_EQ(body["status"], "failed");
  EXPECT_EQ(body["error"], "upload never completed");
  // A new job may now wait for the same key; a second sweep changes nothing.
  EXPECT_FALSE(CreateUploading(store, "in/abandoned.mp4").empty());
  EXPECT_FALSE(*store.FailUpload(id, "again"));
  EXPECT_EQ(store.Get(id)->error, "upload never completed");
  EXPECT_FALSE(*store.FailUpload(NewJobId(), "no such job"));
}

TEST_F(StateJobStore, FailUploadLeavesAJobPastUploadingAlone) {
  JobStore store(*redis_, keys_);
  const std::string id = AddPending(store);
  EXPECT_FALSE(*store.FailUpload(id, "upload never completed"));
  EXPECT_EQ(StatusOf(id), JobStatus::kPending);
}

TEST_F(StateJobStore, OldestListsAStatusOldestFirstWithWhenEachEnteredIt) {
  JobStore store(*redis_, keys_);
  const std::string old1 = CreateUploading(store, "in/1");
  std::this_thread::sleep_for(milliseconds(3));  // distinct scores: ties are ordered by id
  const std::string old2 = CreateUploading(store, "in/2");
  std::this_thread::sleep_for(milliseconds(3));
  const std::string new3 = CreateUploading(store, "in/3");
  AddPending(store);
  auto oldest = store.Oldest(JobStatus::kUploading, 2);
  ASSERT_TRUE(oldest.ok()) << oldest.status().ToString();
  ASSERT_EQ(oldest->size(), 2u);
  EXPECT_EQ((*oldest)[0].id, old1);
  EXPECT_EQ((*oldest)[1].id, old2);
  EXPECT_EQ((*oldest)[0].at_ms, store.Get(old1)->created_at);
  EXPECT_LT((*oldest)[0].at_ms, (*oldest)[1].at_ms);
  EXPECT_EQ(store.Oldest(JobStatus::kUploading, 100)->back().id, new3);
  EXPECT_TRUE(store.Oldest(JobStatus::kFailed, 100)->empty());
  EXPECT_EQ(store.Oldest(JobStatus::kUploading, 0).status().code(), Code::kInvalidArgument);
}

TEST_F(StateJobStore, EnteredBetweenTakesTheWindowAfterItsStartAndCursorsKeepTheirPlace) {
  JobStore store(*redis_, keys_);
  const std::string a = CreateUploading(store, "in/a");
  std::this_thread::sleep_for(milliseconds(3));
  const std::string b = CreateUploading(store, "in/b");
  std::this_thread::sleep_for(milliseconds(3));
  const std::string c = CreateUploading(store, "in/c");
  auto all = store.Oldest(JobStatus::kUploading, 10);
  ASSERT_TRUE(all.ok() && all->size() == 3u);
  const std::int64_t at_a = (*all)[0].at_ms, at_b = (*all)[1].at_ms, at_c = (*all)[2].at_ms;
  auto window = store.EnteredBetween(JobStatus::kUploading, at_a, at_c, 10);
  ASSERT_TRUE(window.ok()) << window.status().ToString();
  ASSERT_EQ(window->size(), 2u) << "after a (exclusive), up to c (inclusive)";
  EXPECT_EQ((*window)[0].id, b);
  EXPECT_EQ((*window)[0].at_ms, at_b);
  EXPECT_EQ((*window)[1].id, c);
  EXPECT_EQ(store.EnteredBetween(JobStatus::kUploading, 0, at_c, 1)->front().id, a);
  EXPECT_TRUE(store.EnteredBetween(JobStatus::kCompleted, 0, at_c, 10)->empty());
  EXPECT_FALSE(store.EnteredBetween(JobStatus::kUploading, 0, at_c, 0).ok());

  EXPECT_EQ(*store.GetCursor("attempts"), 0);
  ASSERT_TRUE(store.SetCursor("attempts", at_b).ok());
  EXPECT_EQ(*store.GetCursor("attempts"), at_b);
  EXPECT_EQ(*store.GetCursor("other"), 0);
}

TEST_F(StateJobStore, IsRunningOnIsTrueOnlyWhileTheMachineHoldsTheLease) {
  JobStore store(*redis_, keys_);
  const std::string id = AddPending(store);
  EXPECT_FALSE(*store.IsRunningOn(id, "m_1"));
  Queue queue(*redis_, keys_);
  auto lease = queue.TryClaim("m_1");
  ASSERT_TRUE(lease.ok() && *lease);
  EXPECT_TRUE(*store.IsRunningOn(id, "m_1"));
  EXPECT_FALSE(*store.IsRunningOn(id, "m_2"));
  ASSERT_TRUE(queue.Complete(**lease, {}).ok());
  EXPECT_FALSE(*store.IsRunningOn(id, "m_1"));
  EXPECT_FALSE(*store.IsRunningOn("j_nobody", "m_1"));
}

TEST_F(StateJobStore, CountsFollowTheStatusesAndTheQueue) {
  JobStore store(*redis_, keys_);
  CreateUploading(store, "in/u");
  AddPending(store);
  AddPending(store);
  Queue queue(*redis_, keys_);
  auto lease = queue.TryClaim("");
  ASSERT_TRUE(lease.ok() && *lease);
  auto counts = CountJobs(*redis_, keys_);
  ASSERT_TRUE(counts.ok()) << counts.status().ToString();
  EXPECT_EQ(counts->of(JobStatus::kUploading), 1);
  EXPECT_EQ(counts->of(JobStatus::kPending), 1);
  EXPECT_EQ(counts->of(JobStatus::kRunning), 1);
  EXPECT_EQ(counts->of(JobStatus::kCompleted), 0);
  EXPECT_EQ(counts->ready, 1);
  EXPECT_EQ(counts->delayed, 0);
  ASSERT_TRUE(queue.Fail(**lease, "try again", true).ok());  // back to pending, after a backoff
  counts = CountJobs(*redis_, keys_);
  EXPECT_EQ(counts->of(JobStatus::kPending), 2);
  EXPECT_EQ(counts->delayed, 1);
  EXPECT_EQ(CountInStatus(*redis_, keys_, JobStatus::kPending).value(), 2);
}

}  // namespace
}  // namespace tcoder::state
