#include "control/fly_machines_api.h"

#include <gtest/gtest.h>

#include <thread>

#include "http/fake_transport.h"

namespace tcoder::control {
namespace {

using std::chrono::milliseconds;

struct Api {
  std::shared_ptr<http::FakeTransport> fake = std::make_shared<http::FakeTransport>();
  std::vector<milliseconds> slept;
  FlyMachinesApi api;

  explicit Api(bool rate_limits = false, int attempts = 4)
      : api(
            [&] {
              FlyApiOptions o;
              o.api_url = "http://fly.test/";
              o.app = "tcoder-workers";
              o.token = "fo1_secret-token";
              o.max_attempts = attempts;
              o.rate_limits = rate_limits;
              o.sleep = [this](milliseconds d) {
                slept.push_back(d);
                std::this_thread::sleep_for(std::min(d, milliseconds(50)));
              };
              return o;
            }(),
            fake) {}
};

TEST(FlyMachinesApi, SendsTheTokenAndJsonAndReadsTheAnswer) {
  Api a;
  a.fake->Reply(200, R"({"id":"3d8d9016b57d89","state":"created"})");
  auto made = a.api.Call("POST", "", nlohmann::json{{"name", "m_1"}}, "create", "");
  ASSERT_TRUE(made.ok()) << made.status().ToString();
  EXPECT_EQ(made->value("id", ""), "3d8d9016b57d89");
  const auto sent = a.fake->requests();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].request.method, "POST");
  EXPECT_EQ(sent[0].request.url, "http://fly.test/v1/apps/tcoder-workers/machines");
  EXPECT_EQ(sent[0].Header("Authorization"), "Bearer fo1_secret-token");
  EXPECT_EQ(sent[0].Header("Content-Type"), "application/json");
  EXPECT_EQ(nlohmann::json::parse(sent[0].body)["name"], "m_1");
}

TEST(FlyMachinesApi, RetriesRateLimitsAndServerErrorsWithBackoff) {
  Api a;
  a.fake->Reply(429, R"({"error":"rate limit exceeded"})", {{"retry-after", "2"}});
  a.fake->Reply(503, "upstream down");
  a.fake->Fail(Unavailable("connection refused"));
  a.fake->Reply(200, R"({"ok":true})");
  auto r = a.api.Call("POST", "/abc/stop", nlohmann::json::object(), "stop", "abc");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(a.fake->count(), 4u);
  ASSERT_EQ(a.slept.size(), 3u);
  EXPECT_EQ(a.slept[0], milliseconds(2000));  // Retry-After
  for (milliseconds d : a.slept) EXPECT_GT(d.count(), 0);
}

TEST(FlyMachinesApi, GivesUpAfterTheAttemptsWithoutTheToken) {
  Api a(false, 3);
  for (int i = 0; i < 3; ++i) a.fake->Reply(502, R"({"error":"bad gateway"})");
  auto r = a.api.Call("GET", "", nullptr, "list", "");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kUnavailable);
  EXPECT_NE(r.status().message().find("HTTP 502: bad gateway"), std::string::npos) << r.status().message();
  EXPECT_EQ(r.status().message().find("fo1_secret-token"), std::string::npos);
  EXPECT_EQ(a.fake->count(), 3u);
}

TEST(FlyMachinesApi, ClientErrorsAreNotRetriedAndKeepTheirText) {
  Api a;
  a.fake->Reply(412, R"({"error":"insufficient resources to create machine"})");
  a.fake->Reply(404, R"({"error":"machine not found"})");
  a.fake->Reply(408, R"({"error":"deadline_exceeded: machine did not reach state"})");
  a.fake->Reply(401, R"({"error":"unauthorized"})");
  const auto capacity = a.api.Call("POST", "", nlohmann::json::object(), "create", "");
  EXPECT_EQ(capacity.status().code(), Code::kConflict);
  EXPECT_NE(capacity.status().message().find("insufficient resources"), std::string::npos);
  EXPECT_EQ(a.api.Call("GET", "/x", nullptr, "get", "x").status().code(), Code::kNotFound);
  EXPECT_EQ(a.api.Call("GET", "/x/wait", nullptr, "wait", "x").status().code(), Code::kDeadlineExceeded);
  EXPECT_EQ(a.api.Call("GET", "", nullptr, "list", "").status().code(), Code::kUnauthenticated);
  EXPECT_EQ(a.fake->count(), 4u);
  EXPECT_TRUE(a.slept.empty());
}

TEST(FlyMachinesApi, KeepsEachMachineAndActionUnderItsRateLimit) {
  Api a(/*rate_limits=*/true);
  a.fake->SetHandler([](const http::HttpRequest&) { return http::HttpResponse{.status = 200, .body = "{}"}; });
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(a.api.Call("POST", "/m1/start", nullptr, "start", "m1").ok());
  EXPECT_TRUE(a.slept.empty());  // a burst of 3
  ASSERT_TRUE(a.api.Call("POST", "/m2/start", nullptr, "start", "m2").ok());
  ASSERT_TRUE(a.api.Call("POST", "/m1/stop", nullptr, "stop", "m1").ok());
  EXPECT_TRUE(a.slept.empty());  // another machine, another action: their own buckets
  ASSERT_TRUE(a.api.Call("POST", "/m1/start", nullptr, "start", "m1").ok());
  ASSERT_FALSE(a.slept.empty());  // the fourth start of m1 within a second waited for its token
  EXPECT_LE(a.slept.front(), milliseconds(1000));
}

TEST(FlyMachinesApi, FlyErrorNamesTheCallAndTheStatus) {
  const Status s = FlyError(409, R"({"error":"already exists"})", "POST create");
  EXPECT_EQ(s.code(), Code::kConflict);
  EXPECT_EQ(s.message(), "POST create: HTTP 409: already exists");
  EXPECT_EQ(FlyError(500, "oops", "GET list").message(), "GET list: HTTP 500: oops");
}

}  // namespace
}  // namespace tcoder::control
