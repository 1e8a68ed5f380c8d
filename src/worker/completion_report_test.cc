#include "worker/completion_report.h"

#include <gtest/gtest.h>

#include <ctime>

#include "http/fake_transport.h"

namespace tcoder::worker {
namespace {

const char kSecret[] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

CompletionReport Report() { return {"j_abcdefghijklmnopqrstuv", "42", "m_1", "completed", "", 2}; }

struct Harness {
  // Queues the answers: an HTTP status, or a Status error (no response).
  explicit Harness(const std::vector<Result<long>>& answers) {
    auto t = std::make_unique<http::FakeTransport>();
    for (const auto& a : answers) a.ok() ? t->Reply(*a) : t->Fail(a.status());
    transport = t.get();
    auto r = CompletionReporter::Create({.control_url = "http://127.0.0.1:1/"}, kSecret, std::move(t));
    TCODER_CHECK(r.ok(), r.status().ToString());
    reporter = std::move(*r);
    reporter->SetSleepForTesting([this](std::chrono::milliseconds d) { sleeps.push_back(d); });
  }
  http::FakeTransport* transport = nullptr;
  std::unique_ptr<CompletionReporter> reporter;
  std::vector<std::chrono::milliseconds> sleeps;
};

TEST(CompletionReport, BodyCarriesTheContractFields) {
  CompletionReport r = Report();
  nlohmann::json body = ReportBody(r);
  EXPECT_EQ(body["jobId"], r.job_id);
  EXPECT_EQ(body["token"], "42");
  EXPECT_EQ(body["machineId"], "m_1");
  EXPECT_EQ(body["status"], "completed");
  EXPECT_EQ(body["attempts"], 2);
  EXPECT_FALSE(body.contains("error"));
  r.status = "failed";
  r.error = "input is empty";
  EXPECT_EQ(ReportBody(r)["error"], "input is empty");
}

TEST(CompletionReport, PostsASignatureTheControlPlaneCanVerify) {
  Harness h({200L});
  ASSERT_TRUE(h.reporter->Send(Report()).ok());
  ASSERT_EQ(h.transport->count(), 1u);
  const http::SentRequest req = h.transport->requests()[0];
  EXPECT_EQ(req.request.method, "POST");
  EXPECT_EQ(req.request.url, "http://127.0.0.1:1/webhooks/job-complete");
  WebhookHeaders headers{req.Header("webhook-id"), req.Header("webhook-timestamp"), req.Header("webhook-signature")};
  EXPECT_EQ(headers.id, ReportId(Report()));
  auto signer = WebhookSigner::FromSecret(kSecret);
  ASSERT_TRUE(signer.ok());
  EXPECT_TRUE(signer->Verify(headers, req.body, std::time(nullptr)).ok());
  EXPECT_FALSE(signer->Verify(headers, req.body + " ", std::time(nullptr)).ok());
}

TEST(CompletionReport, RetriesOutagesWithTheSameId) {
  Harness h({Result<long>(Unavailable("connection refused")), 503L, 200L});
  ASSERT_TRUE(h.reporter->Send(Report()).ok());
  ASSERT_EQ(h.transport->count(), 3u);
  EXPECT_EQ(h.transport->requests()[0].Header("webhook-id"), h.transport->requests()[2].Header("webhook-id"));
  ASSERT_EQ(h.sleeps.size(), 2u);
  EXPECT_LT(h.sleeps[0], h.sleeps[1]);
}

TEST(CompletionReport, GivesUpAfterTheLastAttempt) {
  Harness h({503L, 503L, 503L, 503L, 200L});
  Status s = h.reporter->Send(Report());
  EXPECT_EQ(s.code(), Code::kUnavailable);
  EXPECT_EQ(h.transport->count(), 4u);
}

TEST(CompletionReport, DoesNotRetryARefusal) {
  Harness h({401L});
  EXPECT_EQ(h.reporter->Send(Report()).code(), Code::kUnauthenticated);
  EXPECT_EQ(h.transport->count(), 1u);
}

TEST(CompletionReport, RefusesBadSettings) {
  EXPECT_FALSE(CompletionReporter::Create({.control_url = "ftp://x"}, kSecret).ok());
  EXPECT_FALSE(CompletionReporter::Create({.control_url = "http://x"}, "short").ok());
}

}  // namespace
}  // namespace tcoder::worker
