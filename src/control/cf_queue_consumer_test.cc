#include "control/cf_queue_consumer.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/crypto.h"
#include "http/fake_transport.h"

namespace tcoder::control {
namespace {

using nlohmann::json;

// An R2 event notification as Cloudflare sends it to the queue.
std::string R2Event(const std::string& key, const std::string& action = "PutObject") {
  return json{{"account", "3f4b7e3dcab231cbfdaa90a6a28bd548"},
              {"action", action},
              {"bucket", "tcoder-input"},
              {"object", {{"key", key}, {"size", 1024}, {"eTag", "e1"}}},
              {"eventTime", "2026-12-04T10:00:00.000Z"}}
      .dump();
}

json Message(const std::string& id, const std::string& body, const std::string& type) {
  return {{"id", id},
          {"body", type == "text" ? body : crypto::Base64(body)},
          {"timestamp_ms", 1764842400000},
          {"attempts", 1},
          {"lease_id", "lease-" + id},
          {"metadata", {{"CF-sourceMessageSource", "r2"}, {"CF-Content-Type", type}}}};
}

std::string Pulled(const json& messages) {
  return json{
      {"success", true}, {"errors", json::array()}, {"messages", json::array()}, {"result", {{"messages", messages}}}}
      .dump();
}

constexpr char kAcked[] =
    R"({"success":true,"errors":[],"messages":[],"result":{"ackCount":1,"retryCount":2,"warnings":[]}})";

CfQueueOptions Options() {
  CfQueueOptions o;
  o.api_url = "http://cf.test/";
  o.token = "cf-token";
  EXPECT_TRUE(ParseQueueName("3f4b7e3dcab231cbfdaa90a6a28bd548/8d9f0a1b2c3d4e5f", o).ok());
  o.batch_size = 5;
  o.visibility_timeout = std::chrono::seconds(20);
  o.retry_delay = std::chrono::seconds(7);
  return o;
}

TEST(CfQueueConsumer, ParseQueueNameTakesAccountSlashQueue) {
  CfQueueOptions o;
  ASSERT_TRUE(ParseQueueName("acc/queue-1", o).ok());
  EXPECT_EQ(o.account_id, "acc");
  EXPECT_EQ(o.queue_id, "queue-1");
  for (const char* bad : {"", "acc", "acc/", "/q", "a/b/c", "a b/q", "acc/q?x=1"})
    EXPECT_FALSE(ParseQueueName(bad, o).ok()) << bad;
}

TEST(CfQueueConsumer, BodiesAreDecodedByTheirContentType) {
  const std::string event = R2Event("inputs/a.mp4");
  EXPECT_EQ(DecodeMessageBody({"1", "l", crypto::Base64(event), "json", 1}).value(), event);
  EXPECT_EQ(DecodeMessageBody({"1", "l", crypto::Base64("raw\x01"), "bytes", 1}).value(), "raw\x01");
  EXPECT_EQ(DecodeMessageBody({"1", "l", event, "text", 1}).value(), event);
  EXPECT_EQ(DecodeMessageBody({"1", "l", event, "", 1}).value(), event);  // no type: JSON as is
  EXPECT_EQ(DecodeMessageBody({"1", "l", crypto::Base64(event), "", 1}).value(), event);
  EXPECT_EQ(DecodeMessageBody({"1", "l", event, "json", 1}).value(), event);  // JSON text instead of base64
  EXPECT_EQ(DecodeMessageBody({"1", "l", "%%%not base64", "json", 1}).status().code(), Code::kInvalidArgument);
}

TEST(CfQueueConsumer, ParsePullAnswerReadsTheEnvelope) {
  auto ok = ParsePullAnswer(Pulled(json::array({Message("m1", R2Event("k"), "json")})));
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  ASSERT_EQ(ok->size(), 1u);
  EXPECT_EQ((*ok)[0].lease_id, "lease-m1");
  EXPECT_EQ((*ok)[0].content_type, "json");
  EXPECT_EQ((*ok)[0].attempts, 1);
  auto refused = ParsePullAnswer(R"({"success":false,"errors":[{"code":10000,"message":"Authentication error"}]})");
  EXPECT_EQ(refused.status().code(), Code::kUnavailable);
  EXPECT_NE(refused.status().message().find("code 10000: Authentication error"), std::string::npos);
  EXPECT_EQ(ParsePullAnswer("<html>").status().code(), Code::kInternal);
  EXPECT_EQ(ParsePullAnswer(R"({"success":true,"result":{}})").status().code(), Code::kInternal);
}

TEST(CfQueueConsumer, AcksWhatWasRecordedAndRetriesTheRest) {
  auto fake = std::make_shared<http::FakeTransport>();
  fake->Reply(200, Pulled(json::array({Message("good", R2Event("inputs/j_1/a b+c.mp4"), "json"),
                                       Message("junk", "{\"hello\":1}", "json"),
                                       Message("busy", R2Event("inputs/j_2/x.mp4"), "text")})));
  fake->Reply(200, kAcked);
  std::vector<std::string> keys;
  CfQueueConsumer consumer(Options(), fake, [&](const ParsedEvents& events) {
    if (events.created.at(0).key == "inputs/j_2/x.mp4") return Unavailable("redis down");
    for (const auto& e : events.created) keys.push_back(e.key);
    return Status::Ok();
  });
  auto n = consumer.PollOnce();
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(*n, 3);
  EXPECT_EQ(keys, std::vector<std::string>{"inputs/j_1/a b+c.mp4"});  // R2 keys are raw
  const auto sent = fake->requests();
  ASSERT_EQ(sent.size(), 2u);
  const std::string base = "http://cf.test/client/v4/accounts/3f4b7e3dcab231cbfdaa90a6a28bd548/queues/8d9f0a1b2c3d4e5f";
  EXPECT_EQ(sent[0].request.url, base + "/messages/pull");
  EXPECT_EQ(sent[0].Header("Authorization"), "Bearer cf-token");
  EXPECT_EQ(json::parse(sent[0].body), (json{{"batch_size", 5}, {"visibility_timeout_ms", 20000}}));
  EXPECT_EQ(sent[1].request.url, base + "/messages/ack");
  EXPECT_EQ(json::parse(sent[1].body),
            (json{{"acks", json::array({{{"lease_id", "lease-good"}}})},
                  {"retries", json::array({{{"lease_id", "lease-junk"}, {"delay_seconds", 7}},
                                           {{"lease_id", "lease-busy"}, {"delay_seconds", 7}}})}}));
}

TEST(CfQueueConsumer, AnEmptyQueueIsNotAckedAndAFailedPullIsAnError) {
  auto fake = std::make_shared<http::FakeTransport>();
  fake->Reply(200, Pulled(json::array()));
  fake->Reply(500, "oops");
  fake->Reply(200, R"({"success":false,"errors":[{"code":11000,"message":"queue not found"}]})");
  int calls = 0;
  CfQueueConsumer consumer(Options(), fake, [&](const ParsedEvents&) {
    ++calls;
    return Status::Ok();
  });
  EXPECT_EQ(consumer.PollOnce().value(), 0);
  EXPECT_EQ(fake->count(), 1u);  // no ack for nothing
  EXPECT_EQ(consumer.PollOnce().status().code(), Code::kUnavailable);
  EXPECT_NE(consumer.PollOnce().status().message().find("queue not found"), std::string::npos);
  EXPECT_EQ(calls, 0);
}

TEST(CfQueueConsumer, AFailedAckLeavesTheMessagesToBeDeliveredAgain) {
  auto fake = std::make_shared<http::FakeTransport>();
  fake->Reply(200, Pulled(json::array({Message("m1", R2Event("inputs/j_1/a.mp4"), "json")})));
  fake->Reply(503, "unavailable");
  int calls = 0;
  CfQueueConsumer consumer(Options(), fake, [&](const ParsedEvents&) {
    ++calls;
    return Status::Ok();
  });
  EXPECT_EQ(consumer.PollOnce().value(), 1);  // recorded; the queue brings it back, the intake ignores it then
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace tcoder::control
