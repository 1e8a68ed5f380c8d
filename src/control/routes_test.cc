#include "control/routes.h"

#include <set>

#include <gtest/gtest.h>

namespace tcoder::control {
namespace {

using Kind = RouteMatch::Kind;

TEST(Routes, FindsEachRouteAndItsId) {
  const RouteMatch events = MatchRoute("GET", "/api/jobs/j_1/events");
  ASSERT_EQ(events.kind, Kind::kFound);
  EXPECT_EQ(events.route->pattern, "/api/jobs/{id}/events");
  EXPECT_EQ(events.id, "j_1");
  EXPECT_TRUE(events.needs_key);
  EXPECT_EQ(MatchRoute("DELETE", "/api/jobs/j_2").route->pattern, "/api/jobs/{id}");
  EXPECT_EQ(MatchRoute("DELETE", "/api/jobs/j_2").id, "j_2");
  EXPECT_EQ(MatchRoute("POST", "/api/jobs").route->pattern, "/api/jobs");
  EXPECT_EQ(MatchRoute("GET", "/api/jobs").route->pattern, "/api/jobs");
  EXPECT_EQ(MatchRoute("HEAD", "/").route->pattern, "/");
  EXPECT_EQ(MatchRoute("GET", "/favicon.ico").route->pattern, "/favicon.ico");
  // An empty segment is an id like any other: the handler refuses it.
  EXPECT_EQ(MatchRoute("GET", "/api/jobs/").id, "");
  EXPECT_EQ(MatchRoute("GET", "/api/jobs//events").route->pattern, "/api/jobs/{id}/events");
}

TEST(Routes, UnknownPathsMatchNothingWhateverTheMethod) {
  for (const char* path : {"/nosuch", "//api/jobs", "/API/JOBS", "/api/jobs/x/y", "/api", "/api/", "/api/nosuch",
                           "/api/events/s3/x", "/webhooks/job-complete/", "*", "http://127.0.0.1/", ""}) {
    for (const char* method : {"GET", "POST", "BREW"}) {
      const RouteMatch m = MatchRoute(method, path);
      EXPECT_EQ(m.kind, Kind::kNoSuchPath) << method << " " << path;
      EXPECT_FALSE(m.needs_key) << method << " " << path;
    }
  }
}

TEST(Routes, AKnownPathWithAnotherMethodNamesTheMethodsItTakes) {
  const RouteMatch status = MatchRoute("POST", "/api/status");
  EXPECT_EQ(status.kind, Kind::kWrongMethod);
  EXPECT_EQ(status.allow, "GET, HEAD");
  EXPECT_TRUE(status.needs_key);
  EXPECT_EQ(MatchRoute("PUT", "/api/jobs").allow, "GET, POST");
  EXPECT_EQ(MatchRoute("PATCH", "/api/jobs/j_1").allow, "GET, DELETE");
  EXPECT_EQ(MatchRoute("HEAD", "/metrics").allow, "GET");
  const RouteMatch s3 = MatchRoute("GET", "/api/events/s3");
  EXPECT_EQ(s3.kind, Kind::kWrongMethod);
  EXPECT_EQ(s3.allow, "POST");
  EXPECT_FALSE(s3.needs_key);
  EXPECT_EQ(MatchRoute("POST", "/").allow, "GET, HEAD");
}

TEST(Routes, EveryApiRouteButStorageEventsNeedsTheKey) {
  for (const Route& r : Routes()) {
    const bool api = r.pattern.starts_with("/api/");
    EXPECT_EQ(r.needs_key, api && r.pattern != "/api/events/s3") << r.pattern;
  }
}

TEST(Routes, TheTableIsWellFormed) {
  std::set<std::pair<std::string_view, unsigned>> seen;
  for (const Route& r : Routes()) {
    EXPECT_TRUE(r.pattern.starts_with("/")) << r.pattern;
    EXPECT_NE(r.methods, 0u) << r.pattern;
    EXPECT_NE(r.handler, nullptr) << r.pattern;
    for (unsigned bit : {kGet, kHead, kPost, kDelete}) {
      if ((r.methods & bit) == 0) continue;
      EXPECT_TRUE(seen.insert({r.pattern, bit}).second) << r.pattern << " twice";
    }
  }
}

}  // namespace
}  // namespace tcoder::control
