// The per-job channels on a real redis-server: a subscription sees every
// job's status changes and progress, and what is published by hand.
#include "state/job_events.h"
#include "state_fixture.h"

namespace tcoder::state {
namespace {

using std::chrono::seconds;
using StateJobEvents = StateTest;

// The next job message, skipping nothing: a failure when none comes.
JobEvent NextEvent(JobEventSubscription& sub) {
  auto e = sub.Next(seconds(5));
  TCODER_CHECK(e.ok(), e.status().ToString());
  TCODER_CHECK(e->has_value(), "a push that is not a job message");
  return **e;
}

TEST_F(StateJobEvents, ASubscriptionSeesEveryJobsChanges) {
  auto sub = JobEventSubscription::Open(server_->url(), keys_);
  ASSERT_TRUE(sub.ok()) << sub.status().ToString();
  JobStore store(*redis_, keys_);
  const std::string a = AddPending(store);
  const std::string b = AddPending(store);
  JobEvent first = NextEvent(**sub);
  EXPECT_EQ(first.job_id, a);
  EXPECT_EQ(nlohmann::json::parse(first.payload)["status"], "pending");
  EXPECT_EQ(NextEvent(**sub).job_id, b);
  ASSERT_TRUE(JobEvents(*redis_, keys_).Publish("~ping", "{}").ok());
  JobEvent ping = NextEvent(**sub);
  EXPECT_EQ(ping.job_id, "~ping");
  EXPECT_EQ(ping.payload, "{}");
}

TEST_F(StateJobEvents, AnotherDeploymentsChannelsAreNotSeen) {
  auto sub = JobEventSubscription::Open(server_->url(), keys_);
  ASSERT_TRUE(sub.ok());
  auto other = Keys::ForDeployment("other" + keys_.prefix().substr(1, 6));
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE(JobEvents(*redis_, *other).Publish("j_x", "{\"n\":1}").ok());
  ASSERT_TRUE(JobEvents(*redis_, keys_).Publish("j_y", "{\"n\":2}").ok());
  EXPECT_EQ(NextEvent(**sub).job_id, "j_y");
}

TEST_F(StateJobEvents, NothingToReceiveIsADeadlineAndABadUrlIsRefused) {
  auto sub = JobEventSubscription::Open(server_->url(), keys_);
  ASSERT_TRUE(sub.ok());
  EXPECT_EQ((*sub)->Next(std::chrono::milliseconds(50)).status().code(), Code::kDeadlineExceeded);
  EXPECT_EQ(JobEventSubscription::Open("redis://127.0.0.1:1", keys_).status().code(), Code::kUnavailable);
  EXPECT_EQ(JobEventSubscription::Open("http://nope", keys_).status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace tcoder::state
