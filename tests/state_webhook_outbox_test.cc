// Webhook deliveries on a real redis-server: recorded once per ending, claimed
// by one sender at a time, delivered, retried with backoff, given up.
#include <thread>

#include "state/webhook_outbox.h"
#include "state_fixture.h"

namespace tcoder::state {
namespace {

using std::chrono::milliseconds;
using StateWebhookOutbox = StateTest;

WebhookDelivery Delivery(const std::string& id) { return {id, "https://hooks.example/" + id, "{\"n\":1}"}; }

std::string Field(RedisClient& redis, const std::string& key, const std::string& field) {
  auto v = redis.Command({"HGET", key, field});
  return v.ok() ? v->str : "?";
}

TEST_F(StateWebhookOutbox, RecordsEachDeliveryOnceWithAnExpiry) {
  WebhookOutbox outbox(*redis_, keys_, {.max_age = milliseconds(60000), .kept_after = milliseconds(1000)});
  EXPECT_TRUE(*outbox.Record(Delivery("msg_a")));
  EXPECT_FALSE(*outbox.Record(Delivery("msg_a")));  // another observer of the same ending
  EXPECT_EQ(Field(*redis_, keys_.Webhook("msg_a"), "state"), "pending");
  EXPECT_EQ(Field(*redis_, keys_.Webhook("msg_a"), "attempts"), "0");
  auto ttl = redis_->Command({"PTTL", keys_.Webhook("msg_a")});
  EXPECT_GT(ttl->integer, 55000);
  EXPECT_LE(ttl->integer, 61000);
  EXPECT_EQ(redis_->Command({"ZCARD", keys_.WebhooksDue()})->integer, 1);
  EXPECT_EQ(outbox.Record({"", "https://x", ""}).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(outbox.Record({"msg_b", "", ""}).status().code(), Code::kInvalidArgument);
}

TEST_F(StateWebhookOutbox, AClaimedDeliveryGoesToOneSenderUntilItsLeaseEnds) {
  auto other = NewClient();
  WebhookOutbox mine(*redis_, keys_, {.claim_lease = milliseconds(200)});
  WebhookOutbox theirs(*other, keys_, {.claim_lease = milliseconds(200)});
  ASSERT_TRUE(mine.Record(Delivery("msg_a")).ok());
  auto first = mine.ClaimDue(20);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_EQ(first->size(), 1u);
  EXPECT_EQ((*first)[0].id, "msg_a");
  EXPECT_EQ((*first)[0].url, "https://hooks.example/msg_a");
  EXPECT_EQ((*first)[0].body, "{\"n\":1}");
  EXPECT_TRUE(theirs.ClaimDue(20)->empty());  // leased to the first sender
  std::this_thread::sleep_for(milliseconds(250));
  EXPECT_EQ(theirs.ClaimDue(20)->size(), 1u);  // the first sender died: due again
  EXPECT_EQ(mine.ClaimDue(0).status().code(), Code::kInvalidArgument);
}

TEST_F(StateWebhookOutbox, DeliveredLeavesTheDueSet) {
  WebhookOutbox outbox(*redis_, keys_);
  ASSERT_TRUE(outbox.Record(Delivery("msg_a")).ok());
  ASSERT_EQ(outbox.ClaimDue(20)->size(), 1u);
  ASSERT_TRUE(outbox.MarkDelivered("msg_a").ok());
  EXPECT_EQ(Field(*redis_, keys_.Webhook("msg_a"), "state"), "delivered");
  EXPECT_EQ(Field(*redis_, keys_.Webhook("msg_a"), "attempts"), "1");
  EXPECT_NE(Field(*redis_, keys_.Webhook("msg_a"), "deliveredAt"), "");
  EXPECT_EQ(redis_->Command({"ZCARD", keys_.WebhooksDue()})->integer, 0);
  // A record that expired meanwhile is not made again.
  ASSERT_TRUE(outbox.MarkDelivered("msg_gone").ok());
  EXPECT_EQ(redis_->Command({"EXISTS", keys_.Webhook("msg_gone")})->integer, 0);
}

TEST_F(StateWebhookOutbox, FailedAttemptsBackOffThenGiveUp) {
  WebhookOutbox outbox(*redis_, keys_,
                       {.backoff = milliseconds(1000), .max_delay = milliseconds(3000), .max_age = milliseconds(5000)});
  ASSERT_TRUE(outbox.Record(Delivery("msg_a")).ok());
  auto first = outbox.AttemptFailed("msg_a", "HTTP 500", false);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->outcome, WebhookRetry::Outcome::kRetry);
  EXPECT_EQ(first->attempts, 1);
  EXPECT_EQ(first->retry_in, milliseconds(1000));
  EXPECT_TRUE(outbox.ClaimDue(20)->empty());  // not due before its backoff
  auto second = outbox.AttemptFailed("msg_a", "HTTP 502", false);
  EXPECT_EQ(second->retry_in, milliseconds(2000));
  auto third = outbox.AttemptFailed("msg_a", "HTTP 503", false);
  EXPECT_EQ(third->retry_in, milliseconds(3000));  // capped at max_delay
  EXPECT_EQ(Field(*redis_, keys_.Webhook("msg_a"), "lastError"), "HTTP 503");
  EXPECT_EQ(Field(*redis_, keys_.Webhook("msg_a"), "state"), "pending");
  // The next retry would fall past max_age: given up.
  ASSERT_TRUE(redis_->Command({"HSET", keys_.Webhook("msg_a"), "createdAt", "1"}).ok());
  auto last = outbox.AttemptFailed("msg_a", "HTTP 504", false);
  EXPECT_EQ(last->outcome, WebhookRetry::Outcome::kGaveUp);
  EXPECT_EQ(last->attempts, 4);
  EXPECT_EQ(Field(*redis_, keys_.Webhook("msg_a"), "state"), "gave_up");
  EXPECT_EQ(redis_->Command({"ZCARD", keys_.WebhooksDue()})->integer, 0);
}

TEST_F(StateWebhookOutbox, PermanentFailuresAndEndedRecordsAreNotRetried) {
  WebhookOutbox outbox(*redis_, keys_);
  ASSERT_TRUE(outbox.Record(Delivery("msg_a")).ok());
  auto refused = outbox.AttemptFailed("msg_a", "target refused", true);
  EXPECT_EQ(refused->outcome, WebhookRetry::Outcome::kGaveUp);
  EXPECT_EQ(refused->attempts, 1);
  EXPECT_EQ(outbox.AttemptFailed("msg_gone", "x", false)->outcome, WebhookRetry::Outcome::kGone);
  EXPECT_EQ(redis_->Command({"EXISTS", keys_.Webhook("msg_gone")})->integer, 0);
  // A due entry whose record ended or expired leaves the set when claimed.
  ASSERT_TRUE(redis_->Command({"ZADD", keys_.WebhooksDue(), "0", "msg_a"}).ok());
  ASSERT_TRUE(redis_->Command({"ZADD", keys_.WebhooksDue(), "0", "msg_expired"}).ok());
  EXPECT_TRUE(outbox.ClaimDue(20)->empty());
  EXPECT_EQ(redis_->Command({"ZCARD", keys_.WebhooksDue()})->integer, 0);
}

}  // namespace
}  // namespace tcoder::state
