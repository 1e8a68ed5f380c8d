// Jobs on a real redis-server: upload -> event -> queue, duplicate events,
// cancel, retry, listing, expiry, the API JSON and the per-job channel.
#include <set>
#include <thread>

#include "state/event_log.h"
#include "state_fixture.h"

namespace tcoder::state {
namespace {

using std::chrono::milliseconds;
using StateJobs = StateTest;

ObjectEvent EventFor(const std::string& key, const std::string& etag = "\"e1\"") {
  return {"tcoder-input", key, 1234, etag, "ObjectCreated:Put", ""};
}

TEST_F(StateJobs, UploadEventQueuesTheJobOnce) {
  JobStore store(*redis_, keys_);
  const std::string id = NewJobId();
  ASSERT_TRUE(store.Create(id, Spec("uploads/" + id + "/a b.mp4"), JobStatus::kUploading).ok());
  EXPECT_EQ(StatusOf(id), JobStatus::kUploading);
  auto first = store.Ingest(EventFor("uploads/" + id + "/a b.mp4"));
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->outcome, IngestResult::Outcome::kQueued);
  EXPECT_EQ(first->job_id, id);
  EXPECT_EQ(StatusOf(id), JobStatus::kPending);
  auto job = store.Get(id);
  EXPECT_EQ(job->spec.size, 1234u);
  EXPECT_GT(job->uploaded_at, 0);
  EXPECT_GT(job->queued_at, 0);
  auto again = store.Ingest(EventFor("uploads/" + id + "/a b.mp4"));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->outcome, IngestResult::Outcome::kDuplicate);
  auto other = store.Ingest(EventFor("uploads/" + id + "/a b.mp4", "\"e2\""));
  EXPECT_EQ(other->outcome, IngestResult::Outcome::kIgnored);
  auto unknown = store.Ingest(EventFor("uploads/nobody.mp4"));
  EXPECT_EQ(unknown->outcome, IngestResult::Outcome::kUnknown);
  auto ready = redis_->Command({"ZCARD", keys_.Queue()});
  EXPECT_EQ(ready->integer, 1);
}

TEST_F(StateJobs, DuplicateObjectCreatedEventRunsTheJobOnce) {
  JobStore store(*redis_, keys_);
  EventLog log(*redis_, keys_);
  ASSERT_TRUE(log.EnsureGroup().ok());
  const std::string id = NewJobId(), key = "uploads/" + id + "/in.mp4";
  ASSERT_TRUE(store.Create(id, Spec(key), JobStatus::kUploading).ok());
  ASSERT_TRUE(log.Append(EventFor(key)).ok());
  ASSERT_TRUE(log.Append(EventFor(key)).ok());  // the store delivered it twice
  auto events = log.ReadNew("c1", 10, milliseconds(100));
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 2u);
  for (const StreamEvent& e : *events) {
    ASSERT_TRUE(store.Ingest(e.event).ok());
    ASSERT_TRUE(log.Ack(e.id).ok());
  }
  Queue queue(*redis_, keys_);
  int runs = 0;
  while (true) {
    auto lease = queue.TryClaim("");
    ASSERT_TRUE(lease.ok());
    if (!*lease) break;
    ++runs;
    ASSERT_TRUE(queue.Complete(**lease, {}).ok());
  }
  EXPECT_EQ(runs, 1);
  EXPECT_EQ(StatusOf(id), JobStatus::kCompleted);
  auto stream_len = redis_->Command({"XLEN", keys_.Events()});
  EXPECT_EQ(stream_len->integer, 0);  // acked entries are removed
}

TEST_F(StateJobs, DeadConsumersEventsAreTakenOver) {
  EventLog log(*redis_, keys_);
  ASSERT_TRUE(log.EnsureGroup().ok());
  ASSERT_TRUE(log.EnsureGroup().ok());  // idempotent
  ASSERT_TRUE(log.Append(EventFor("a/1")).ok());
  auto taken = log.ReadNew("dead", 10, milliseconds(10));
  ASSERT_TRUE(taken.ok());
  ASSERT_EQ(taken->size(), 1u);
  auto nothing_new = log.ReadNew("alive", 10, milliseconds(10));
  EXPECT_TRUE(nothing_new->empty());
  auto too_soon = log.ClaimStale("alive", std::chrono::seconds(60), 10);
  ASSERT_TRUE(too_soon.ok()) << too_soon.status().ToString();
  EXPECT_TRUE(too_soon->empty());
  std::this_thread::sleep_for(milliseconds(60));
  auto stale = log.ClaimStale("alive", milliseconds(50), 10);
  ASSERT_TRUE(stale.ok());
  ASSERT_EQ(stale->size(), 1u);
  EXPECT_EQ((*stale)[0].event.key, "a/1");
  EXPECT_EQ((*stale)[0].event.size, 1234u);
  EXPECT_FALSE((*stale)[0].event.event_time.empty());
  ASSERT_TRUE(log.Ack((*stale)[0].id).ok());
  std::this_thread::sleep_for(milliseconds(60));
  EXPECT_TRUE(log.ClaimStale("alive", milliseconds(50), 10)->empty());
}

TEST_F(StateJobs, MalformedEventsAreDroppedNotRedelivered) {
  EventLog log(*redis_, keys_);
  ASSERT_TRUE(log.EnsureGroup().ok());
  ASSERT_TRUE(redis_->Command({"XADD", keys_.Events(), "*", "bucket", "b"}).ok());  // no key
  auto events = log.ReadNew("c", 10, milliseconds(10));
  ASSERT_TRUE(events.ok());
  EXPECT_TRUE(events->empty());
  EXPECT_EQ(redis_->Command({"XLEN", keys_.Events()})->integer, 0);
  EXPECT_FALSE(log.Append({"", "k", 0, "", "", ""}).ok());
}

TEST_F(StateJobs, CreateRefusesDuplicatesAndBadInput) {
  JobStore store(*redis_, keys_);
  const std::string id = NewJobId();
  ASSERT_TRUE(store.Create(id, Spec("k1"), JobStatus::kUploading).ok());
  EXPECT_EQ(store.Create(id, Spec("k2"), JobStatus::kUploading).code(), Code::kConflict);
  EXPECT_EQ(store.Create(NewJobId(), Spec("k1"), JobStatus::kUploading).code(), Code::kConflict);
  EXPECT_TRUE(store.Create(NewJobId(), Spec("k1"), JobStatus::kPending).ok());  // existing input, no upload
  EXPECT_EQ(store.Create("bad id!", Spec("k3"), JobStatus::kPending).code(), Code::kInvalidArgument);
  EXPECT_EQ(store.Create(NewJobId(), Spec("k3"), JobStatus::kRunning).code(), Code::kInvalidArgument);
  EXPECT_EQ(store.Create(NewJobId(), Spec("k4", 5000), JobStatus::kPending).code(), Code::kInvalidArgument);
  EXPECT_EQ(store.Get(NewJobId()).status().code(), Code::kNotFound);
}

TEST_F(StateJobs, CancelPendingEndsAtOnceAndRunningOnTheHoldersNextHeartbeat) {
  JobStore store(*redis_, keys_);
  const std::string waiting = AddPending(store), running = AddPending(store);
  Queue queue(*redis_, keys_);
  auto lease = queue.TryClaim("");  // takes `waiting` (FIFO)
  ASSERT_TRUE(lease.ok() && *lease);
  ASSERT_EQ((*lease)->job_id, waiting);
  auto cancelled = store.Cancel(running);  // the one still pending
  ASSERT_TRUE(cancelled.ok());
  EXPECT_EQ(*cancelled, JobStore::CancelOutcome::kCancelled);
  EXPECT_EQ(StatusOf(running), JobStatus::kCancelled);
  EXPECT_FALSE(queue.TryClaim("")->has_value());  // gone from the queue

  auto requested = store.Cancel(waiting);
  ASSERT_TRUE(requested.ok());
  EXPECT_EQ(*requested, JobStore::CancelOutcome::kRequested);
  EXPECT_EQ(StatusOf(waiting), JobStatus::kRunning);
  auto hb = queue.Heartbeat(**lease);
  ASSERT_TRUE(hb.ok());
  EXPECT_TRUE(*hb);
  ASSERT_TRUE(queue.AckCancel(**lease).ok());
  EXPECT_EQ(StatusOf(waiting), JobStatus::kCancelled);
  EXPECT_EQ(store.Cancel(waiting).status().code(), Code::kConflict);
  EXPECT_EQ(store.Cancel(NewJobId()).status().code(), Code::kNotFound);
}

TEST_F(StateJobs, CancelledRunningJobWhoseHolderDiedEndsAtTheLeaseExpiry) {
  JobStore store(*redis_, keys_);
  const std::string id = AddPending(store);
  Queue queue(*redis_, keys_, {.lease = milliseconds(100)});
  ASSERT_TRUE(queue.TryClaim("").ok());
  ASSERT_TRUE(store.Cancel(id).ok());
  std::this_thread::sleep_for(milliseconds(150));
  auto reaped = queue.Reap();
  ASSERT_TRUE(reaped.ok());
  EXPECT_EQ(reaped->cancelled, 1);
  EXPECT_EQ(StatusOf(id), JobStatus::kCancelled);
}

TEST_F(StateJobs, RetryPutsFailedOrCancelledJobsBack) {
  JobStore store(*redis_, keys_);
  const std::string id = AddPending(store);
  EXPECT_EQ(store.Retry(id).code(), Code::kConflict);  // pending: nothing to retry
  Queue queue(*redis_, keys_);
  auto lease = queue.TryClaim("");
  ASSERT_TRUE(queue.Fail(**lease, "bad input", false).ok());
  ASSERT_TRUE(store.Retry(id).ok());
  auto job = store.Get(id);
  EXPECT_EQ(job->status, JobStatus::kPending);
  EXPECT_EQ(job->attempts, 0);
  EXPECT_TRUE(job->error.empty());
  EXPECT_EQ(redis_->Command({"PTTL", keys_.Job(id)})->integer, -1);  // no longer expiring
  auto again = queue.TryClaim("");
  ASSERT_TRUE(again.ok() && *again);
  EXPECT_EQ((*again)->attempts, 1);
}

TEST_F(StateJobs, ListsByStatusWithLimitAndCursor) {
  JobStore store(*redis_, keys_);
  std::set<std::string> pending;
  for (int i = 0; i < 5; ++i) pending.insert(AddPending(store));
  std::this_thread::sleep_for(milliseconds(5));  // a later createdAt
  const std::string uploading = NewJobId();
  ASSERT_TRUE(store.Create(uploading, Spec("u/1"), JobStatus::kUploading).ok());
  std::set<std::string> seen;
  std::string cursor;
  int pages = 0;
  do {
    auto page = store.List(JobStatus::kPending, 2, cursor);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    for (const Job& j : page->jobs) seen.insert(j.id);
    cursor = page->next_cursor;
    ++pages;
  } while (!cursor.empty() && pages < 10);
  EXPECT_EQ(seen, pending);
  EXPECT_EQ(pages, 3);
  auto all = store.List(std::nullopt, 100, "");
  EXPECT_EQ(all->jobs.size(), 6u);
  EXPECT_EQ(all->jobs[0].id, uploading);  // newest first
  EXPECT_EQ(store.List(std::nullopt, 0, "").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(store.List(std::nullopt, 10, "abc").status().code(), Code::kInvalidArgument);
}

TEST_F(StateJobs, EndedJobsExpireAndArePurgedFromTheIndexes) {
  JobStore store(*redis_, keys_, {.ended_ttl = milliseconds(100)});
  const std::string id = AddPending(store);
  ASSERT_TRUE(store.Cancel(id).ok());
  auto ttl = redis_->Command({"PTTL", keys_.Job(id)});
  EXPECT_GT(ttl->integer, 0);
  EXPECT_LE(ttl->integer, 100);
  std::this_thread::sleep_for(milliseconds(150));
  auto purged = store.PurgeExpired();
  ASSERT_TRUE(purged.ok());
  EXPECT_EQ(*purged, 1);
  EXPECT_EQ(store.Get(id).status().code(), Code::kNotFound);
  EXPECT_TRUE(store.List(std::nullopt, 10, "")->jobs.empty());
  EXPECT_EQ(redis_->Command({"ZCARD", keys_.StatusIndex("cancelled")})->integer, 0);
}

TEST_F(StateJobs, JsonHasTheApiShape) {
  JobStore store(*redis_, keys_);
  const std::string id = NewJobId();
  JobSpec spec = Spec("in/x.mp4");
  spec.output_qualities = {"720p"};
  spec.metadata = {{"user", 7}};
  ASSERT_TRUE(store.Create(id, spec, JobStatus::kPending).ok());
  auto j = store.GetJson(id);
  ASSERT_TRUE(j.ok());
  for (const char* field : {"jobId",    "status",      "progress",        "machineId",   "attempts",
                            "outputs",  "playlistUrl", "posterUrl",       "error",       "timestamps",
                            "filename", "preset",      "outputQualities", "webhookUrl",  "visibility",
                            "priority", "metadata",    "inputKey",        "contentType", "size"}) {
    EXPECT_TRUE(j->contains(field)) << field;
  }
  EXPECT_EQ((*j)["status"], "pending");
  EXPECT_EQ((*j)["metadata"]["user"], 7);
  EXPECT_TRUE((*j)["timestamps"]["queuedAt"].is_string());
  EXPECT_TRUE((*j)["timestamps"]["startedAt"].is_null());
}

TEST_F(StateJobs, StatusChangesAndProgressArePublishedOnTheJobChannel) {
  JobStore store(*redis_, keys_);
  const std::string id = NewJobId();
  auto sub = NewClient();
  auto ack = sub->Command({"SUBSCRIBE", keys_.JobChannel(id)});
  ASSERT_TRUE(ack.ok());
  ASSERT_TRUE(store.Create(id, Spec("p/" + id), JobStatus::kPending).ok());
  Queue queue(*redis_, keys_);
  auto lease = queue.TryClaim("");
  ASSERT_TRUE(queue.Heartbeat(**lease, 40).ok());
  ASSERT_TRUE(queue.Complete(**lease, {}).ok());
  std::vector<std::pair<std::string, int>> seen;
  for (int i = 0; i < 4; ++i) {
    auto msg = sub->Receive(std::chrono::seconds(5));
    ASSERT_TRUE(msg.ok()) << msg.status().ToString();
    ASSERT_EQ(msg->elements.size(), 3u);
    auto body = nlohmann::json::parse(msg->elements[2].str);
    EXPECT_EQ(body["jobId"], id);
    seen.emplace_back(body["status"], body["progress"]);
  }
  EXPECT_EQ(seen, (std::vector<std::pair<std::string, int>>{
                      {"pending", 0}, {"running", 0}, {"running", 40}, {"completed", 100}}));
}

}  // namespace
}  // namespace tcoder::state
