#include "control/fly_provider.h"

#include <gtest/gtest.h>

#include "http/fake_transport.h"

namespace tcoder::control {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

struct Fly {
  std::shared_ptr<http::FakeTransport> fake = std::make_shared<http::FakeTransport>();
  FlyProvider provider;

  explicit Fly(std::vector<std::string> regions = {"iad", "ord"})
      : provider(
            [&] {
              FlyProviderOptions o;
              o.api.api_url = "http://fly.test";
              o.api.app = "tcoder-workers";
              o.api.token = "fo1_secret-token";
              o.api.rate_limits = false;
              o.api.sleep = [](milliseconds) {};
              o.image = "registry.fly.io/tcoder-workers:v1";
              o.regions = std::move(regions);
              o.guest = FlyGuest{"performance", 4, 8192};
              o.env = {{"TCODER_S3_ENDPOINT", "https://s3.example"}, {"TCODER_LOG_LEVEL", "info"}};
              o.prefix = "deploy-a:";
              return o;
            }(),
            fake) {}

  json Body(std::size_t i) const { return json::parse(fake->requests().at(i).body); }
  std::string Url(std::size_t i) const { return fake->requests().at(i).request.url; }
};

std::string Machine(std::string_view fly_id, std::string_view pool_id, std::string_view state) {
  return json{{"id", fly_id},
              {"name", pool_id},
              {"state", state},
              {"instance_id", "01HZ8Y3K2M4N5P6Q7R8S9T0V1W"},
              {"config", {{"metadata", {{"tcoder_machine_id", pool_id}, {"tcoder_prefix", "deploy-a:"}}}}}}
      .dump();
}

constexpr char kBase[] = "http://fly.test/v1/apps/tcoder-workers/machines";

TEST(FlyProvider, CreateSendsTheDocumentedConfigAndNoSecrets) {
  Fly f;
  f.fake->Reply(200, Machine("3d8d9016b57d89", "m_1", "created"));
  ASSERT_TRUE(f.provider.Create("m_1").ok());
  const json body = f.Body(0);
  EXPECT_EQ(f.Url(0), kBase);
  EXPECT_EQ(body["name"], "m_1");
  EXPECT_EQ(body["region"], "iad");
  const json& c = body["config"];
  EXPECT_EQ(c["image"], "registry.fly.io/tcoder-workers:v1");
  EXPECT_EQ(c["guest"], (json{{"cpu_kind", "performance"}, {"cpus", 4}, {"memory_mb", 8192}}));
  EXPECT_EQ(c["env"]["TCODER_MACHINE_ID"], "m_1");
  EXPECT_EQ(c["env"]["TCODER_S3_ENDPOINT"], "https://s3.example");
  EXPECT_EQ(c["metadata"], (json{{"tcoder_machine_id", "m_1"}, {"tcoder_prefix", "deploy-a:"}}));
  EXPECT_EQ(c["restart"]["policy"], "no");
  EXPECT_EQ(c["auto_destroy"], false);
  EXPECT_EQ(body.dump().find("fo1_secret-token"), std::string::npos);
  // The machine is known now: a stop needs no list.
  f.fake->Reply(200, R"({"ok":true})");
  ASSERT_TRUE(f.provider.Stop("m_1").ok());
  EXPECT_EQ(f.Url(1), std::string(kBase) + "/3d8d9016b57d89/stop");
  EXPECT_EQ(f.Body(1), (json{{"signal", "SIGTERM"}, {"timeout", "35s"}}));
}

TEST(FlyProvider, ACapacityErrorMovesOnToTheNextRegion) {
  Fly f;
  f.fake->Reply(412, R"({"error":"insufficient resources to create machine in iad"})");
  f.fake->Reply(200, Machine("5683d4e4c7058e", "m_2", "created"));
  ASSERT_TRUE(f.provider.Create("m_2").ok());
  EXPECT_EQ(f.Body(0)["region"], "iad");
  EXPECT_EQ(f.Body(1)["region"], "ord");
  // Out of regions: the last capacity error is the answer.
  Fly g({"iad"});
  g.fake->Reply(422, R"({"error":"could not reserve resource for machine"})");
  const Status s = g.provider.Create("m_3");
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(IsCapacityError(s)) << s.ToString();
  // A 412 that is not about capacity does not try elsewhere.
  Fly h;
  h.fake->Reply(412, R"({"error":"failed_precondition: app is suspended"})");
  EXPECT_FALSE(h.provider.Create("m_4").ok());
  EXPECT_EQ(h.fake->count(), 1u);
  // The name is taken: kConflict, as the interface says.
  Fly k;
  k.fake->Reply(409, R"({"error":"machine name already exists"})");
  EXPECT_EQ(k.provider.Create("m_5").code(), Code::kConflict);
}

TEST(FlyProvider, CapacityErrorsAreRecognisedByTheirText) {
  for (const char* text : {"insufficient resources", "could not reserve resource for machine",
                           "your organization is over the allowed quota", "no capacity available in region"}) {
    EXPECT_TRUE(IsCapacityError(FlyError(412, json{{"error", text}}.dump(), "create"))) << text;
  }
  EXPECT_FALSE(IsCapacityError(FlyError(412, R"({"error":"machine is being replaced"})", "start")));
}

TEST(FlyProvider, ListShowsThisDeploymentsMachinesByPoolId) {
  Fly f;
  f.fake->Reply(200, "[" + Machine("aaa", "m_a", "started") + "," + Machine("bbb", "m_b", "suspended") + "," +
                         Machine("ccc", "m_c", "destroyed") + "]");
  auto listed = f.provider.List();
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  EXPECT_EQ(f.Url(0), std::string(kBase) + "?metadata.tcoder_prefix=deploy-a%3A");
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].id, "m_a");
  EXPECT_EQ((*listed)[0].state, "started");
  EXPECT_EQ((*listed)[1].state, "stopped");  // suspended: stopped to the pool
  // Machines learnt from the list are reachable by pool id.
  f.fake->Reply(200, R"({"ok":true})");
  ASSERT_TRUE(f.provider.Destroy("m_b").ok());
  EXPECT_EQ(f.Url(1), std::string(kBase) + "/bbb?force=true");
  EXPECT_EQ(f.fake->requests()[1].request.method, "DELETE");
}

TEST(FlyProvider, AnUnknownMachineIsLookedUpOnceThenNotFound) {
  Fly f;
  f.fake->Reply(200, "[]");
  EXPECT_EQ(f.provider.Start("m_gone").code(), Code::kNotFound);
  EXPECT_EQ(f.fake->count(), 1u);  // one list, no start
  f.fake->Reply(200, "[" + Machine("ddd", "m_d", "stopped") + "]");
  f.fake->Reply(404, R"({"error":"machine not found"})");
  EXPECT_EQ(f.provider.Start("m_d").code(), Code::kNotFound);
  f.fake->Reply(200, "[]");
  EXPECT_EQ(f.provider.Stop("m_d").code(), Code::kNotFound);  // forgotten after the 404: listed again
  EXPECT_EQ(f.fake->count(), 4u);
}

TEST(FlyProvider, StartRetriesWhileTheMachineIsBeingReplaced) {
  Fly f;
  f.fake->Reply(200, "[" + Machine("eee", "m_e", "stopped") + "]");
  f.fake->Reply(412, R"({"error":"failed_precondition: machine is being replaced"})");
  f.fake->Reply(412, R"({"error":"failed_precondition: machine is being replaced"})");
  f.fake->Reply(200, R"({"previous_state":"stopped","migrated":false,"new_host":""})");
  ASSERT_TRUE(f.provider.Start("m_e").ok());
  EXPECT_EQ(f.fake->count(), 4u);
  EXPECT_EQ(f.Url(3), std::string(kBase) + "/eee/start");
}

TEST(FlyProvider, WaitWaitsInSlicesOfAtMostAMinuteAndKeepsWaitingOn408) {
  Fly f;
  f.fake->Reply(200, "[" + Machine("fff", "m_f", "stopping") + "]");
  f.fake->Reply(200, Machine("fff", "m_f", "stopping"));  // the instance to wait on
  f.fake->Reply(408, R"({"error":"deadline_exceeded"})");
  f.fake->Reply(200, R"({"ok":true})");
  ASSERT_TRUE(f.provider.Wait("m_f", "stopped", std::chrono::minutes(3)).ok());
  EXPECT_EQ(f.Url(1), std::string(kBase) + "/fff");
  EXPECT_EQ(f.Url(2), std::string(kBase) + "/fff/wait?state=stopped&timeout=60&instance_id=01HZ8Y3K2M4N5P6Q7R8S9T0V1W");
  EXPECT_EQ(f.Url(3), f.Url(2));
  // Past the deadline: kDeadlineExceeded.
  f.fake->Reply(408, R"({"error":"deadline_exceeded"})");
  EXPECT_EQ(f.provider.Wait("m_f", "started", milliseconds(10)).code(), Code::kDeadlineExceeded);
  EXPECT_EQ(f.Url(4), std::string(kBase) + "/fff/wait?state=started&timeout=1");
}

TEST(FlyProvider, ParseFlyGuest) {
  auto g = ParseFlyGuest("performance:8:16384");
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->cpu_kind, "performance");
  EXPECT_EQ(g->cpus, 8);
  EXPECT_EQ(g->memory_mb, 16384);
  for (const char* bad :
       {"", "shared", "shared:2", "gpu:2:2048", "shared:0:2048", "shared:2:128", "shared:x:2048", "shared:2:2048:1"}) {
    EXPECT_FALSE(ParseFlyGuest(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace tcoder::control
