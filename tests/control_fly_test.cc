// `tcoder control --provider fly` against a stand-in for the Fly.io Machines
// API (tests/fly/fake-machines.mjs: the documented machine states, rate
// limits and error shapes, faults on demand) whose started machines are real
// `tcoder worker` processes, launched with the worker image's own command line
// (deploy/fly/Dockerfile's ENTRYPOINT and CMD, the binary swapped for this
// build's), its ENV, the provider's config.env and the app's secrets, as Fly
// would. Jobs really transcode. What the stand-in cannot show is listed in
// tests/fly/README.md.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

#include "common/file_util.h"
#include "control_support.h"
#include "ffmpeg_support.h"
#include "state/keys.h"
#include "support/test_env.h"

namespace tcoder::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr char kApp[] = "tcoder-test";
constexpr char kToken[] = "fo1_test-token-not-secret";

// The worker image's command line and environment, from its Dockerfile.
struct Image {
  std::vector<std::string> command;  // ENTRYPOINT then CMD
  std::map<std::string, std::string> env;
};

Image ReadImage() {
  Image image;
  std::ifstream in(SourceDir() / "deploy" / "fly" / "Dockerfile");
  std::string line, stage;
  std::vector<std::string> entrypoint, cmd;
  while (std::getline(in, line)) {
    if (line.starts_with("FROM ")) image.env.clear();  // only the last stage's
    if (line.starts_with("ENTRYPOINT ")) entrypoint = json::parse(line.substr(11)).get<std::vector<std::string>>();
    if (line.starts_with("CMD ")) cmd = json::parse(line.substr(4)).get<std::vector<std::string>>();
    if (line.starts_with("ENV ")) {
      std::stringstream words(line.substr(4));
      for (std::string kv; words >> kv;) {
        const auto eq = kv.find('=');
        if (eq != std::string::npos) image.env[kv.substr(0, eq)] = kv.substr(eq + 1);
      }
    }
  }
  image.command = entrypoint;
  image.command.insert(image.command.end(), cmd.begin(), cmd.end());
  return image;
}

// The stand-in Machines API as a node process on a free port.
class FakeFly {
 public:
  FakeFly(const Image& image, const std::map<std::string, std::string>& secrets, const std::filesystem::path& logs)
      : port_(FreePort()) {
    ProcessSpec spec;
    spec.argv = {"node",      (SourceDir() / "tests" / "fly" / "fake-machines.mjs").string(),
                 "--port",    std::to_string(port_),
                 "--app",     kApp,
                 "--token",   kToken,
                 "--log-dir", logs.string()};
    EXPECT_EQ(image.command.at(0), "/usr/local/bin/tcoder") << "the image's entrypoint changed";
    spec.argv.insert(spec.argv.end(), {"--cmd", TcoderBinary().string()});
    for (std::size_t i = 1; i < image.command.size(); ++i)
      spec.argv.insert(spec.argv.end(), {"--cmd-arg", image.command[i]});
    for (const auto& [k, v] : secrets) {  // by name: the values reach the fake through its environment
      spec.argv.insert(spec.argv.end(), {"--secret", k});
      spec.env.emplace_back(k, v);
    }
    server_ = std::make_unique<ServerProcess>(std::move(spec), port_, "the fake Machines API");
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  json Log() const { return Http("GET", url() + "/__log").json(); }
  void Fault(const json& faults) const { EXPECT_EQ(Http("POST", url() + "/__faults", faults.dump()).status, 200); }

  // The /v1 requests of the log matching `method` and a path ending.
  std::vector<json> Requests(std::string_view method, std::string_view suffix, long status = 0) const {
    std::vector<json> out;
    const json log = Log();
    for (const json& r : log["requests"]) {
      const std::string path = r.value("path", "");
      const std::string bare = path.substr(0, path.find('?'));
      if (r.value("method", "") == method && bare.ends_with(suffix) && (status == 0 || r.value("status", 0) == status))
        out.push_back(r);
    }
    return out;
  }
  std::size_t Creates(long status = 200) const {
    return Requests("POST", std::string("/v1/apps/") + kApp + "/machines", status).size();
  }
  // Machines (not destroyed) in `state`.
  int Count(std::string_view state) const {
    int n = 0;
    const json log = Log();
    for (const json& m : log["machines"]) n += m.value("state", "") == state;
    return n;
  }

 private:
  int port_;
  std::unique_ptr<ServerProcess> server_;
};

std::string ReadAll(const std::filesystem::path& path) {
  auto data = ReadFile(path);
  return data.ok() ? *data : "";
}

class ControlFly : public ::testing::Test {
 protected:
  void SetUp() override {
    clip_ = dir_.path() / "clip.mp4";
    MakeClip(clip_, "320x240", 1, /*audio=*/true);
    stack_.StartStorage();
    Image image = ReadImage();
    ASSERT_FALSE(image.command.empty());
    // The app's secrets, as `fly secrets set` would give them, and the image's
    // ENV (its data dir, which exists in the image, is a temporary one here).
    std::map<std::string, std::string> env = image.env;
    env["TCODER_DATA_DIR"] = (dir_.path() / "machine-data").string();
    env["TCODER_REDIS_URL"] = redis_url();
    env["TCODER_S3_ACCESS_KEY"] = stack_.secrets().s3_access_key;
    env["TCODER_S3_SECRET_KEY"] = stack_.secrets().s3_secret_key;
    env["TCODER_INTERNAL_SECRET"] = stack_.secrets().internal_secret;
    fly_ = std::make_unique<FakeFly>(image, env, dir_.path());
  }

  void StartControl(std::vector<std::string> extra = {}) {
    std::vector<std::string> flags = {"--provider",
                                      "fly",
                                      "--fly-app",
                                      kApp,
                                      "--fly-api-token",
                                      kToken,
                                      "--fly-image",
                                      "registry.fly.io/tcoder-test:v1",
                                      "--fly-api-url",
                                      fly_->url(),
                                      "--fly-regions",
                                      "iad,ord",
                                      "--fly-guest",
                                      "shared:1:1024",
                                      "--max-machines",
                                      "2",
                                      "--idle-timeout",
                                      "4s",
                                      "--boot-timeout",
                                      "12s",
                                      "--tick",
                                      "200ms",
                                      "--worker-log-level",
                                      "warn"};
    flags.insert(flags.end(), extra.begin(), extra.end());
    stack_.StartControl(flags);
  }

  std::string redis_url() { return stack_.redis_url(); }

  // An upload of the test clip; returns the job id.
  std::string Submit() {
    json up = stack_.Upload({{"filename", "clip.mp4"}, {"preset", "hls"}, {"outputQualities", {"144p"}}});
    EXPECT_EQ(PutToUrl(up["uploadUrl"], ReadAll(clip_)), 200);
    return up.value("jobId", "");
  }

  void ExpectCompleted(const std::string& id, int seconds = 180) {
    EXPECT_TRUE(stack_.WaitForStatus(id, "completed", seconds)) << stack_.Job(id).dump() << "\n" << Logs();
  }

  bool WaitFor(const std::function<bool()>& done, std::chrono::seconds limit) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
      if (done()) return true;
      std::this_thread::sleep_for(200ms);
    }
    return done();
  }

  // The control plane's warnings and the machines' logs, for a failure's message.
  std::string Logs() {
    std::string out = "--- control plane:\n";
    for (const std::string& l : stack_.control(0).Lines())
      if (l.find("\"warn\"") != std::string::npos || l.find("\"error\"") != std::string::npos) out += l + "\n";
    for (const auto& f : std::filesystem::directory_iterator(dir_.path()))
      if (f.path().extension() == ".log") out += "--- " + f.path().filename().string() + ":\n" + ReadAll(f.path());
    return out;
  }

  TempDir dir_ = std::move(TempDir::Create("control-fly-test").value());
  std::filesystem::path clip_;
  ControlStack stack_;
  std::unique_ptr<FakeFly> fly_;
};

TEST_F(ControlFly, AColdStartCreatesALaterJobReusesTheStoppedMachine) {
  StartControl();
  const std::string first = Submit();
  ExpectCompleted(first);
  ASSERT_EQ(fly_->Creates(), 1u) << fly_->Log().dump();
  // The create as documented, with no secret in it.
  const json body = fly_->Requests("POST", std::string("/v1/apps/") + kApp + "/machines", 200).at(0)["body"];
  EXPECT_EQ(body["region"], "iad");
  const json& config = body["config"];
  EXPECT_EQ(config["image"], "registry.fly.io/tcoder-test:v1");
  EXPECT_EQ(config["guest"], (json{{"cpu_kind", "shared"}, {"cpus", 1}, {"memory_mb", 1024}}));
  EXPECT_EQ(config["restart"]["policy"], "no");
  EXPECT_EQ(config["auto_destroy"], false);
  EXPECT_EQ(config["metadata"]["tcoder_machine_id"], body["name"]);
  EXPECT_EQ(config["env"]["TCODER_MACHINE_ID"], body["name"]);
  const std::string dumped = body.dump();
  for (const std::string& secret : {stack_.secrets().s3_secret_key, stack_.secrets().internal_secret, redis_url()})
    EXPECT_EQ(dumped.find(secret), std::string::npos) << "a secret in the create body";
  EXPECT_EQ(stack_.Job(first)["machineId"], body["name"]);
  // Idle past the idle timeout: stopped through the API (SIGTERM), not destroyed.
  ASSERT_TRUE(WaitFor([&] { return fly_->Count("stopped") == 1; }, 60s)) << fly_->Log()["machines"].dump();
  const auto stops = fly_->Requests("POST", "/stop", 200);
  ASSERT_FALSE(stops.empty());
  EXPECT_EQ(stops.front()["body"]["signal"], "SIGTERM");
  // The next job starts the stopped machine again: no second create.
  const std::string second = Submit();
  ExpectCompleted(second);
  EXPECT_EQ(fly_->Creates(), 1u);
  EXPECT_GE(fly_->Requests("POST", "/start", 200).size(), 1u);
  EXPECT_EQ(stack_.Job(second)["machineId"], body["name"]);
}

TEST_F(ControlFly, EveryInjectedApiErrorIsSurvivedAndTheJobsComplete) {
  fly_->Fault(json::array({
      {{"action", "create"}, {"status", 429}, {"count", 2}, {"retry_after", 1}},
      {{"action", "create"}, {"status", 412}, {"region", "iad"}, {"error", "insufficient resources to create machine"}},
      {{"action", "create"}, {"status", 503}, {"count", 1}},
      {{"action", "list"}, {"status", 502}, {"count", 2}},
      {{"action", "stop"}, {"status", 500}, {"count", 1}},
      {{"action", "start"}, {"status", 503}, {"count", 1}},
  }));
  StartControl();
  const std::string first = Submit();
  ExpectCompleted(first);
  const auto made = fly_->Requests("POST", std::string("/v1/apps/") + kApp + "/machines", 200);
  ASSERT_EQ(made.size(), 1u) << fly_->Log()["requests"].dump();
  EXPECT_EQ(made[0]["body"]["region"], "ord") << "no capacity in iad: the next region";
  EXPECT_GE(fly_->Creates(429), 2u);
  ASSERT_TRUE(WaitFor([&] { return fly_->Count("stopped") == 1; }, 60s)) << fly_->Log()["machines"].dump();
  EXPECT_GE(fly_->Requests("POST", "/stop", 500).size(), 1u);
  // Being replaced when the next job comes: 412 on start, retried.
  const std::string machine = fly_->Log()["machines"][0].value("id", "");
  fly_->Fault({{"action", "replace"}, {"machine", machine}});
  const std::string second = Submit();
  ExpectCompleted(second);
  EXPECT_EQ(fly_->Creates(), 1u) << "the stopped machine was started again, not replaced";
  EXPECT_GE(fly_->Requests("POST", "/start", 412).size() + fly_->Requests("POST", "/start", 503).size(), 1u);
}

TEST_F(ControlFly, AMachineStuckInCreatedPastTheBootDeadlineIsDestroyedAndReplaced) {
  fly_->Fault({{"action", "boot"}, {"stuck", true}, {"count", 1}});
  StartControl();
  const std::string id = Submit();
  ExpectCompleted(id, 240);
  EXPECT_EQ(fly_->Creates(), 2u) << fly_->Log()["requests"].dump();
  const auto destroyed = fly_->Requests("DELETE", "", 200);
  ASSERT_GE(destroyed.size(), 1u);
  EXPECT_NE(destroyed[0].value("path", "").find("force=true"), std::string::npos);
}

TEST_F(ControlFly, AFailedMachineIsDestroyedAndReplaced) {
  fly_->Fault({{"action", "boot"}, {"fail", true}, {"count", 1}});
  StartControl();
  const std::string id = Submit();
  ExpectCompleted(id, 240);
  EXPECT_EQ(fly_->Creates(), 2u) << fly_->Log()["requests"].dump();
  EXPECT_EQ(fly_->Count("failed"), 0) << "the failed machine was left";
  EXPECT_EQ(stack_.control(0).Count("destroying a failed machine"), 1) << "replaced before its boot timeout";
}

TEST_F(ControlFly, OrphansOfThisDeploymentAreDestroyedOthersAreLeft) {
  auto create = [&](const std::string& name, const std::string& prefix) {
    const json body = {
        {"name", name},
        {"skip_launch", true},
        {"config", {{"image", "x"}, {"metadata", {{"tcoder_machine_id", name}, {"tcoder_prefix", prefix}}}}}};
    HttpResult r = Http("POST", fly_->url() + "/v1/apps/" + kApp + "/machines", body.dump(),
                        {"Authorization: Bearer " + std::string(kToken), "Content-Type: application/json"});
    EXPECT_EQ(r.status, 200) << r.body;
  };
  create("m_orphan", state::Keys().prefix());  // this deployment's tag
  create("m_other_deployment", "{other}:");
  StartControl();
  ASSERT_TRUE(WaitFor(
      [&] {
        const json log = fly_->Log();
        for (const json& m : log["machines"])
          if (m.value("name", "") == "m_orphan") return m.value("state", "") == "destroyed";
        return false;
      },
      60s))
      << fly_->Log()["machines"].dump();
  const json log = fly_->Log();
  for (const json& m : log["machines"]) {
    if (m.value("name", "") == "m_other_deployment") {
      EXPECT_NE(m.value("state", ""), "destroyed");
    }
  }
}

TEST_F(ControlFly, TheMachineLimitHoldsUnderABurstOf50Jobs) {
  StartControl();
  std::vector<std::string> ids;
  for (int i = 0; i < 50; ++i) ids.push_back(Submit());
  int most = 0;
  ASSERT_TRUE(WaitFor(
      [&] {
        const json log = fly_->Log();
        int alive = 0;
        for (const json& m : log["machines"]) {
          const std::string s = m.value("state", "");
          alive += s != "destroyed" && s != "stopped";
        }
        most = std::max(most, alive);
        return std::all_of(ids.begin(), ids.end(),
                           [&](const std::string& id) { return stack_.Job(id).value("status", "") == "completed"; });
      },
      400s))
      << Logs();
  EXPECT_LE(most, 2);
  EXPECT_LE(fly_->Creates(), 2u);
  EXPECT_EQ(most, 2) << "a burst of 50 on an idle pool uses both machines";
}

}  // namespace
}  // namespace tcoder::testing
