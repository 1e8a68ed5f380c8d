// The control plane's API against a real Redis and a real `tcoder control`:
// refusals that write nothing, the events endpoint, client webhooks with
// retries, and the workers' signed completion reports.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pty.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <ctime>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "common/file_util.h"
#include "common/process.h"
#include "common/temp_dir.h"
#include "common/webhook_signature.h"
#include "control_support.h"
#include "state/job_counts.h"
#include "state/machine_pool.h"
#include "state/queue.h"
#include "support/test_env.h"

namespace tcoder::testing {
namespace {

using nlohmann::json;

TEST(ControlApi, RootStatusAndMetricsAnswer) {
  ControlStack stack;
  stack.StartControl({"--max-machines", "0"});
  HttpResult root = Http("GET", stack.api() + "/");
  EXPECT_EQ(root.status, 200);
  EXPECT_EQ(root.json(), json({{"status", "ok"}, {"service", "tcoder"}}));
  HttpResult status = Http("GET", stack.api() + "/api/status", "", stack.auth());
  EXPECT_EQ(status.status, 200);
  EXPECT_EQ(status.json()["redis"]["connected"], true);
  HttpResult metrics = Http("GET", stack.api() + "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("tcoder_jobs{status=\"pending\"} 0"), std::string::npos) << metrics.body;
  EXPECT_NE(metrics.body.find("tcoder_machines_max 0"), std::string::npos);
  HttpResult stats = Http("GET", stack.api() + "/api/stats", "", stack.auth());
  EXPECT_EQ(stats.status, 200);
  EXPECT_EQ(stats.json()["machines"]["max"], 0);
}

// The web page is built into the binary: a tcoder copied away from the
// source tree serves it, hls.js included, as it is in web/; --web-dir serves
// a directory instead.
TEST(ControlApi, TheWebPageIsBuiltInSoACopiedBinaryServesIt) {
  auto dir = TempDir::Create("installed-");
  ASSERT_TRUE(dir.ok());
  const auto copy = dir->path() / "bin" / "tcoder";
  std::filesystem::create_directories(copy.parent_path());
  std::filesystem::copy_file(TcoderBinary(), copy);
  ControlStack stack;
  stack.StartControl({"--max-machines", "0"}, copy);
  HttpResult page = Http("GET", stack.api() + "/", "", {"Accept: text/html"});
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.headers["content-type"], "text/html; charset=utf-8");
  EXPECT_EQ(page.body, ReadFile(SourceDir() / "web" / "index.html").value());
  HttpResult hls = Http("GET", stack.api() + "/hls.min.js");
  EXPECT_EQ(hls.status, 200);
  EXPECT_EQ(hls.headers["content-type"], "text/javascript; charset=utf-8");
  EXPECT_EQ(hls.body, ReadFile(SourceDir() / "web" / "node_modules" / "hls.js" / "dist" / "hls.min.js").value());
  for (const char* file : {"/app.js", "/system.js", "/style.css", "/favicon.svg"})
    EXPECT_EQ(Http("GET", stack.api() + file).status, 200) << file;
  EXPECT_EQ(Http("GET", stack.api() + "/secrets.json").status, 404);
  // --web-dir: the page from a directory, files it lacks are 404.
  ASSERT_TRUE(WriteFileAtomic(dir->path() / "index.html", "<!doctype html><title>mine</title>").ok());
  const int mine = stack.StartControl({"--max-machines", "0", "--web-dir", dir->path().string()});
  HttpResult own = Http("GET", stack.api(mine) + "/", "", {"Accept: text/html"});
  EXPECT_EQ(own.body, "<!doctype html><title>mine</title>");
  EXPECT_EQ(Http("GET", stack.api(mine) + "/app.js").status, 404);
}

// R2's region and virtual-hosted addressing: the presigned upload URL names
// the bucket in the host and is signed for region "auto".
TEST(ControlApi, PresignedUploadsFollowTheRegionAndTheAddressingStyle) {
  ControlStack stack;
  stack.StartControl({"--max-machines", "0", "--region", "auto", "--s3-path-style", "false"});
  json up = stack.Upload({{"filename", "clip.mp4"}});
  const std::string url = up.value("uploadUrl", "");
  const std::string host = stack.s3_endpoint().substr(std::string("http://").size());
  EXPECT_EQ(url.rfind("http://tcoder-input." + host + "/uploads/", 0), 0u) << url;
  EXPECT_NE(url.find("%2Fauto%2Fs3%2Faws4_request"), std::string::npos) << url;
  ControlStack path_style;
  path_style.StartControl({"--max-machines", "0"});
  const std::string plain = path_style.Upload({{"filename", "clip.mp4"}}).value("uploadUrl", "");
  EXPECT_EQ(plain.rfind(path_style.s3_endpoint() + "/tcoder-input/uploads/", 0), 0u) << plain;
  EXPECT_NE(plain.find("%2Fus-east-1%2Fs3%2Faws4_request"), std::string::npos) << plain;
}

TEST(ControlApi, BadRequestsGetTheRight4xxAndWriteNothing) {
  ControlStack stack;
  stack.StartControl({"--max-machines", "0"});
  struct Case {
    std::string body;
    std::vector<std::string> headers;
    long status;
    std::string says;
  };
  auto auth = stack.auth();
  std::vector<Case> cases = {
      {"{not json", auth, 400, "malformed JSON"},
      {R"({"filename":"a.mp4","preset":"turbo"})", auth, 400, "unknown preset"},
      {R"({"filename":"a.mp4","outputQualities":["4k"]})", auth, 400, "unknown quality"},
      {R"({"filename":"a.mp4"})", {}, 401, "API key"},
      {R"({"filename":"a.mp4"})", {"Authorization: Bearer wrong-key-wrong-key"}, 401, "API key"},
      {R"({"filename":"a.mp4","size":11000000000})", auth, 413, "too large"},
      {R"({"filename":"../../etc/passwd"})", auth, 400, "plain file name"},
      {R"({"filename":"a.mp4","webhookUrl":"javascript:void"})", auth, 400, "webhookUrl"},
      {R"({"filename":"a.mp4","priority":100000})", auth, 400, "priority"},
  };
  for (const Case& c : cases) {
    HttpResult r = Http("POST", stack.api() + "/api/upload", c.body, c.headers);
    EXPECT_EQ(r.status, c.status) << c.body << " -> " << r.body;
    json j = r.json();
    ASSERT_TRUE(j.is_object()) << r.body;
    EXPECT_NE(j.value("error", "").find(c.says), std::string::npos) << c.body << " -> " << r.body;
  }
  EXPECT_EQ(Http("GET", stack.api() + "/api/jobs/j_doesnotexist0000000000", "", auth).status, 404);
  EXPECT_EQ(Http("GET", stack.api() + "/api/jobs/..%2Fx", "", auth).status, 404);
  EXPECT_EQ(Http("POST", stack.api() + "/api/jobs", R"({"preset":"hls"})", auth).status, 400);
  EXPECT_EQ(Http("GET", stack.api() + "/api/jobs?limit=0", "", auth).status, 400);
  EXPECT_EQ(stack.CountKeys("*job:*"), 0);
  EXPECT_EQ(stack.CountKeys("*input:*"), 0);
  EXPECT_EQ(stack.CountKeys("*status:*"), 0);
}

json MinioEvent(const std::string& key_encoded, const std::string& etag) {
  return {{"EventName", "s3:ObjectCreated:Put"},
          {"Records",
           {{{"eventName", "s3:ObjectCreated:Put"},
             {"eventTime", "2026-11-21T09:00:00.000Z"},
             {"s3",
              {{"bucket", {{"name", "tcoder-input"}}},
               {"object", {{"key", key_encoded}, {"size", 1234}, {"eTag", etag}}}}}}}}};
}

// Backpressure is decided in the creation's own script: at --max-pending
// pending jobs, uploads and jobs are refused with 429 and write nothing.
TEST(ControlApi, AtMaxPendingCreationsAreRefusedWith429AndWriteNothing) {
  ControlStack stack;
  stack.StartControl({"--max-machines", "0", "--max-pending", "2"});
  for (int i = 0; i < 2; ++i) {
    json up = stack.Upload({{"filename", "clip.mp4"}});
    const std::string body = MinioEvent(up["inputKey"].get<std::string>(), "etag" + std::to_string(i)).dump();
    HttpResult r = Http("POST", stack.api() + "/api/events/s3", body, stack.auth());
    ASSERT_EQ(r.status, 200) << r.body;
    ASSERT_EQ(stack.Job(up["jobId"])["status"], "pending");
  }
  const long long jobs_before = stack.CountKeys("*job:*"), inputs_before = stack.CountKeys("*input:*");
  HttpResult refused = Http("POST", stack.api() + "/api/upload", R"({"filename":"more.mp4"})", stack.auth());
  EXPECT_EQ(refused.status, 429) << refused.body;
  EXPECT_EQ(refused.headers["retry-after"], "30");
  EXPECT_NE(refused.json().value("error", "").find("too many pending jobs (2)"), std::string::npos) << refused.body;
  EXPECT_EQ(refused.json()["details"]["limit"], 2);
  HttpResult by_key =
      Http("POST", stack.api() + "/api/jobs", R"({"inputUrl":"https://example.com/a.mp4"})", stack.auth());
  EXPECT_EQ(by_key.status, 429) << by_key.body;
  EXPECT_EQ(stack.CountKeys("*job:*"), jobs_before);
  EXPECT_EQ(stack.CountKeys("*input:*"), inputs_before);
}

// The operator's views: ready jobs in claim order, a delayed retry, a running
// job on its machine with its lease; the machine pool with the job each runs;
// the CLI prints the same. Both need the API key.
TEST(ControlApi, MachinesAndQueueShowThePoolAndTheQueueAsTheyAre) {
  ControlStack stack;
  stack.StartControl({"--max-machines", "0"});
  auto pending = [&](int priority, const std::string& name) {
    json up = stack.Upload({{"filename", name}, {"priority", priority}});
    const std::string body = MinioEvent(up["inputKey"].get<std::string>(), "e-" + name).dump();
    EXPECT_EQ(Http("POST", stack.api() + "/api/events/s3", body, stack.auth()).status, 200);
    return up["jobId"].get<std::string>();
  };
  const std::string late = pending(5, "late.mp4");
  const std::string urgent = pending(-3, "urgent.mp4");
  const std::string retried = pending(-10, "retried.mp4");
  const std::string running = pending(-5, "running.mp4");
  state::MachinePool pool(stack.redis(), state::Keys());
  ASSERT_TRUE(pool.Register("m_ops").ok());
  state::Queue queue(stack.redis(), state::Keys(), {.backoff_base = std::chrono::minutes(1)});
  auto first = queue.TryClaim("");  // the most urgent: fails once and waits out its backoff
  ASSERT_TRUE(first.ok() && *first && (*first)->job_id == retried);
  ASSERT_TRUE(queue.Fail(**first, "transient", true).ok());
  auto claimed = queue.TryClaim("m_ops");
  ASSERT_TRUE(claimed.ok() && *claimed && (*claimed)->job_id == running);

  EXPECT_EQ(Http("GET", stack.api() + "/api/queue").status, 401);
  EXPECT_EQ(Http("GET", stack.api() + "/api/machines").status, 401);
  EXPECT_EQ(Http("GET", stack.api() + "/api/queue?limit=0", "", stack.auth()).status, 400);
  HttpResult q = Http("GET", stack.api() + "/api/queue", "", stack.auth());
  ASSERT_EQ(q.status, 200) << q.body;
  const json body = q.json();
  EXPECT_EQ(body["ready"]["count"], 2);
  ASSERT_EQ(body["ready"]["jobs"].size(), 2u) << q.body;
  EXPECT_EQ(body["ready"]["jobs"][0]["jobId"], urgent);  // claim order: lower priority first
  EXPECT_EQ(body["ready"]["jobs"][0]["priority"], -3);
  EXPECT_EQ(body["ready"]["jobs"][1]["jobId"], late);
  EXPECT_GE(body["ready"]["jobs"][0]["waitMs"].get<long>(), 0);
  EXPECT_EQ(body["delayed"]["count"], 1);
  EXPECT_EQ(body["delayed"]["jobs"][0]["jobId"], retried);
  EXPECT_TRUE(body["delayed"]["jobs"][0]["dueAt"].is_string()) << q.body;
  EXPECT_EQ(body["running"]["count"], 1);
  EXPECT_EQ(body["running"]["jobs"][0]["jobId"], running);
  EXPECT_EQ(body["running"]["jobs"][0]["machineId"], "m_ops");
  EXPECT_TRUE(body["running"]["jobs"][0]["leaseUntil"].is_string());

  HttpResult m = Http("GET", stack.api() + "/api/machines", "", stack.auth());
  ASSERT_EQ(m.status, 200) << m.body;
  const json machines = m.json()["machines"];
  ASSERT_EQ(machines.size(), 1u) << m.body;
  EXPECT_EQ(machines[0]["machineId"], "m_ops");
  EXPECT_EQ(machines[0]["state"], "running");
  EXPECT_EQ(machines[0]["jobId"], running);
  EXPECT_EQ(machines[0]["provider"], "local");
  EXPECT_TRUE(machines[0]["leaseUntil"].is_string()) << m.body;

  // The CLI: plain lines and the API's JSON.
  ProcessSpec cli;
  cli.argv = {TcoderBinary().string(), "machines", "--server", stack.api(), "--api-key", stack.secrets().api_key};
  auto plain = RunProcess(cli, {});
  ASSERT_TRUE(plain.ok() && plain->success()) << (plain.ok() ? plain->err : plain.status().ToString());
  EXPECT_NE(plain->out.find("m_ops"), std::string::npos) << plain->out;
  EXPECT_NE(plain->out.find("job " + running), std::string::npos) << plain->out;
  cli.argv[1] = "queue";
  cli.argv.push_back("--json");
  auto as_json = RunProcess(cli, {});
  ASSERT_TRUE(as_json.ok() && as_json->success()) << (as_json.ok() ? as_json->err : as_json.status().ToString());
  EXPECT_EQ(json::parse(as_json->out, nullptr, false)["ready"]["jobs"][0]["jobId"], urgent) << as_json->out;
}

// The operator's levers on a stuck job: requeue takes it from its holder (whose
// late writes are then refused) and makes it ready; fail ends it with the
// reason; both refuse a job that already ended (409) and need the API key.
TEST(ControlApi, RequeueAndFailMoveAStuckJobAndRefuseAnEndedOne) {
  ControlStack stack;
  stack.StartControl({"--max-machines", "0"});
  auto pending = [&](const std::string& name) {
    json up = stack.Upload({{"filename", name}});
    const std::string body = MinioEvent(up["inputKey"].get<std::string>(), "e-" + name).dump();
    EXPECT_EQ(Http("POST", stack.api() + "/api/events/s3", body, stack.auth()).status, 200);
    return up["jobId"].get<std::string>();
  };
  const std::string stuck = pending("stuck.mp4");
  state::Queue queue(stack.redis(), state::Keys());
  auto lease = queue.TryClaim("m_gone");
  ASSERT_TRUE(lease.ok() && *lease && (*lease)->job_id == stuck);

  EXPECT_EQ(Http("POST", stack.api() + "/api/jobs/" + stuck + "/requeue").status, 401);
  EXPECT_EQ(Http("POST", stack.api() + "/api/jobs/j_nosuchjob000000000000/requeue", "", stack.auth()).status, 404);
  EXPECT_EQ(Http("POST", stack.api() + "/api/jobs/" + stuck + "/requeue", R"({"reason":7})", stack.auth()).status, 400);
  std::vector<std::string> as_ops = stack.auth();
  as_ops.push_back("X-TCoder-Operator: alice");
  HttpResult requeued =
      Http("POST", stack.api() + "/api/jobs/" + stuck + "/requeue", R"({"reason":"worker froze"})", as_ops);
  ASSERT_EQ(requeued.status, 200) << requeued.body;
  EXPECT_EQ(requeued.json()["requeued"], true);
  json job = stack.Job(stuck);
  EXPECT_EQ(job["status"], "pending");
  EXPECT_EQ(job["error"], "worker froze");
  EXPECT_TRUE(job["machineId"].is_null()) << job.dump();
  EXPECT_EQ(queue.Complete(**lease, {}).code(), Code::kConflict);  // the old holder is fenced out
  auto again = queue.TryClaim("m_next");                           // and the job is ready for the next claimer
  ASSERT_TRUE(again.ok() && *again) << again.status().ToString();
  EXPECT_EQ((*again)->job_id, stuck);
  bool logged = false;  // the action is logged with who asked
  for (int i = 0; i < 50 && !logged; ++i) {
    for (const std::string& line : stack.control(0).Lines())
      logged = logged || (line.find("operator action") != std::string::npos && line.find("alice") != std::string::npos);
    if (!logged) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(logged);

  HttpResult failed =
      Http("POST", stack.api() + "/api/jobs/" + stuck + "/fail", R"({"reason":"bad input, by hand"})", stack.auth());
  ASSERT_EQ(failed.status, 200) << failed.body;
  job = stack.Job(stuck);
  EXPECT_EQ(job["status"], "failed");
  EXPECT_EQ(job["error"], "bad input, by hand");
  EXPECT_EQ(queue.Complete(**again, {}).code(), Code::kConflict);
  HttpResult refused = Http("POST", stack.api() + "/api/jobs/" + stuck + "/requeue", "", stack.auth());
  EXPECT_EQ(refused.status, 409) << refused.body;
  EXPECT_NE(refused.json().value("error", "").find("only running or pending"), std::string::npos) << refused.body;
  EXPECT_EQ(Http("POST", stack.api() + "/api/jobs/" + stuck + "/fail", "", stack.auth()).status, 409);

  // An upload that never came: failing it releases the key it awaited.
  json up = stack.Upload({{"filename", "never.mp4"}});
  ASSERT_EQ(
      Http("POST", stack.api() + "/api/jobs/" + up["jobId"].get<std::string>() + "/fail", "", stack.auth()).status,
      200);
  EXPECT_EQ(stack.Job(up["jobId"])["error"], "failed by an operator");
  EXPECT_EQ(stack.CountKeys("*input:tcoder-input/" + up["inputKey"].get<std::string>()), 0);
}

// The operator's levers on a machine, with a real worker: drain (it takes no
// more work and stops, and admission leaves it stopped), start, stop and
// destroy, each refused when the machine's state forbids it (409 with the
// reason), 404 for an unknown machine, 401 without the key; the system event
// stream shows every step.
TEST(ControlApi, MachineActionsMoveARealMachineAndRefuseWhatItsStateForbids) {
  ControlStack stack;
  stack.StartStorage();
  stack.StartControl({"--max-machines", "1", "--tick", "200ms", "--idle-timeout", "5m", "--worker-log-level", "warn"});
  ProcessSpec curl;  // the system stream, from the start: its lines go to the collected stderr
  curl.argv = {"curl", "-sN", "-o", "/dev/stderr", "-H", stack.auth()[0], stack.api() + "/api/system/events"};
  auto spawned = Subprocess::Spawn(curl);
  ASSERT_TRUE(spawned.ok()) << spawned.status().ToString();
  LoggedProcess stream(std::move(*spawned));
  auto machine = [&]() -> json {
    HttpResult m = Http("GET", stack.api() + "/api/machines", "", stack.auth());
    const json list = m.json()["machines"];
    return list.is_array() && !list.empty() ? list[0] : json(nullptr);
  };
  auto wait_state = [&](const std::string& state, int seconds) {
    for (int i = 0; i < seconds * 10; ++i) {
      if (machine().value("state", "") == state) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  };
  auto act = [&](const std::string& id, const std::string& action, const std::string& body = "") {
    std::vector<std::string> headers = stack.auth();
    headers.push_back("X-TCoder-Operator: bob");
    return Http("POST", stack.api() + "/api/machines/" + id + "/" + action, body, headers);
  };
  auto failing_job = [&](const std::string& name) {
    json up = stack.Upload({{"filename", name}});
    EXPECT_EQ(PutToUrl(up["uploadUrl"], "this is not a video"), 200);
    return up["jobId"].get<std::string>();
  };
  // A job brings a machine up; it fails (not a video) and the machine waits, idle.
  ASSERT_TRUE(stack.WaitForStatus(failing_job("one.mp4"), "failed", 90));
  ASSERT_TRUE(wait_state("idle", 30)) << machine().dump();
  const json idle = machine();
  const std::string id = idle["machineId"];
  EXPECT_EQ(idle["draining"], false);
  EXPECT_EQ(idle["jobsDone"], 0);
  EXPECT_TRUE(idle["lastError"].is_string()) << idle.dump();

  EXPECT_EQ(Http("POST", stack.api() + "/api/machines/" + id + "/drain").status, 401);
  EXPECT_EQ(act("m_nosuch", "drain").status, 404);
  EXPECT_EQ(act(id, "drain", R"({"reason":7})").status, 400);
  HttpResult drained = act(id, "drain", R"({"reason":"host maintenance"})");
  ASSERT_EQ(drained.status, 200) << drained.body;
  EXPECT_EQ(drained.json()["draining"], true);
  ASSERT_TRUE(wait_state("stopped", 30)) << "the drained worker did not leave: " << machine().dump();
  HttpResult again = act(id, "drain");
  EXPECT_EQ(again.status, 409) << again.body;
  EXPECT_NE(again.json().value("error", "").find("nothing to drain"), std::string::npos) << again.body;

  // Drained and stopped, it is not restarted for new work (the pool is full).
  const std::string waiting = failing_job("two.mp4");
  ASSERT_TRUE(stack.WaitForStatus(waiting, "pending", 30));
  std::this_thread::sleep_for(std::chrono::seconds(2));
  EXPECT_EQ(machine()["state"], "stopped");
  EXPECT_EQ(stack.Job(waiting)["status"], "pending");
  HttpResult started = act(id, "start");
  ASSERT_EQ(started.status, 200) << started.body;
  EXPECT_EQ(started.json()["state"], "starting");
  EXPECT_EQ(started.json()["draining"], false);
  ASSERT_TRUE(stack.WaitForStatus(waiting, "failed", 90));  // started, it takes the job
  EXPECT_EQ(act(id, "start").status, 409);

  HttpResult stopped = act(id, "stop");
  ASSERT_EQ(stopped.status, 200) << stopped.body;
  ASSERT_TRUE(wait_state("stopped", 40)) << machine().dump();
  HttpResult stop_again = act(id, "stop");
  EXPECT_EQ(stop_again.status, 409) << stop_again.body;
  HttpResult destroyed = act(id, "destroy");
  ASSERT_EQ(destroyed.status, 200) << destroyed.body;
  EXPECT_EQ(destroyed.json()["state"], "destroyed");
  EXPECT_TRUE(machine().is_null());
  EXPECT_EQ(act(id, "destroy").status, 404);
  EXPECT_GE(stack.control(0).Count("operator action"), 4);
  EXPECT_GE(stack.control(0).Count("bob"), 4);

  // The stream: the snapshot first, then the machine's steps and the jobs',
  // each under its own event name.
  bool draining = false, gone = false, job_on_machine = false;
  std::vector<std::string> misnamed;
  for (int i = 0; i < 50 && !(draining && gone && job_on_machine); ++i) {
    std::string event;
    misnamed.clear();
    for (const std::string& line : stream.Lines()) {
      if (line.starts_with("event: ")) event = line.substr(7);
      if (!line.starts_with("data: ")) continue;
      const json d = json::parse(line.substr(6), nullptr, false);
      if (d.contains("state") && !d.contains("machines") && event != "machine") misnamed.push_back(event + " " + line);
      if (d.contains("status") && event != "job") misnamed.push_back(event + " " + line);
      draining = draining || (d.value("machineId", "") == id && d.value("draining", false));
      gone = gone || (d.value("machineId", "") == id && d.value("state", "") == "gone");
      job_on_machine = job_on_machine ||
                       (d.contains("jobId") && d.value("machineId", "") == id && d.value("status", "") == "running");
    }
    if (!(draining && gone && job_on_machine)) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const std::vector<std::string> lines = stream.Lines();
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines[0], "event: snapshot");
  EXPECT_TRUE(draining);
  EXPECT_TRUE(gone);
  EXPECT_TRUE(job_on_machine);
  EXPECT_TRUE(misnamed.empty()) << misnamed.size() << " misnamed, the first: " << misnamed.front();
}

// `tcoder top` on a terminal (a pty) redraws in place, one screen per sample;
// piped it prints one plain line per sample; --json, one object per line.
TEST(ControlApi, TopRedrawsOnATerminalAndPrintsLinesWhenPiped) {
  ControlStack stack;
  stack.StartControl({"--max-machines", "0"});
  state::MachinePool pool(stack.redis(), state::Keys());
  ASSERT_TRUE(pool.Register("m_top").ok());
  stack.Upload({{"filename", "waiting.mp4"}});
  const std::vector<std::string> argv = {TcoderBinary().string(), "top",        "--server", stack.api(), "--api-key",
                                         stack.secrets().api_key, "--interval", "200ms",    "--count",   "3"};
  int master = -1;
  winsize size{};
  size.ws_row = 30;
  size.ws_col = 100;
  const pid_t pid = ::forkpty(&master, nullptr, nullptr, &size);
  ASSERT_GE(pid, 0) << "forkpty failed";
  if (pid == 0) {
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  std::string screen;
  char buf[4096];
  for (ssize_t n; (n = ::read(master, buf, sizeof(buf))) > 0;) screen.append(buf, static_cast<size_t>(n));
  int status = 0;
  ::waitpid(pid, &status, 0);
  ::close(master);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << screen;
  int redraws = 0;
  for (std::size_t at = 0; (at = screen.find("\x1b[H", at)) != std::string::npos; at += 3) ++redraws;
  EXPECT_EQ(redraws, 3) << screen;
  EXPECT_NE(screen.find("m_top"), std::string::npos) << screen;
  EXPECT_NE(screen.find("\x1b[?25h"), std::string::npos) << "the cursor is shown again at the end";

  auto piped = RunProcess({.argv = argv}, {});
  ASSERT_TRUE(piped.ok() && piped->success()) << (piped.ok() ? piped->err : piped.status().ToString());
  EXPECT_EQ(piped->out.find('\x1b'), std::string::npos) << piped->out;
  EXPECT_EQ(std::count(piped->out.begin(), piped->out.end(), '\n'), 3) << piped->out;
  EXPECT_NE(piped->out.find("1/0 machines 1 running"), std::string::npos) << piped->out;
  std::vector<std::string> as_json = argv;
  as_json.push_back("--json");
  auto lines = RunProcess({.argv = as_json}, {});
  ASSERT_TRUE(lines.ok() && lines->success());
  std::istringstream in(lines->out);
  int objects = 0;
  for (std::string line; std::getline(in, line);) {
    const json j = json::parse(line, nullptr, false);
    EXPECT_EQ(j["machines"]["machines"][0]["machineId"], "m_top") << line;
    ++objects;
  }
  EXPECT_EQ(objects, 3);
}

TEST(ControlApi, EventsEndpointQueuesOnceWithAMinioBody) {
  ControlStack stack;
  stack.StartControl({"--max-machines", "0"});
  json up = stack.Upload({{"filename", "my clip.mp4"}});
  const std::string id = up["jobId"];
  const std::string key = up["inputKey"];
  EXPECT_EQ(key, "uploads/" + id + "/my_clip.mp4");
  EXPECT_EQ(stack.Job(id)["status"], "uploading");

  std::string body = MinioEvent(key, "0123abcd").dump();
  EXPECT_EQ(Http("POST", stack.api() + "/api/events/s3", body, {"Authorization: Bearer nope"}).status, 401);
  EXPECT_EQ(stack.Job(id)["status"], "uploading");
  HttpResult r = Http("POST", stack.api() + "/api/events/s3?token=" + stack.secrets().api_key, body);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["results"][0]["outcome"], "queued");
  EXPECT_EQ(stack.Job(id)["status"], "pending");
  EXPECT_EQ(stack.Job(id)["size"], 1234);

  // The same event again changes nothing.
  auto queue_before = state::CountJobs(stack.redis(), state::Keys()).value().ready;
  r = Http("POST", stack.api() + "/api/events/s3", body, stack.auth());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["results"][0]["outcome"], "duplicate");
  EXPECT_EQ(state::CountJobs(stack.redis(), state::Keys()).value().ready, queue_before);
  EXPECT_EQ(queue_before, 1);
  EXPECT_EQ(Http("POST", stack.api() + "/api/events/s3", "{garbage", stack.auth()).status, 400);
}

// A tiny HTTP receiver: answers 500 `failures` times, then 200.
class Receiver {
 public:
  explicit Receiver(int failures) : failures_(failures) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    port_ = FreePort();
    addr.sin_port = htons(static_cast<uint16_t>(port_));
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    listen(fd_, 16);
    thread_ = std::thread([this] { Serve(); });
  }
  ~Receiver() {
    stop_ = true;
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    thread_.join();
  }
  int port() const { return port_; }
  std::vector<HttpResult> requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  void Serve() {
    while (!stop_) {
      int c = accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      std::string data;
      char buf[8192];
      size_t need = std::string::npos;
      while (true) {
        ssize_t n = read(c, buf, sizeof(buf));
        if (n <= 0) break;
        data.append(buf, static_cast<size_t>(n));
        auto end = data.find("\r\n\r\n");
        if (end != std::string::npos && need == std::string::npos) {
          auto cl = data.find("Content-Length: ");
          need = end + 4 + (cl == std::string::npos ? 0 : std::stoul(data.substr(cl + 16)));
        }
        if (need != std::string::npos && data.size() >= need) break;
      }
      HttpResult req;
      auto end = data.find("\r\n\r\n");
      req.body = end == std::string::npos ? "" : data.substr(end + 4);
      std::string head = data.substr(0, end);
      size_t pos = head.find("\r\n");
      while (pos != std::string::npos && pos < head.size()) {
        size_t next = head.find("\r\n", pos + 2);
        std::string line = head.substr(pos + 2, next == std::string::npos ? std::string::npos : next - pos - 2);
        auto colon = line.find(':');
        if (colon != std::string::npos) {
          std::string name = line.substr(0, colon);
          std::transform(name.begin(), name.end(), name.begin(), ::tolower);
          req.headers[name] = line.substr(colon + 2);
        }
        pos = next;
      }
      int n;
      {
        std::lock_guard lock(mu_);
        requests_.push_back(req);
        n = static_cast<int>(requests_.size());
      }
      std::string answer = n <= failures_ ? "HTTP/1.1 500 Oops\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                                          : "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
      (void)!write(c, answer.data(), answer.size());
      close(c);
    }
  }

  int failures_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<HttpResult> requests_;
  std::thread thread_;
};

TEST(ControlApi, WebhookIsRetriedWithOneIdAndVerifies) {
  Receiver receiver(2);
  ControlStack stack;
  stack.StartControl({"--max-machines", "0", "--webhook-allow-private", "--webhook-backoff", "200ms"});
  const std::string hook = "http://127.0.0.1:" + std::to_string(receiver.port()) + "/hook";
  json up = stack.Upload({{"filename", "a.mp4"}, {"webhookUrl", hook}});
  const std::string id = up["jobId"];
  HttpResult cancel = Http("DELETE", stack.api() + "/api/jobs/" + id, "", stack.auth());
  ASSERT_EQ(cancel.status, 200) << cancel.body;
  for (int i = 0; i < 200 && receiver.requests().size() < 3; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  auto requests = receiver.requests();
  ASSERT_EQ(requests.size(), 3u);
  auto signer = WebhookSigner::FromSecret(stack.secrets().webhook_secret).value();
  for (const auto& r : requests) {
    EXPECT_EQ(r.headers.at("webhook-id"), requests[0].headers.at("webhook-id"));
    WebhookHeaders h{r.headers.at("webhook-id"), r.headers.at("webhook-timestamp"), r.headers.at("webhook-signature")};
    EXPECT_TRUE(signer.Verify(h, r.body, std::time(nullptr)).ok()) << r.body;
    json body = json::parse(r.body);
    EXPECT_EQ(body["type"], "job.cancelled");
    EXPECT_EQ(body["data"]["jobId"], id);
  }
  std::this_thread::sleep_for(std::chrono::seconds(1));
  EXPECT_EQ(receiver.requests().size(), 3u);  // delivered: no more
}

TEST(ControlApi, WebhooksToLoopbackAreRefusedByDefault) {
  Receiver receiver(0);
  ControlStack stack;
  stack.StartControl({"--max-machines", "0", "--webhook-backoff", "100ms"});
  json up =
      stack.Upload({{"filename", "a.mp4"}, {"webhookUrl", "http://127.0.0.1:" + std::to_string(receiver.port())}});
  ASSERT_EQ(Http("DELETE", stack.api() + "/api/jobs/" + up["jobId"].get<std::string>(), "", stack.auth()).status, 200);
  for (int i = 0; i < 50 && stack.control(0).Count("webhook delivery given up") == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(stack.control(0).Count("webhook delivery given up"), 1);
  EXPECT_TRUE(receiver.requests().empty());
}

TEST(ControlApi, CompletionReportsMustBeSignedAndFresh) {
  ControlStack stack;
  stack.StartControl({"--max-machines", "0"});
  json up = stack.Upload({{"filename", "a.mp4"}});
  const std::string id = up["jobId"];
  std::string body =
      json({{"jobId", id}, {"token", "1"}, {"machineId", "m_x"}, {"status", "completed"}, {"attempts", 1}}).dump();
  auto forged = WebhookSigner::FromSecret("whsec_" + std::string(32, 'A'))
                    .value()
                    .Sign("msg_1", std::time(nullptr), body)
                    .value();
  HttpResult r = Http(
      "POST", stack.api() + "/webhooks/job-complete", body,
      {"webhook-id: " + forged.id, "webhook-timestamp: " + forged.timestamp, "webhook-signature: " + forged.signature});
  EXPECT_EQ(r.status, 401) << r.body;
  EXPECT_EQ(Http("POST", stack.api() + "/webhooks/job-complete", body).status, 401);
  EXPECT_EQ(stack.CountKeys("*report-seen:*"), 0);
  EXPECT_EQ(stack.CountKeys("*webhook*"), 0);
  EXPECT_EQ(stack.Job(id)["status"], "uploading");

  auto real = WebhookSigner::FromSecret(stack.secrets().internal_secret)
                  .value()
                  .Sign("msg_2", std::time(nullptr), body)
                  .value();
  std::vector<std::string> headers = {"webhook-id: " + real.id, "webhook-timestamp: " + real.timestamp,
                                      "webhook-signature: " + real.signature};
  EXPECT_EQ(Http("POST", stack.api() + "/webhooks/job-complete", body, headers).status, 200);
  EXPECT_EQ(Http("POST", stack.api() + "/webhooks/job-complete", body, headers).status, 401);  // replayed
  auto stale = WebhookSigner::FromSecret(stack.secrets().internal_secret)
                   .value()
                   .Sign("msg_3", std::time(nullptr) - 600, body)
                   .value();
  EXPECT_EQ(Http("POST", stack.api() + "/webhooks/job-complete", body,
                 {"webhook-id: " + stale.id, "webhook-timestamp: " + stale.timestamp,
                  "webhook-signature: " + stale.signature})
                .status,
            401);
  EXPECT_EQ(stack.Job(id)["status"], "uploading");
}

}  // namespace
}  // namespace tcoder::testing
