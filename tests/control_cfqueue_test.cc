// `tcoder control --events-cf-queue` against a stand-in for the Cloudflare
// Queues HTTP pull API (tests/cfqueues/fake-queues.mjs: pull with a
// visibility timeout, ack and retry, redelivery of what was not acked, faults
// on demand), fed with R2 event notification bodies for objects put into a
// store that sends no events of its own. What the stand-in cannot show is
// listed in tests/cfqueues/README.md.
#include <signal.h>

#include <gtest/gtest.h>

#include "control_support.h"
#include "support/test_env.h"

namespace tcoder::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr char kAccount[] = "3f4b7e3dcab231cbfdaa90a6a28bd548";
constexpr char kQueue[] = "8d9f0a1b2c3d4e5f60718293a4b5c6d7";
constexpr char kToken[] = "cf-test-token";

// The stand-in Queues API as a node process on a free port.
class FakeQueues {
 public:
  FakeQueues() : port_(FreePort()) {
    ProcessSpec spec;
    spec.argv = {"node",      (SourceDir() / "tests" / "cfqueues" / "fake-queues.mjs").string(),
                 "--port",    std::to_string(port_),
                 "--account", kAccount,
                 "--queue",   kQueue,
                 "--token",   kToken};
    server_ = std::make_unique<ServerProcess>(std::move(spec), port_, "the fake Queues API");
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string queue() const { return url() + "/client/v4/accounts/" + kAccount + "/queues/" + kQueue; }

  // Publishes an R2 event notification body, as R2 does (content type json).
  void Publish(const json& body) const {
    HttpResult r = Http("POST", queue() + "/messages", json{{"body", body}, {"content_type", "json"}}.dump(),
                        {"Authorization: Bearer " + std::string(kToken), "Content-Type: application/json"});
    EXPECT_EQ(r.status, 200) << r.body;
  }
  void Fault(const json& fault) const { EXPECT_EQ(Http("POST", url() + "/__faults", fault.dump()).status, 200); }
  void ClearFaults() const { Http("DELETE", url() + "/__faults"); }
  json Messages() const { return Http("GET", url() + "/__log").json()["messages"]; }

 private:
  int port_;
  std::unique_ptr<ServerProcess> server_;
};

json R2Event(const std::string& key, const std::string& action = "PutObject") {
  return {{"account", kAccount},
          {"action", action},
          {"bucket", "tcoder-input"},
          {"object", {{"key", key}, {"size", 4}, {"eTag", "e0"}}},
          {"eventTime", "2026-12-04T10:00:00.000Z"}};
}

class ControlCfQueue : public ::testing::Test {
 protected:
  void SetUp() override { stack_.StartStorage(/*with_events=*/false); }

  int StartControl() {
    return stack_.StartControl({"--events-cf-queue", std::string(kAccount) + "/" + kQueue, "--cf-api-token", kToken,
                                "--cf-api-url", queues_.url(), "--cf-visibility-timeout", "2s", "--max-machines", "0",
                                "--upload-check-after", "10m", "--tick", "200ms"});
  }

  // An upload whose object is in the store (which says nothing of it); returns {jobId, inputKey}.
  std::pair<std::string, std::string> Uploaded() {
    json up = stack_.Upload({{"filename", "clip.mp4"}});
    EXPECT_EQ(PutToUrl(up["uploadUrl"], "data"), 200);
    return {up.value("jobId", ""), up.value("inputKey", "")};
  }

  bool WaitFor(const std::function<bool()>& done, std::chrono::seconds limit) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
      if (done()) return true;
      std::this_thread::sleep_for(100ms);
    }
    return done();
  }

  // Every message of the fake acked.
  bool AllAcked() {
    const json messages = queues_.Messages();
    if (!messages.is_array() || messages.empty()) return false;
    for (const json& m : messages)
      if (m.value("state", "") != "acked") return false;
    return true;
  }

  FakeQueues queues_;
  ControlStack stack_;
};

TEST_F(ControlCfQueue, EveryEventIsConsumedOnceAndQueuesItsJob) {
  StartControl();
  std::vector<std::pair<std::string, std::string>> jobs;
  for (int i = 0; i < 5; ++i) jobs.push_back(Uploaded());
  for (const auto& [id, key] : jobs) queues_.Publish(R2Event(key));
  queues_.Publish(R2Event(jobs[0].second, "DeleteObject"));  // not an upload: acked, nothing happens
  queues_.Publish(R2Event("uploads/j_nosuchjob/clip.mp4"));  // no such job: acked, ignored
  for (const auto& [id, key] : jobs) EXPECT_TRUE(stack_.WaitForStatus(id, "pending", 30)) << stack_.Job(id).dump();
  ASSERT_TRUE(WaitFor([&] { return AllAcked(); }, 30s)) << queues_.Messages().dump();
  const json messages = queues_.Messages();
  EXPECT_EQ(messages.size(), 7u);
  for (const json& m : messages) EXPECT_EQ(m["deliveries"].size(), 1u) << m.dump();
  for (const auto& [id, key] : jobs) EXPECT_EQ(stack_.Job(id)["attempts"], 0);
}

TEST_F(ControlCfQueue, AnUnackedMessageIsDeliveredAgainAndStillMakesOneJob) {
  queues_.Fault({{"action", "ack"}, {"status", 500}, {"count", 1}});
  StartControl();
  const auto [id, key] = Uploaded();
  queues_.Publish(R2Event(key));
  ASSERT_TRUE(stack_.WaitForStatus(id, "pending", 30)) << stack_.Job(id).dump();
  ASSERT_TRUE(WaitFor([&] { return AllAcked(); }, 30s)) << queues_.Messages().dump();
  const json m = queues_.Messages().at(0);
  EXPECT_EQ(m["deliveries"].size(), 2u) << "the failed ack left it to the visibility timeout: " << m.dump();
  EXPECT_EQ(stack_.Job(id)["status"], "pending");
  EXPECT_EQ(stack_.CountKeys("*job:j_*"), 1) << "one job, whatever the deliveries";
}

TEST_F(ControlCfQueue, AControlPlaneKilledBetweenPullAndAckLosesNothing) {
  queues_.Fault({{"action", "ack"}, {"status", 500}, {"count", 1000}});  // this plane never gets to ack
  const int first = StartControl();
  const auto [id, key] = Uploaded();
  const auto [late_id, late_key] = Uploaded();
  queues_.Publish(R2Event(key));
  ASSERT_TRUE(stack_.WaitForStatus(id, "pending", 30)) << stack_.Job(id).dump();
  ASSERT_TRUE(stack_.control(first).process().Signal(SIGKILL).ok());
  queues_.ClearFaults();
  queues_.Publish(R2Event(late_key));  // sent while no control plane runs
  const int second = StartControl();
  auto status = [&](const std::string& job) { return stack_.Job(job, second).value("status", ""); };
  ASSERT_TRUE(WaitFor([&] { return status(late_id) == "pending"; }, 30s)) << stack_.Job(late_id, second).dump();
  ASSERT_TRUE(WaitFor([&] { return AllAcked(); }, 30s)) << queues_.Messages().dump();
  EXPECT_GE(queues_.Messages().at(0)["deliveries"].size(), 2u) << "pulled by the killed plane, then by the other";
  EXPECT_EQ(status(id), "pending");
  EXPECT_EQ(stack_.Job(id, second)["attempts"], 0);
  EXPECT_EQ(stack_.CountKeys("*job:j_*"), 2);
}

}  // namespace
}  // namespace tcoder::testing
