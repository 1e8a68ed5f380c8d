// The webhook deliverer with a fake HTTP transport and a real redis-server:
// what a delivery sends and signs, which answers are retried, when it gives up.
#include "control/webhooks.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <gtest/gtest.h>

#include <ctime>

#include "http/fake_transport.h"
#include "support/redis_server.h"

namespace tcoder::control {
namespace {

const char kSecret[] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
// A public address (example.com's) for the target check; never reached: the
// transport is a fake.
const char kPublicHook[] = "http://93.184.215.14/hooks/tcoder";
const char kLoopbackHook[] = "http://127.0.0.1:9/hooks/tcoder";

sockaddr_in Ipv4(const char* text) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  EXPECT_EQ(::inet_pton(AF_INET, text, &a.sin_addr), 1);
  return a;
}

class WebhooksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = testing::RedisServer::Start({.append_only = false});
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    redis_server_ = std::move(*server);
    auto client = state::RedisClient::Connect(redis_server_->url());
    ASSERT_TRUE(client.ok()) << client.status().ToString();
    redis_ = std::move(*client);
    pool_ = std::make_unique<state::RedisPool>(redis_server_->url());
    options_.webhook_backoff = std::chrono::milliseconds(0);  // a retry is due at once
    options_.webhook_max_age = std::chrono::hours(1);
  }

  // The deliverer, its sends answered by fake_.
  Webhooks& Make() {
    webhooks_ = std::make_unique<Webhooks>(*pool_, state::Keys(), options_, metrics_,
                                           WebhookSigner::FromSecret(kSecret).value());
    auto fake = std::make_unique<http::FakeTransport>();
    fake_ = fake.get();
    webhooks_->SetTransportForTesting(std::move(fake));
    return *webhooks_;
  }

  static state::Job EndedJob(const std::string& url) {
    state::Job job;
    job.id = "j_abcdefghijklmnopqrstuv";
    job.status = state::JobStatus::kCompleted;
    job.spec.webhook_url = url;
    job.attempts = 1;
    job.created_at = 1'700'000'000'000;
    job.completed_at = 1'700'000'060'000;
    return job;
  }

  // Records the job's delivery and runs `rounds` delivery rounds.
  void Deliver(Webhooks& w, const state::Job& job, int rounds) {
    ASSERT_TRUE(w.Record(*redis_, job).value());
    for (int i = 0; i < rounds; ++i) {
      auto sent = w.DeliverDue(*redis_);
      ASSERT_TRUE(sent.ok()) << sent.status().ToString();
    }
  }

  std::unique_ptr<testing::RedisServer> redis_server_;
  std::unique_ptr<state::RedisClient> redis_;
  std::unique_ptr<state::RedisPool> pool_;
  ControlOptions options_;
  Metrics metrics_;
  std::unique_ptr<Webhooks> webhooks_;
  http::FakeTransport* fake_ = nullptr;
};

TEST_F(WebhooksTest, ADeliveryIsSignedAndSentOnce) {
  Webhooks& w = Make();
  fake_->Reply(204);
  const state::Job job = EndedJob(kPublicHook);
  Deliver(w, job, 1);
  EXPECT_EQ(w.DeliverDue(*redis_).value(), 0);  // delivered: nothing due
  ASSERT_EQ(fake_->count(), 1u);
  const http::SentRequest sent = fake_->requests()[0];
  EXPECT_EQ(sent.request.method, "POST");
  EXPECT_EQ(sent.request.url, kPublicHook);
  EXPECT_EQ(sent.Header("content-type"), "application/json");
  EXPECT_EQ(sent.request.max_redirects, 0);
  const WebhookHeaders headers{sent.Header("webhook-id"), sent.Header("webhook-timestamp"),
                               sent.Header("webhook-signature")};
  EXPECT_EQ(headers.id, WebhookId(job));
  auto signer = WebhookSigner::FromSecret(kSecret).value();
  EXPECT_TRUE(signer.Verify(headers, sent.body, std::time(nullptr)).ok());
  EXPECT_FALSE(signer.Verify(headers, sent.body + " ", std::time(nullptr)).ok());
  auto body = nlohmann::json::parse(sent.body);
  EXPECT_EQ(body["type"], "job.completed");
  EXPECT_EQ(body["data"]["jobId"], job.id);
  EXPECT_EQ(metrics_.webhook_delivered, 1u);
}

TEST_F(WebhooksTest, EveryConnectionIsCheckedForInternalAddresses) {
  Webhooks& w = Make();
  fake_->Reply(200);
  Deliver(w, EndedJob(kPublicHook), 1);
  ASSERT_EQ(fake_->count(), 1u);
  const auto check = fake_->requests()[0].request.check_address;
  ASSERT_TRUE(check);
  const sockaddr_in loopback = Ipv4("127.0.0.1"), metadata = Ipv4("169.254.169.254"), public_ip = Ipv4("93.184.215.14");
  EXPECT_EQ(check(reinterpret_cast<const sockaddr*>(&loopback)).code(), Code::kPermissionDenied);
  EXPECT_EQ(check(reinterpret_cast<const sockaddr*>(&metadata)).code(), Code::kPermissionDenied);
  EXPECT_TRUE(check(reinterpret_cast<const sockaddr*>(&public_ip)).ok());
}

TEST_F(WebhooksTest, ServerErrorsAndTimeoutsAreRetriedWithTheSameId) {
  options_.webhook_allow_private = true;
  Webhooks& w = Make();
  fake_->Reply(503);
  fake_->Fail(Unavailable("Timeout was reached: Operation timed out after 10000 milliseconds"));
  fake_->Reply(200);
  Deliver(w, EndedJob(kLoopbackHook), 3);
  ASSERT_EQ(fake_->count(), 3u);
  const auto sent = fake_->requests();
  EXPECT_EQ(sent[0].Header("webhook-id"), sent[1].Header("webhook-id"));
  EXPECT_EQ(sent[0].Header("webhook-id"), sent[2].Header("webhook-id"));
  EXPECT_FALSE(sent[0].request.check_address);  // private targets allowed
  EXPECT_EQ(metrics_.webhook_failed_attempts, 2u);
  EXPECT_EQ(metrics_.webhook_delivered, 1u);
  EXPECT_EQ(w.DeliverDue(*redis_).value(), 0);
}

TEST_F(WebhooksTest, AClientErrorIsRetriedLikeAnyNon2xxAnswer) {
  // docs/api.md: "A non-2xx answer or a transport error is retried".
  options_.webhook_allow_private = true;
  Webhooks& w = Make();
  fake_->Reply(404, "no such hook");
  fake_->Reply(200);
  Deliver(w, EndedJob(kLoopbackHook), 2);
  EXPECT_EQ(fake_->count(), 2u);
  EXPECT_EQ(metrics_.webhook_failed_attempts, 1u);
  EXPECT_EQ(metrics_.webhook_delivered, 1u);
}

TEST_F(WebhooksTest, GivesUpOnceTheNextTryWouldBePastTheMaxAge) {
  options_.webhook_allow_private = true;
  options_.webhook_backoff = std::chrono::milliseconds(1);
  options_.webhook_max_age = std::chrono::milliseconds(0);
  Webhooks& w = Make();
  fake_->Reply(500);
  Deliver(w, EndedJob(kLoopbackHook), 2);
  EXPECT_EQ(fake_->count(), 1u);
  EXPECT_EQ(metrics_.webhook_gave_up, 1u);
  EXPECT_EQ(metrics_.webhook_failed_attempts, 0u);
}

TEST_F(WebhooksTest, AnInternalTargetIsNeverSentAndGivesUpAtOnce) {
  Webhooks& w = Make();
  Deliver(w, EndedJob(kLoopbackHook), 2);
  EXPECT_EQ(fake_->count(), 0u);
  EXPECT_EQ(metrics_.webhook_gave_up, 1u);
}

TEST_F(WebhooksTest, ARefusalAtConnectTimeGivesUpAtOnce) {
  // As when the name resolved to a public address for the check and to an
  // internal one when the transport connected (DNS rebinding).
  Webhooks& w = Make();
  fake_->Fail(Status(Code::kPermissionDenied, "webhook target connects to an internal address 10.0.0.1"));
  Deliver(w, EndedJob(kPublicHook), 2);
  EXPECT_EQ(fake_->count(), 1u);
  EXPECT_EQ(metrics_.webhook_gave_up, 1u);
}

}  // namespace
}  // namespace tcoder::control
