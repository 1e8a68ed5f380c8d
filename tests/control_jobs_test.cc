// Real jobs through the control plane, its local workers and ffmpeg: a job
// whose input is an http URL (served here by a local file server), the
// refusal of internal input URLs, and a job followed over Server-Sent Events
// with a raw client (curl -N).
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "control_support.h"
#include "ffmpeg_support.h"
#include "support/test_env.h"

namespace tcoder::testing {
namespace {

using nlohmann::json;

std::string ReadAll(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// python3's http.server over a directory, on 127.0.0.1 and a free port.
class FileServer {
 public:
  explicit FileServer(const std::filesystem::path& dir)
      : port_(FreePort()),
        server_({.argv = {"python3", "-m", "http.server", std::to_string(port_), "--bind", "127.0.0.1", "--directory",
                          dir.string()}},
                port_, "the file server") {}
  std::string Url(const std::string& name) const { return "http://127.0.0.1:" + std::to_string(port_) + "/" + name; }

 private:
  int port_;
  ServerProcess server_;
};

// A stack with storage and two control planes on one Redis: plane 0 lets
// input URLs reach private addresses, plane 1 does not (the default).
class ControlJobs : public ::testing::Test {
 protected:
  void SetUp() override {
    clip_ = dir_.path() / "clip.mp4";
    MakeClip(clip_, "320x240", 2, /*audio=*/true);
    stack_.StartStorage();
    const std::vector<std::string> flags = {"--max-machines", "1", "--tick", "200ms", "--worker-log-level", "warn"};
    std::vector<std::string> allowed = flags;
    allowed.push_back("--input-url-allow-private");
    stack_.StartControl(allowed);
    stack_.StartControl(flags);
  }

  HttpResult PostJob(int plane, const json& body) {
    return Http("POST", stack_.api(plane) + "/api/jobs", body.dump(), stack_.auth());
  }

  bool WaitForEnd(const std::string& id, int seconds) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    while (std::chrono::steady_clock::now() < deadline) {
      std::string s = stack_.Job(id).value("status", "");
      if (s == "completed" || s == "failed" || s == "cancelled") return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return false;
  }

  TempDir dir_ = std::move(TempDir::Create("control-jobs-test").value());
  std::filesystem::path clip_;
  ControlStack stack_;
};

TEST_F(ControlJobs, InputUrlJobCompletesWhenPrivateTargetsAreAllowed) {
  FileServer files(dir_.path());
  HttpResult r = PostJob(0, {{"inputUrl", files.Url("clip.mp4")}, {"preset", "hls"}, {"outputQualities", {"144p"}}});
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string id = r.json()["jobId"];
  EXPECT_EQ(r.json()["status"], "pending");
  ASSERT_TRUE(WaitForEnd(id, 180)) << stack_.Job(id).dump();
  json job = stack_.Job(id);
  EXPECT_EQ(job["status"], "completed") << job.dump();
  EXPECT_EQ(job["inputUrl"], files.Url("clip.mp4"));
  EXPECT_EQ(job["filename"], "clip.mp4");
  EXPECT_EQ(job["attempts"], 1);
  EXPECT_FALSE(job["playlistUrl"].is_null()) << job.dump();
}

TEST_F(ControlJobs, InternalInputUrlFailsOnceNamingTheAddress) {
  FileServer files(dir_.path());
  HttpResult r = PostJob(1, {{"inputUrl", files.Url("clip.mp4")}, {"preset", "hls"}, {"outputQualities", {"144p"}}});
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string id = r.json()["jobId"];
  ASSERT_TRUE(WaitForEnd(id, 180)) << stack_.Job(id).dump();
  json job = stack_.Job(id);
  EXPECT_EQ(job["status"], "failed") << job.dump();
  EXPECT_EQ(job["attempts"], 1) << "a refused target is not retried";
  const std::string error = job.value("error", "");
  EXPECT_NE(error.find("127.0.0.1"), std::string::npos) << error;
  EXPECT_NE(error.find("refused"), std::string::npos) << error;
}

TEST_F(ControlJobs, InputUrlsOtherThanHttpAreRefusedAtTheApi) {
  for (const char* url :
       {"file:///etc/passwd", "gopher://127.0.0.1:70/_x", "ftp://127.0.0.1/clip.mp4", "clip.mp4", "http://"}) {
    HttpResult r = PostJob(0, {{"inputUrl", url}});
    EXPECT_EQ(r.status, 400) << url << ": " << r.body;
    EXPECT_EQ(r.json()["details"]["field"], "inputUrl") << r.body;
  }
  EXPECT_EQ(stack_.CountKeys("*job:*"), 0) << "a refused request writes nothing";
}

// One SSE event: its name and data.
struct Event {
  std::string name;
  json data;
};

std::vector<Event> ParseEvents(const std::string& stream) {
  std::vector<Event> out;
  std::istringstream in(stream);
  std::string line;
  Event current;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.rfind("event: ", 0) == 0) current.name = line.substr(7);
    if (line.rfind("data: ", 0) == 0) current.data = json::parse(line.substr(6), nullptr, false);
    if (line.empty() && !current.name.empty()) out.push_back(std::exchange(current, Event{}));
  }
  return out;
}

// `curl -sN` on the job's event stream; the body read until the server ends it.
class SseClient {
 public:
  SseClient(const std::string& url, const std::string& key) {
    ProcessSpec spec;
    spec.argv = {"curl", "-sN", "--max-time", "240", "-H", "Authorization: Bearer " + key, url};
    spec.stdout_mode = StdStream::kPipe;
    spec.stderr_mode = StdStream::kNull;
    process_ = std::make_unique<Subprocess>(std::move(Subprocess::Spawn(spec).value()));
  }
  // Reads until `needle` has arrived or the stream ended.
  void ReadUntil(const std::string& needle) {
    char buf[4096];
    while (body_.find(needle) == std::string::npos) {
      ssize_t n = ::read(process_->stdout_fd(), buf, sizeof buf);
      if (n <= 0) return;
      body_.append(buf, static_cast<size_t>(n));
    }
  }
  std::string ReadToEnd() {
    ReadUntil(std::string("\x01never"));
    exit_ = process_->Wait();
    return body_;
  }
  const ExitStatus& exit_status() const { return exit_; }

 private:
  std::unique_ptr<Subprocess> process_;
  std::string body_;
  ExitStatus exit_;
};

TEST_F(ControlJobs, EventStreamFollowsARealJobToItsEnd) {
  json up = stack_.Upload({{"filename", "clip.mp4"}, {"preset", "hls"}, {"outputQualities", {"144p"}}});
  const std::string id = up["jobId"];
  const std::string url = stack_.api(0) + "/api/jobs/" + id + "/events";
  SseClient sse(url, stack_.secrets().api_key);
  sse.ReadUntil("event: job");  // subscribed, before anything happens to the job
  ASSERT_EQ(PutToUrl(up["uploadUrl"], ReadAll(clip_)), 200);
  const std::string stream = sse.ReadToEnd();
  EXPECT_TRUE(sse.exit_status().success()) << "the server ends the stream: " << sse.exit_status().ToString();

  std::vector<Event> events = ParseEvents(stream);
  ASSERT_GE(events.size(), 3u) << stream;
  EXPECT_EQ(events.front().name, "job");
  EXPECT_EQ(events.front().data["status"], "uploading") << stream;
  const std::vector<std::string> order = {"uploading", "queued", "pending", "running", "completed"};
  size_t rank = 0;
  int progress = 0;
  for (const Event& e : events) {
    const std::string status = e.data.value("status", "");
    auto at = std::find(order.begin(), order.end(), status);
    ASSERT_NE(at, order.end()) << "unexpected status in " << stream;
    const size_t r = static_cast<size_t>(at - order.begin());
    EXPECT_GE(r, rank) << "status went back in " << stream;
    rank = r;
    EXPECT_GE(e.data.value("progress", 0), progress) << "progress went back in " << stream;
    progress = e.data.value("progress", 0);
  }
  EXPECT_EQ(events.back().name, "status");
  EXPECT_EQ(events.back().data["status"], "completed") << stream;
  EXPECT_EQ(events.back().data["progress"], 100);

  // A finished job: the final state at once, then the stream ends.
  HttpResult again = Http("GET", url, "", stack_.auth());
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(again.headers["content-type"], "text/event-stream");
  std::vector<Event> final_only = ParseEvents(again.body);
  ASSERT_EQ(final_only.size(), 1u) << again.body;
  EXPECT_EQ(final_only[0].name, "job");
  EXPECT_EQ(final_only[0].data["status"], "completed");
}

TEST_F(ControlJobs, EventStreamRefusesAWrongKeyAndAnUnknownJob) {
  json up = stack_.Upload({{"filename", "clip.mp4"}});
  const std::string url = stack_.api(0) + "/api/jobs/" + up["jobId"].get<std::string>() + "/events";
  EXPECT_EQ(Http("GET", url, "", {"Authorization: Bearer not-the-key-0123456789"}).status, 401);
  EXPECT_EQ(Http("GET", url, "").status, 401);
  EXPECT_EQ(Http("GET", stack_.api(0) + "/api/jobs/j_AAAAAAAAAAAAAAAAAAAAAA/events", "", stack_.auth()).status, 404);
  EXPECT_EQ(Http("GET", stack_.api(0) + "/api/jobs/..%2F..%2Fetc/events", "", stack_.auth()).status, 404);
}

}  // namespace
}  // namespace tcoder::testing
