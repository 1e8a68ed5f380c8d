// The CLI's API client against a fake HTTP transport: what it sends, how it
// reads answers, the errors a person sees; and following a job's stream.
#include "cli/api_client.h"

#include <gtest/gtest.h>

#include "cli/job_follow.h"
#include "http/fake_transport.h"

namespace tcoder::cli {
namespace {

struct Harness {
  Harness() {
    auto t = std::make_unique<http::FakeTransport>();
    fake = t.get();
    api = std::make_unique<ApiClient>("http://127.0.0.1:8787/", "key-1", std::move(t));
  }
  http::FakeTransport* fake = nullptr;
  std::unique_ptr<ApiClient> api;
};

TEST(ApiClient, SendsTheKeyAndAJsonBody) {
  Harness h;
  h.fake->Reply(200, R"({"jobId":"j_1","uploadUrl":"http://s/u"})");
  auto r = h.api->Call("POST", "/api/upload", R"({"filename":"a.mp4"})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body["jobId"], "j_1");
  EXPECT_EQ(ResponseError(r), "");
  EXPECT_EQ(CheckResponse("transcode", r), 0);
  ASSERT_EQ(h.fake->count(), 1u);
  const http::SentRequest sent = h.fake->requests()[0];
  EXPECT_EQ(sent.request.method, "POST");
  EXPECT_EQ(sent.request.url, "http://127.0.0.1:8787/api/upload");  // one slash
  EXPECT_EQ(sent.Header("authorization"), "Bearer key-1");
  EXPECT_EQ(sent.Header("content-type"), "application/json");
  EXPECT_EQ(sent.body, R"({"filename":"a.mp4"})");
}

TEST(ApiClient, RefusalsShowTheApisOwnMessage) {
  Harness h;
  h.fake->Reply(401, R"({"error":"invalid API key"})");
  h.fake->Reply(404, R"({"error":"job not found","details":{"id":"j_x"}})");
  auto unauthorized = h.api->Call("GET", "/api/stats");
  EXPECT_EQ(ResponseError(unauthorized), "HTTP 401: invalid API key");
  EXPECT_EQ(CheckResponse("stats", unauthorized), 3);
  auto missing = h.api->Call("GET", "/api/jobs/j_x");
  EXPECT_EQ(ResponseError(missing), "HTTP 404: job not found");
  EXPECT_EQ(CheckResponse("status", missing), 3);
}

TEST(ApiClient, ABodyThatIsNotTheApisJsonIsShownAsItCame) {
  Harness h;
  h.fake->Reply(503, "<html>upstream down</html>");
  h.fake->Reply(502, R"({"error":{"nested":true}})");
  h.fake->Reply(200, "not json");
  auto proxy = h.api->Call("GET", "/api/stats");
  ASSERT_TRUE(proxy.ok());
  EXPECT_TRUE(proxy->body.is_null());
  EXPECT_EQ(ResponseError(proxy), "HTTP 503: <html>upstream down</html>");
  auto odd = h.api->Call("GET", "/api/stats");
  EXPECT_EQ(ResponseError(odd), R"(HTTP 502: {"error":{"nested":true}})");
  auto text = h.api->Call("GET", "/api/stats");
  ASSERT_TRUE(text.ok());
  EXPECT_TRUE(text->body.is_null());
  EXPECT_EQ(text->raw, "not json");
}

TEST(ApiClient, ATransportFailureNamesTheServer) {
  Harness h;
  h.fake->Fail(Unavailable("Couldn't connect to server"));
  auto r = h.api->Call("GET", "/api/stats");
  EXPECT_EQ(r.status().code(), Code::kUnavailable);
  EXPECT_EQ(ResponseError(r), "cannot reach http://127.0.0.1:8787: Couldn't connect to server");
  EXPECT_EQ(CheckResponse("stats", r), 1);
}

TEST(ApiClient, FollowingAJobReadsItsStreamThenItsRecord) {
  Harness h;
  h.fake->Reply(200,
                "data: {\"jobId\":\"j_1\",\"status\":\"running\",\"progress\":40}\n\n"
                ": heartbeat\n\n"
                "data: {\"status\":\"completed\"}\n\n");
  h.fake->Reply(200, R"({"jobId":"j_1","status":"completed","outputs":[]})");
  std::vector<nlohmann::json> updates;
  auto job = FollowJob(*h.api, "j_1", [&](const nlohmann::json& u) { updates.push_back(u); });
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  EXPECT_EQ((*job)["status"], "completed");
  ASSERT_EQ(updates.size(), 2u);
  EXPECT_EQ(updates[0]["progress"], 40);
  const auto sent = h.fake->requests();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].request.url, "http://127.0.0.1:8787/api/jobs/j_1/events");
  EXPECT_EQ(sent[0].Header("accept"), "text/event-stream");
  EXPECT_EQ(sent[1].request.url, "http://127.0.0.1:8787/api/jobs/j_1");
}

TEST(ApiClient, FollowingAMissingJobStopsAtOnce) {
  Harness h;
  h.fake->Reply(404, R"({"error":"job not found"})");
  h.fake->Reply(404, R"({"error":"job not found"})");
  auto job = FollowJob(*h.api, "j_x", [](const nlohmann::json&) {});
  EXPECT_EQ(job.status().code(), Code::kNotFound);
  EXPECT_EQ(job.status().message(), "GET /api/jobs/j_x: HTTP 404: job not found");
}

}  // namespace
}  // namespace tcoder::cli
