// The queue on a real redis-server: exactly-once claims under concurrency,
// priority and FIFO order, blocking waits, fencing, heartbeats, failures with
// backoff, the reaper, and a claimer killed with SIGKILL.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "state_fixture.h"

namespace tcoder::state {
namespace {

using std::chrono::milliseconds;

QueueOptions FastOptions() {
  return {.lease = milliseconds(300), .backoff_base = milliseconds(50), .backoff_max = milliseconds(200)};
}

using StateQueue = StateTest;

TEST_F(StateQueue, SixteenClaimersClaimTenThousandJobsExactlyOnce) {
  constexpr int kJobs = 10000, kClaimers = 16;
  JobStore store(*redis_, keys_);
  std::vector<std::string> ids;
  for (int i = 0; i < kJobs; ++i) ids.push_back(AddPending(store));
  std::mutex mu;
  std::vector<std::string> claimed;
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kClaimers; ++t) {
    threads.emplace_back([&, client = NewClient()] {
      Queue queue(*client, keys_);
      std::vector<std::string> mine;
      while (true) {
        auto lease = queue.TryClaim("");
        if (!lease.ok()) ++errors;
        if (!lease.ok() || !*lease) break;
        mine.push_back((*lease)->job_id);
      }
      std::lock_guard lock(mu);
      claimed.insert(claimed.end(), mine.begin(), mine.end());
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(claimed.size(), static_cast<size_t>(kJobs));
  EXPECT_EQ(std::set<std::string>(claimed.begin(), claimed.end()), std::set<std::string>(ids.begin(), ids.end()));
  auto running = redis_->Command({"ZCARD", keys_.Leases()});
  ASSERT_TRUE(running.ok());
  EXPECT_EQ(running->integer, kJobs);
}

// Every key of the deployment, DUMPed: what a replica that missed the writes
// after this point would hold.
std::vector<std::pair<std::string, std::string>> Snapshot(RedisClient& redis, const Keys& keys) {
  std::vector<std::pair<std::string, std::string>> out;
  auto names = redis.Command({"KEYS", keys.prefix() + "*"});
  TCODER_CHECK(names.ok(), names.status().ToString());
  for (const RedisValue& name : names->elements) {
    auto dump = redis.Command({"DUMP", name.str});
    TCODER_CHECK(dump.ok(), dump.status().ToString());
    out.emplace_back(name.str, dump->str);
  }
  return out;
}

void Rewind(RedisClient& redis, const Keys& keys, const std::vector<std::pair<std::string, std::string>>& to) {
  auto names = redis.Command({"KEYS", keys.prefix() + "*"});
  TCODER_CHECK(names.ok(), names.status().ToString());
  for (const RedisValue& name : names->elements) TCODER_CHECK(redis.Command({"DEL", name.str}).ok(), "DEL");
  for (const auto& [name, dump] : to) TCODER_CHECK(redis.Command({"RESTORE", name, "0", dump}).ok(), "RESTORE");
}

// A failover that lost a claim (the replica never had it): the job is claimed
// again, and the lost claim's holder is still refused, because its token is
// never issued a second time.
TEST_F(StateQueue, AClaimLostInAFailoverNeverHasItsTokenIssuedAgain) {
  JobStore store(*redis_, keys_);
  const std::string id = AddPending(store);
  Queue queue(*redis_, keys_, FastOptions());
  const auto before = Snapshot(*redis_, keys_);
  auto lost = queue.TryClaim("m_old");
  ASSERT_TRUE(lost.ok() && *lost) << lost.status().ToString();
  Rewind(*redis_, keys_, before);
  ASSERT_EQ(store.Get(id)->status, JobStatus::kPending);
  auto again = queue.TryClaim("m_new");
  ASSERT_TRUE(again.ok() && *again) << again.status().ToString();
  EXPECT_EQ((*again)->job_id, id);
  EXPECT_NE((*again)->token, (*lost)->token);
  EXPECT_GT(std::stoll((*again)->token), std::stoll((*lost)->token));
  Lease stale = **lost;
  EXPECT_EQ(queue.Heartbeat(stale, 50).status().code(), Code::kConflict);
  EXPECT_EQ(queue.Complete(stale, {}).code(), Code::kConflict);
  ASSERT_TRUE(queue.Complete(**again, {}).ok());
}

TEST_F(StateQueue, CompleteAndClaimEndsOneJobAndLeasesTheNextInOneStep) {
  JobStore store(*redis_, keys_);
  const std::string first = AddPending(store), second = AddPending(store);
  Queue queue(*redis_, keys_, FastOptions());
  auto lease = queue.TryClaim("");
  ASSERT_TRUE(lease.ok() && *lease) << lease.status().ToString();
  ASSERT_EQ((*lease)->job_id, first);
  auto next = queue.CompleteAndClaim(**lease, {}, "");
  ASSERT_TRUE(next.ok() && *next) << next.status().ToString();
  EXPECT_EQ((*next)->job_id, second);
  EXPECT_GT(std::stoll((*next)->token), std::stoll((*lease)->token));
  EXPECT_EQ((*next)->attempts, 1);
  EXPECT_EQ(StatusOf(first), JobStatus::kCompleted);
  EXPECT_EQ(StatusOf(second), JobStatus::kRunning);
  auto leased = redis_->Command({"ZSCORE", keys_.Leases(), second});
  ASSERT_TRUE(leased.ok());
  EXPECT_EQ(leased->str, std::to_string((*next)->lease_until_ms));
  // The last job: completed, and nothing left to claim.
  auto none = queue.CompleteAndClaim(**next, {}, "");
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_FALSE(*none);
  EXPECT_EQ(StatusOf(second), JobStatus::kCompleted);
  // A stale holder is refused and claims nothing: the third job stays ready.
  const std::string third = AddPending(store);
  EXPECT_EQ(queue.CompleteAndClaim(**next, {}, "").status().code(), Code::kConflict);
  EXPECT_EQ(StatusOf(third), JobStatus::kPending);
  auto ready = redis_->Command({"ZCARD", keys_.Queue()});
  ASSERT_TRUE(ready.ok());
  EXPECT_EQ(ready->integer, 1);
}

TEST_F(StateQueue, LowerPriorityFirstThenFifo) {
  JobStore store(*redis_, keys_);
  const std::string late_urgent = AddPending(store, 5);
  const std::string first = AddPending(store, 10);
  const std::string second = AddPending(store, 10);
  const std::string urgent = AddPending(store, -3);
  Queue queue(*redis_, keys_);
  std::vector<std::string> order;
  for (int i = 0; i < 4; ++i) {
    auto lease = queue.TryClaim("");
    ASSERT_TRUE(lease.ok() && *lease);
    order.push_back((*lease)->job_id);
  }
  EXPECT_EQ(order, (std::vector<std::string>{urgent, late_urgent, first, second}));
  auto none = queue.TryClaim("");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

TEST_F(StateQueue, WaitingClaimerWakesWhenAJobArrives) {
  auto waiter_client = NewClient();
  Queue queue(*waiter_client, keys_);
  std::optional<Lease> got;
  std::thread waiter([&] {
    auto lease = queue.Claim("", std::chrono::seconds(20));
    if (lease.ok()) got = *lease;
  });
  std::this_thread::sleep_for(milliseconds(200));  // the waiter is now blocked in BLPOP
  JobStore store(*redis_, keys_);
  const std::string id = AddPending(store);
  waiter.join();
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->job_id, id);
  EXPECT_EQ(got->attempts, 1);
}

TEST_F(StateQueue, ClaimWithNothingReadyReturnsEmptyAfterItsWait) {
  Queue queue(*redis_, keys_);
  auto lease = queue.Claim("", milliseconds(50));
  ASSERT_TRUE(lease.ok()) << lease.status().ToString();
  EXPECT_FALSE(lease->has_value());
}

TEST_F(StateQueue, FencingTokensGrowAndStaleHoldersAreRefused) {
  JobStore store(*redis_, keys_);
  const std::string id = AddPending(store);
  Queue queue(*redis_, keys_, FastOptions());
  auto first = queue.TryClaim("");
  ASSERT_TRUE(first.ok() && *first);
  Lease stale = **first;
  ASSERT_TRUE(queue.Fail(stale, "transient", /*retryable=*/true).ok());
  auto second = queue.Claim("", std::chrono::seconds(5));  // after the backoff
  ASSERT_TRUE(second.ok() && *second);
  EXPECT_EQ((*second)->job_id, id);
  EXPECT_GT(std::stoll((*second)->token), std::stoll(stale.token));
  EXPECT_EQ((*second)->attempts, 2);
  EXPECT_EQ(queue.Heartbeat(stale, 50).status().code(), Code::kConflict);
  EXPECT_EQ(queue.Complete(stale, {}).code(), Code::kConflict);
  EXPECT_EQ(queue.Heartbeat(stale).status().code(), Code::kConflict);
  EXPECT_EQ(queue.Fail(stale, "x", false).status().code(), Code::kConflict);
  Lease wrong = **second;
  wrong.token = "999999999";
  EXPECT_EQ(queue.Complete(wrong, {}).code(), Code::kConflict);
  ASSERT_TRUE(queue.Heartbeat(**second, 70).ok());
  EXPECT_EQ(store.Get(id)->progress, 70);
  ASSERT_TRUE(queue.Complete(**second, {nlohmann::json::array({{{"quality", "720p"}}}), "http://e/p.m3u8", ""}).ok());
  auto job = store.Get(id);
  ASSERT_TRUE(job.ok());
  EXPECT_EQ(job->status, JobStatus::kCompleted);
  EXPECT_EQ(job->progress, 100);
  EXPECT_EQ(job->outputs[0]["quality"], "720p");
  EXPECT_EQ(queue.Complete(**second, {}).code(), Code::kConflict);  // once ended, nothing more
}

TEST_F(StateQueue, HeartbeatExtendsTheLeaseSoTheReaperLeavesItAlone) {
  JobStore store(*redis_, keys_);
  const std::string id = AddPending(store);
  Queue queue(*redis_, keys_, FastOptions());
  auto lease = queue.TryClaim("");
  ASSERT_TRUE(lease.ok() && *lease);
  for (int i = 0; i < 4; ++i) {
    std::this_thread::sleep_for(milliseconds(150));
    auto hb = queue.Heartbeat(**lease);
    ASSERT_TRUE(hb.ok()) << hb.status().ToString();
    EXPECT_FALSE(*hb);
    auto reaped = queue.Reap();
    ASSERT_TRUE(reaped.ok());
    EXPECT_EQ(reaped->requeued, 0);
  }
  EXPECT_EQ(StatusOf(id), JobStatus::kRunning);
}

TEST_F(StateQueue, NonRetryableFailureFailsAtOnceWithTheReason) {
  JobStore store(*redis_, keys_);
  const std::string id = AddPending(store);
  Queue queue(*redis_, keys_, FastOptions());
  auto lease = queue.TryClaim("");
  ASSERT_TRUE(lease.ok() && *lease);
  auto retried = queue.Fail(**lease, "input is not a video", /*retryable=*/false);
  ASSERT_TRUE(retried.ok());
  EXPECT_FALSE(*retried);
  auto job = store.Get(id);
  EXPECT_EQ(job->status, JobStatus::kFailed);
  EXPECT_EQ(job->error, "input is not a video");
  EXPECT_EQ(job->attempts, 1);
  auto ttl = redis_->Command({"PTTL", keys_.Job(id)});
  EXPECT_GT(ttl->integer, 0);  // the record expires after the TTL
}

TEST_F(StateQueue, ReleaseGivesTheJobBackReadyAtOnceWithoutCountingTheAttempt) {
  JobStore store(*redis_, keys_);
  const std::string id = AddPending(store);
  Queue queue(*redis_, keys_, FastOptions());
  auto first = queue.TryClaim("");
  ASSERT_TRUE(first.ok() && *first);
  auto released = queue.Release(**first, "worker stopping");
  ASSERT_TRUE(released.ok()) << released.status().ToString();
  EXPECT_EQ(*released, "released");
  auto job = store.Get(id);
  EXPECT_EQ(job->status, JobStatus::kPending);
  EXPECT_EQ(job->attempts, 0);
  EXPECT_EQ(redis_->Command({"HGET", keys_.Job(id), "token"})->str, "");
  auto again = queue.TryClaim("");  // no backoff: ready at once
  ASSERT_TRUE(again.ok() && *again);
  EXPECT_EQ((*again)->job_id, id);
  EXPECT_GT(std::stoll((*again)->token), std::stoll((*first)->token));
  EXPECT_EQ(store.Get(id)->attempts, 1);
  auto stale = queue.Release(**first, "late");  // the old holder's token is refused
  EXPECT_FALSE(stale.ok());
  EXPECT_EQ(StatusOf(id), JobStatus::kRunning);
}

TEST_F(StateQueue, ExpiredLeasesAreRetriedWithBackoffThenFailAfterTheLastAttempt) {
  JobStore store(*redis_, keys_);
  const std::string id = AddPending(store);  // 3 attempts
  QueueOptions options = FastOptions();
  options.lease = milliseconds(100);
  Queue queue(*redis_, keys_, options);
  for (int attempt = 1; attempt <= 3; ++attempt) {
    auto lease = queue.Claim("", std::chrono::seconds(5));
    ASSERT_TRUE(lease.ok() && *lease) << "attempt " << attempt;
    EXPECT_EQ((*lease)->attempts, attempt);
    auto early = queue.TryClaim("");  // nothing else ready while it runs
    ASSERT_TRUE(early.ok());
    EXPECT_FALSE(early->has_value());
    std::this_thread::sleep_for(milliseconds(150));
    auto reaped = queue.Reap();
    ASSERT_TRUE(reaped.ok());
    EXPECT_EQ(reaped->requeued + reaped->failed, 1);
  }
  auto job = store.Get(id);
  EXPECT_EQ(job->status, JobStatus::kFailed);
  EXPECT_NE(job->error.find("lease expired"), std::string::npos);
  EXPECT_NE(job->error.find("3 attempts"), std::string::npos);
}

TEST_F(StateQueue, ClaimerKilledWithSigkillLosesTheJobToTheNextClaimer) {
  JobStore store(*redis_, keys_);
  const std::string id = AddPending(store);
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const std::string url = server_->url();
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {  // the claimer: claims, reports its lease, then hangs until killed
    close(fds[0]);
    auto client = RedisClient::Connect(url);
    if (!client.ok()) _exit(1);
    Queue queue(**client, keys_, FastOptions());
    auto lease = queue.TryClaim("");
    if (!lease.ok() || !*lease) _exit(2);
    const std::string msg = (*lease)->job_id + " " + (*lease)->token + "\n";
    if (write(fds[1], msg.data(), msg.size()) != static_cast<ssize_t>(msg.size())) _exit(3);
    while (true) pause();
  }
  close(fds[1]);
  char buf[256] = {};
  const ssize_t n = read(fds[0], buf, sizeof(buf) - 1);
  close(fds[0]);
  kill(child, SIGKILL);
  int wstatus = 0;
  waitpid(child, &wstatus, 0);
  ASSERT_GT(n, 0) << "the claimer reported nothing";
  ASSERT_TRUE(WIFSIGNALED(wstatus));
  std::istringstream report(buf);
  Lease dead;
  report >> dead.job_id >> dead.token;
  ASSERT_EQ(dead.job_id, id);
  EXPECT_EQ(StatusOf(id), JobStatus::kRunning);

  Queue queue(*redis_, keys_, FastOptions());
  auto before = queue.TryClaim("");  // still leased: nobody else may take it
  ASSERT_TRUE(before.ok());
  EXPECT_FALSE(before->has_value());
  std::this_thread::sleep_for(milliseconds(350));  // the lease runs out
  auto reaped = queue.Reap();
  ASSERT_TRUE(reaped.ok());
  EXPECT_EQ(reaped->requeued, 1);
  auto again = queue.Claim("", std::chrono::seconds(5));
  ASSERT_TRUE(again.ok() && *again);
  EXPECT_EQ((*again)->job_id, id);
  EXPECT_EQ((*again)->attempts, 2);
  ASSERT_TRUE(queue.Complete(**again, {}).ok());
  EXPECT_EQ(queue.Complete(dead, {}).code(), Code::kConflict);  // the dead claimer's late completion
  EXPECT_EQ(StatusOf(id), JobStatus::kCompleted);
}

TEST_F(StateQueue, ScriptsReloadAfterTheServerForgetsThem) {
  JobStore store(*redis_, keys_);
  AddPending(store);
  ASSERT_TRUE(redis_->Command({"SCRIPT", "FLUSH"}).ok());
  Queue queue(*redis_, keys_);
  auto lease = queue.TryClaim("");
  ASSERT_TRUE(lease.ok()) << lease.status().ToString();
  EXPECT_TRUE(lease->has_value());
}

}  // namespace
}  // namespace tcoder::state
