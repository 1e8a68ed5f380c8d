// The clients against one live stack (`tcoder up` of this build): the CLI's
// commands as a user runs them, the web page in headless Chromium
// (tests/browser/live.test.mjs, and its System view in system.test.mjs), a
// cmaf job in hls.js and dash.js (cmaf.test.mjs) and the TypeScript SDK (clients/typescript,
// `npm run test:live`). Real processes throughout: tcoder, redis-server,
// ffmpeg/ffprobe, curl, node, chromium.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/process.h"
#include "stack_support.h"
#include "support/test_env.h"

namespace tcoder::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

RunResult Exec(std::vector<std::string> argv, std::vector<std::pair<std::string, std::string>> env = {},
               std::chrono::seconds deadline = 300s, const std::filesystem::path& cwd = {}) {
  ProcessSpec spec;
  spec.argv = std::move(argv);
  spec.env = std::move(env);
  spec.cwd = cwd;
  RunOptions options;
  options.deadline = deadline;
  auto result = RunProcess(spec, options);
  EXPECT_TRUE(result.ok()) << spec.argv[0] << ": " << result.status().ToString();
  return result.ok() ? *result : RunResult{};
}

std::string Describe(const RunResult& r) {
  return r.exit.ToString() + (r.timed_out ? " (timed out)" : "") + "\n--- stdout:\n" + r.out + "\n--- stderr:\n" +
         r.err;
}

// The last non-empty line of `text`, parsed as JSON (discarded when it is not).
json LastLineJson(const std::string& text) {
  const std::size_t end = text.find_last_not_of('\n');
  if (end == std::string::npos) return json(json::value_t::discarded);
  const std::size_t newline = text.rfind('\n', end);
  const std::size_t start = newline == std::string::npos ? 0 : newline + 1;
  return json::parse(text.substr(start, end + 1 - start), nullptr, false);
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

// A test clip made with ffmpeg's lavfi sources: H.264 + AAC in MP4.
std::filesystem::path MakeClip(const std::filesystem::path& path, const std::string& size, int seconds) {
  const std::string d = std::to_string(seconds);
  RunResult r = Exec({"ffmpeg", "-v",      "error",     "-y",
                      "-f",     "lavfi",   "-i",        "testsrc2=s=" + size + ":d=" + d + ":r=25",
                      "-f",     "lavfi",   "-i",        "sine=d=" + d,
                      "-c:v",   "libx264", "-preset",   "ultrafast",
                      "-c:a",   "aac",     "-shortest", path.string()});
  EXPECT_TRUE(r.success()) << Describe(r);
  return path;
}

// HTTP status of a GET with curl (body discarded).
int CurlStatus(const std::string& url, std::vector<std::string> headers = {}) {
  std::vector<std::string> argv = {"curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "30"};
  for (const auto& h : headers) argv.insert(argv.end(), {"-H", h});
  argv.push_back(url);
  RunResult r = Exec(argv);
  return std::atoi(r.out.c_str());
}

// The Content-Type of a GET with curl.
std::string ContentTypeOf(const std::string& url) {
  RunResult r = Exec({"curl", "-s", "-o", "/dev/null", "-w", "%{content_type}", "--max-time", "30", url});
  return r.out;
}

// ffprobe's view of a URL (streams and format) as JSON; discarded when it cannot read it.
json Probe(const std::string& url, const std::string& headers = "") {
  std::vector<std::string> argv = {"ffprobe", "-v", "error", "-rw_timeout", "30000000"};
  if (!headers.empty()) argv.insert(argv.end(), {"-headers", headers});
  argv.insert(argv.end(), {"-show_entries", "stream=codec_type,width,height:format=duration", "-of", "json", url});
  RunResult r = Exec(argv);
  if (!r.success()) return json(json::value_t::discarded);
  return json::parse(r.out, nullptr, false);
}

bool HasVideo(const json& probe) {
  if (!probe.is_object() || !probe.contains("streams")) return false;
  for (const auto& s : probe["streams"])
    if (s.value("codec_type", "") == "video" && s.value("width", 0) > 0) return true;
  return false;
}

// No progress bar reached the output: bars redraw with '\r' and draw '[###'.
void ExpectNoProgressBars(const RunResult& r) {
  for (const std::string* text : {&r.out, &r.err}) {
    EXPECT_EQ(text->find('\r'), std::string::npos) << "a bar line on a non-terminal:\n" << *text;
    EXPECT_EQ(text->find("[#"), std::string::npos) << "a bar on a non-terminal:\n" << *text;
  }
}

class Clients : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto started = LiveStack::Start();
    if (!started.ok()) {
      start_error_ = new std::string(started.status().ToString());
      return;
    }
    stack_ = started->release();
  }

  static void TearDownTestSuite() {
    if (stack_ != nullptr) {
      const ExitStatus exit = stack_->Stop();
      EXPECT_TRUE(exit.success()) << "tcoder up did not stop cleanly: " << exit.ToString();
    }
    delete stack_;
    stack_ = nullptr;
    delete start_error_;
    start_error_ = nullptr;
  }

  void SetUp() override { ASSERT_NE(stack_, nullptr) << "the stack did not start: " << *start_error_; }

  void TearDown() override {
    if (HasFailure() && stack_ != nullptr) {
      const std::string log = stack_->Log();
      std::cerr << "--- the stack's log (end):\n"
                << (log.size() > 20000 ? log.substr(log.size() - 20000) : log) << "\n";
    }
  }

  LiveStack& stack() { return *stack_; }

  // `tcoder ARGS... --server --api-key --data-dir` of this build.
  RunResult Tcoder(std::vector<std::string> args, bool client_flags = true) {
    std::vector<std::string> argv = {TcoderBinary().string()};
    argv.insert(argv.end(), args.begin(), args.end());
    if (client_flags) {
      const auto flags = stack().ClientFlags();
      argv.insert(argv.end(), flags.begin(), flags.end());
    } else {
      argv.insert(argv.end(), {"--data-dir", stack().data_dir().string()});
    }
    return Exec(argv);
  }

  json JobJson(const std::string& id) {
    RunResult r = Tcoder({"status", id, "--json"});
    EXPECT_TRUE(r.success()) << Describe(r);
    return LastLineJson(r.out);
  }

  // Polls `tcoder status ID --json` until the job's status is one of `wanted`.
  std::string WaitForStatus(const std::string& id, const std::vector<std::string>& wanted, std::chrono::seconds limit) {
    const auto end = std::chrono::steady_clock::now() + limit;
    std::string status;
    while (std::chrono::steady_clock::now() < end) {
      status = JobJson(id).value("status", "");
      if (std::find(wanted.begin(), wanted.end(), status) != wanted.end()) return status;
      std::this_thread::sleep_for(200ms);
    }
    return status;
  }

  // A completed job from a small clip, made once for the suite.
  const json& CompletedJob() {
    if (!completed_job_.is_object()) {
      const auto clip = MakeClip(stack().work_dir() / "small.mp4", "640x360", 2);
      RunResult r = Tcoder({"transcode", clip.string(), "--json"});
      EXPECT_EQ(r.exit.code, 0) << Describe(r);
      completed_job_ = LastLineJson(r.out);
      last_transcode_ = r;
    }
    return completed_job_;
  }

  static inline LiveStack* stack_ = nullptr;
  static inline std::string* start_error_ = nullptr;
  static inline json completed_job_;
  static inline RunResult last_transcode_;
};

TEST_F(Clients, TranscodeJsonEndsWithThePlayableJob) {
  const json& job = CompletedJob();
  ASSERT_TRUE(job.is_object()) << Describe(last_transcode_);
  EXPECT_FALSE(job.value("jobId", "").empty());
  EXPECT_EQ(job.value("status", ""), "completed");
  EXPECT_EQ(job.value("progress", -1), 100);
  ExpectNoProgressBars(last_transcode_);

  // Every URL points at the edge and plays as given.
  const std::string playlist = job.value("playlistUrl", "");
  ASSERT_EQ(playlist.rfind(stack().edge_url() + "/public/", 0), 0u) << playlist;
  const json master = Probe(playlist);
  ASSERT_TRUE(HasVideo(master)) << "ffprobe cannot read " << playlist;
  EXPECT_NEAR(std::stod(master["format"].value("duration", "0")), 2.0, 0.5);
  int renditions = 0, audio = 0, storyboard = 0;
  for (const auto& out : job["outputs"]) {
    const std::string kind = out.value("kind", "");
    if (kind == "poster") continue;
    if (kind == "storyboard" || kind == "thumbnails") {  // served with their types, for players' scrubbing
      EXPECT_EQ(ContentTypeOf(out.value("url", "")), kind == "storyboard" ? "image/jpeg" : "text/vtt; charset=utf-8");
      ++storyboard;
      continue;
    }
    const json probed = Probe(out.value("url", ""));
    if (out.value("quality", "") == "audio") {  // the ladder's one audio rendition
      ASSERT_TRUE(probed.is_object() && probed["streams"].size() == 1u) << out.dump() << probed.dump();
      EXPECT_EQ(probed["streams"][0].value("codec_type", ""), "audio") << out.dump();
      ++audio;
      continue;
    }
    EXPECT_TRUE(HasVideo(probed)) << out.dump();
    ++renditions;
  }
  EXPECT_GE(renditions, 1) << job.dump();
  EXPECT_EQ(audio, 1) << job.dump();
  EXPECT_EQ(storyboard, 2) << job.dump();
  EXPECT_EQ(CurlStatus(job.value("posterUrl", "")), 200);
}

TEST_F(Clients, AnAudioOnlyUploadBecomesAPlayableAudioPlaylist) {
  const auto song = stack().work_dir() / "song.mp3";
  RunResult made = Exec({"ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=440:d=3", "-c:a",
                         "libmp3lame", song.string()});
  ASSERT_TRUE(made.success()) << Describe(made);
  RunResult r = Tcoder({"transcode", song.string(), "--json"});
  ASSERT_EQ(r.exit.code, 0) << Describe(r);
  const json job = LastLineJson(r.out);
  ASSERT_TRUE(job.is_object()) << Describe(r);
  EXPECT_EQ(job.value("status", ""), "completed") << job.dump();
  EXPECT_EQ(job.value("audioOnly", false), true) << job.dump();
  EXPECT_TRUE(job["posterUrl"].is_null()) << job.dump();
  // Through the edge: one audio stream, the whole duration, nothing with a picture.
  const json master = Probe(job.value("playlistUrl", ""));
  ASSERT_TRUE(master.is_object() && master.contains("streams")) << job.dump();
  ASSERT_EQ(master["streams"].size(), 1u) << master.dump();
  EXPECT_EQ(master["streams"][0].value("codec_type", ""), "audio");
  EXPECT_FALSE(HasVideo(master));
  EXPECT_NEAR(std::stod(master["format"].value("duration", "0")), 3.0, 0.5);
}

TEST_F(Clients, ADownloadIsOneFaststartMp4OfTheRungThroughTheEdge) {
  const auto clip = MakeClip(stack().work_dir() / "download.mp4", "640x360", 2);
  RunResult r = Tcoder({"transcode", clip.string(), "--download", "top", "--json"});
  ASSERT_EQ(r.exit.code, 0) << Describe(r);
  const json job = LastLineJson(r.out);
  ASSERT_TRUE(job.is_object()) << Describe(r);
  EXPECT_EQ(job.value("download", ""), "top");
  json download;
  for (const auto& out : job["outputs"]) {
    if (out.value("kind", "") == "download") download = out;
  }
  ASSERT_TRUE(download.is_object()) << job.dump();
  EXPECT_EQ(download.value("quality", ""), "360p");
  EXPECT_EQ(ContentTypeOf(download.value("url", "")), "video/mp4");
  const json probed = Probe(download.value("url", ""));
  EXPECT_TRUE(HasVideo(probed)) << probed.dump();
  ASSERT_TRUE(probed.is_object() && probed["streams"].size() == 2u) << probed.dump();  // video and the audio
  EXPECT_NEAR(std::stod(probed["format"].value("duration", "0")), 2.0, 0.5);
  RunResult refused = Tcoder({"transcode", clip.string(), "--download", "best"});
  EXPECT_NE(refused.exit.code, 0) << Describe(refused);
  EXPECT_NE(refused.err.find("unknown download"), std::string::npos) << refused.err;
}

TEST_F(Clients, TranscodeOnATerminalDrawsProgressBars) {
  // `script` gives the command a pseudo-terminal; what it drew comes back on stdout.
  const auto clip = MakeClip(stack().work_dir() / "tty.mp4", "320x240", 1);
  std::string command = "'" + TcoderBinary().string() + "' transcode '" + clip.string() + "'";
  for (const auto& flag : stack().ClientFlags()) command += " '" + flag + "'";
  RunResult r = Exec({"script", "-q", "-e", "-c", command, "/dev/null"});
  ASSERT_EQ(r.exit.code, 0) << Describe(r);
  // Each bar redraws its line in place: carriage return, clear the line, the label and the bar.
  EXPECT_NE(r.out.find("\r\033[Kupload    ["), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\r\033[Ktranscode ["), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("] 100%"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("playlist"), std::string::npos) << r.out;
}

TEST_F(Clients, StatusJobsAndStatsShowTheJob) {
  const json& job = CompletedJob();
  ASSERT_TRUE(job.is_object());
  const std::string id = job.value("jobId", "");

  RunResult status = Tcoder({"status", id});
  ASSERT_TRUE(status.success()) << Describe(status);
  EXPECT_NE(status.out.find(id), std::string::npos) << status.out;
  EXPECT_NE(status.out.find("completed (100%)"), std::string::npos) << status.out;
  EXPECT_NE(status.out.find(job.value("playlistUrl", "")), std::string::npos) << status.out;
  EXPECT_EQ(JobJson(id).value("status", ""), "completed");

  RunResult jobs = Tcoder({"jobs"});
  ASSERT_TRUE(jobs.success()) << Describe(jobs);
  EXPECT_NE(jobs.out.find(id), std::string::npos) << jobs.out;
  auto ids_of = [&](const std::string& wanted) {
    RunResult r = Tcoder({"jobs", "--status", wanted, "--json"});
    EXPECT_TRUE(r.success()) << Describe(r);
    std::vector<std::string> ids;
    const json list = LastLineJson(r.out);
    if (list.is_object() && list["jobs"].is_array())
      for (const auto& j : list["jobs"]) ids.push_back(j.value("jobId", ""));
    return ids;
  };
  const auto completed = ids_of("completed");
  EXPECT_NE(std::find(completed.begin(), completed.end(), id), completed.end());
  const auto failed = ids_of("failed");
  EXPECT_EQ(std::find(failed.begin(), failed.end(), id), failed.end());

  RunResult stats = Tcoder({"stats", "--json"});
  ASSERT_TRUE(stats.success()) << Describe(stats);
  const json s = LastLineJson(stats.out);
  ASSERT_TRUE(s.is_object()) << stats.out;
  EXPECT_EQ(s["machines"].value("max", -1), 2);
  EXPECT_TRUE(s["pendingJobs"].is_number());
  RunResult readable = Tcoder({"stats"});
  ASSERT_TRUE(readable.success()) << Describe(readable);
  EXPECT_NE(readable.out.find("max 2"), std::string::npos) << readable.out;
}

TEST_F(Clients, PremiumOutputsNeedAValidToken) {
  const auto clip = MakeClip(stack().work_dir() / "premium.mp4", "320x240", 1);
  RunResult r = Tcoder({"transcode", clip.string(), "--premium", "--json"});
  ASSERT_EQ(r.exit.code, 0) << Describe(r);
  const std::string playlist = LastLineJson(r.out).value("playlistUrl", "");
  ASSERT_EQ(playlist.rfind(stack().edge_url() + "/premium/", 0), 0u) << r.out;
  EXPECT_EQ(CurlStatus(playlist), 403);

  RunResult minted = Tcoder({"token", "--premium"}, /*client_flags=*/false);
  ASSERT_TRUE(minted.success()) << Describe(minted);
  const std::string token = Trim(minted.out);
  ASSERT_EQ(std::count(token.begin(), token.end(), '.'), 2) << token;
  EXPECT_EQ(CurlStatus(playlist + "?token=" + token), 200);
  EXPECT_EQ(CurlStatus(playlist, {"Authorization: Bearer " + token}), 200);
  // ffprobe follows the whole HLS tree with the token in a header: it plays.
  EXPECT_TRUE(HasVideo(Probe(playlist, "Authorization: Bearer " + token + "\r\n")));

  // A signature changed in the middle, and a token without is_premium, are refused.
  std::string tampered = token;
  char& c = tampered[tampered.rfind('.') + 10];
  c = c == 'A' ? 'B' : 'A';
  EXPECT_EQ(CurlStatus(playlist + "?token=" + tampered), 403);
  RunResult plain = Tcoder({"token"}, /*client_flags=*/false);
  ASSERT_TRUE(plain.success()) << Describe(plain);
  EXPECT_EQ(CurlStatus(playlist + "?token=" + Trim(plain.out)), 403);
}

TEST_F(Clients, CancelStopsARunningJobAndRetryCompletesIt) {
  // Long enough that the job is still running when the cancel arrives.
  const auto clip = MakeClip(stack().work_dir() / "long.mp4", "1280x720", 10);
  RunResult r = Tcoder({"transcode", clip.string(), "--no-wait", "--json"});
  ASSERT_EQ(r.exit.code, 0) << Describe(r);
  ExpectNoProgressBars(r);
  const std::string id = LastLineJson(r.out).value("jobId", "");
  ASSERT_FALSE(id.empty()) << r.out;
  ASSERT_EQ(WaitForStatus(id, {"running", "completed", "failed"}, 120s), "running");

  RunResult cancel = Tcoder({"cancel", id});
  ASSERT_TRUE(cancel.success()) << Describe(cancel);
  EXPECT_NE(cancel.out.find(id), std::string::npos) << cancel.out;
  EXPECT_EQ(WaitForStatus(id, {"cancelled", "completed", "failed"}, 60s), "cancelled");

  RunResult retry = Tcoder({"retry", id});
  ASSERT_TRUE(retry.success()) << Describe(retry);
  EXPECT_NE(retry.out.find(id + ": "), std::string::npos) << retry.out;
  EXPECT_EQ(WaitForStatus(id, {"completed", "failed", "cancelled"}, 180s), "completed");
  EXPECT_TRUE(HasVideo(Probe(JobJson(id).value("playlistUrl", ""))));
}

TEST_F(Clients, NotAVideoFailsWithItsReasonAndRetryRequeuesIt) {
  const auto path = stack().work_dir() / "notes.mp4";
  std::ofstream(path) << "these are meeting notes, not a video\n";
  RunResult r = Tcoder({"transcode", path.string(), "--json"});
  EXPECT_EQ(r.exit.code, 1) << Describe(r);
  EXPECT_NE(r.err.find("failed: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("not a video"), std::string::npos) << r.err;
  ExpectNoProgressBars(r);
  const json job = LastLineJson(r.out);
  ASSERT_TRUE(job.is_object()) << Describe(r);
  EXPECT_EQ(job.value("status", ""), "failed");
  const std::string id = job.value("jobId", "");
  const std::string reason = job.value("error", "");
  EXPECT_NE(reason.find("not a video"), std::string::npos) << job.dump();

  RunResult retry = Tcoder({"retry", id});
  ASSERT_TRUE(retry.success()) << Describe(retry);
  // It runs again and fails again for the same reason, later than the first time.
  ASSERT_EQ(WaitForStatus(id, {"failed"}, 60s), "failed");
  const json again = JobJson(id);
  EXPECT_EQ(again.value("error", ""), reason);
  EXPECT_GT(again["timestamps"].value("queuedAt", ""), job["timestamps"].value("queuedAt", "")) << again.dump();
}

TEST_F(Clients, RefusalsAreClearErrors) {
  const json& job = CompletedJob();
  ASSERT_TRUE(job.is_object());
  RunResult retry = Tcoder({"retry", job.value("jobId", "")});
  EXPECT_EQ(retry.exit.code, 3) << Describe(retry);
  EXPECT_NE(retry.err.find("HTTP 409"), std::string::npos) << retry.err;

  RunResult unknown = Tcoder({"status", "j_doesnotexist0000000000"});
  EXPECT_EQ(unknown.exit.code, 3) << Describe(unknown);
  EXPECT_NE(unknown.err.find("HTTP 404"), std::string::npos) << unknown.err;

  RunResult wrong_key = Exec({TcoderBinary().string(), "jobs", "--server", stack().api_url(), "--api-key",
                              "not-the-key-not-the-key", "--data-dir", stack().data_dir().string()});
  EXPECT_EQ(wrong_key.exit.code, 3) << Describe(wrong_key);
  EXPECT_NE(wrong_key.err.find("HTTP 401"), std::string::npos) << wrong_key.err;

  RunResult missing = Tcoder({"transcode", (stack().work_dir() / "absent.mp4").string()});
  EXPECT_EQ(missing.exit.code, 2) << Describe(missing);
  EXPECT_NE(missing.err.find("cannot read"), std::string::npos) << missing.err;
}

TEST_F(Clients, ClientCommandsFindTheStacksKeyInTheDataDir) {
  // The stack was given its API key (TCODER_API_KEY for `tcoder up`); a client
  // command run with the same data dir and no key of its own uses it.
  RunResult jobs =
      Exec({TcoderBinary().string(), "jobs", "--server", stack().api_url(), "--data-dir", stack().data_dir().string()});
  EXPECT_TRUE(jobs.success()) << Describe(jobs);
  EXPECT_NE(jobs.out.find("STATUS"), std::string::npos) << jobs.out;
}

// Fails (never skips) when a tool the clients' tests need is missing.
void RequireTools(const std::vector<std::filesystem::path>& paths) {
  for (const auto& p : paths) {
    ASSERT_TRUE(std::filesystem::exists(p))
        << p << " is missing: ./test.sh installs it (scripts/deps.sh, scripts/npm.sh)";
  }
  RunResult node = Exec({"node", "--version"});
  ASSERT_TRUE(node.success()) << "node is missing: scripts/deps.sh installs it";
}

// Runs one node --test file of tests/browser against the stack in headless
// Chromium (TCODER_URL, TCODER_API_KEY and a job timeout), after checking its
// tools; expects every test to pass.
void RunLiveBrowserCheck(LiveStack& stack, const char* script, const char* job_timeout_ms,
                         std::chrono::seconds deadline) {
  const char* chromium = std::getenv("CHROMIUM");
  const auto browser_dir = SourceDir() / "tests" / "browser";
  RequireTools({chromium != nullptr ? chromium : "/usr/bin/chromium", browser_dir / "node_modules" / "playwright-core",
                SourceDir() / "web" / "node_modules" / "hls.js"});
  if (::testing::Test::HasFatalFailure()) return;
  RunResult r = Exec(
      {"node", "--test", script},
      {{"TCODER_URL", stack.api_url()}, {"TCODER_API_KEY", stack.api_key()}, {"TCODER_JOB_TIMEOUT_MS", job_timeout_ms}},
      deadline, browser_dir);
  EXPECT_TRUE(r.success()) << Describe(r);
  EXPECT_NE(r.out.find("# fail 0"), std::string::npos) << r.out;
}

// cmaf through the stack: one set of fMP4 segments behind an HLS v7 master
// and a DASH manifest, served by the edge with their types; FFmpeg reads the
// manifest, and hls.js and dash.js play each in Chromium
// (tests/browser/cmaf.test.mjs, which also checks that both name the same files).
TEST_F(Clients, ACmafJobPlaysAsHlsInHlsJsAndAsDashInDashJs) {
  const char* chromium = std::getenv("CHROMIUM");
  const auto browser_dir = SourceDir() / "tests" / "browser";
  RequireTools({chromium != nullptr ? chromium : "/usr/bin/chromium", browser_dir / "node_modules" / "playwright-core",
                browser_dir / "node_modules" / "dashjs", SourceDir() / "web" / "node_modules" / "hls.js"});
  if (HasFatalFailure()) return;
  const auto clip = MakeClip(stack().work_dir() / "cmaf.mp4", "1280x720", 6);
  RunResult text = Tcoder({"transcode", clip.string(), "--preset", "cmaf"});
  ASSERT_EQ(text.exit.code, 0) << Describe(text);
  EXPECT_NE(text.out.find("\ndash      " + stack().edge_url()), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("  dash manifest  "), std::string::npos) << text.out;
  RunResult r = Tcoder({"transcode", clip.string(), "--preset", "cmaf", "--json"});
  ASSERT_EQ(r.exit.code, 0) << Describe(r);
  const json job = LastLineJson(r.out);
  ASSERT_TRUE(job.is_object()) << Describe(r);
  EXPECT_EQ(job.value("preset", ""), "cmaf");
  const std::string playlist = job.value("playlistUrl", ""), dash = job.value("dashUrl", "");
  ASSERT_EQ(dash.rfind(stack().edge_url() + "/public/", 0), 0u) << job.dump();
  EXPECT_EQ(ContentTypeOf(dash), "application/dash+xml");
  EXPECT_EQ(ContentTypeOf(playlist), "application/vnd.apple.mpegurl");
  const json probed = Probe(dash);
  ASSERT_TRUE(probed.is_object() && probed.contains("streams")) << probed.dump();
  int video = 0, audio = 0;
  for (const auto& s : probed["streams"]) (s.value("codec_type", "") == "audio" ? audio : video) += 1;
  EXPECT_EQ(video, 3) << probed.dump();  // 360p 480p 720p
  EXPECT_EQ(audio, 1) << probed.dump();
  EXPECT_NEAR(std::stod(probed["format"].value("duration", "0")), 6.0, 0.5);
  RunResult played = Exec({"node", "--test", "cmaf.test.mjs"},
                          {{"TCODER_PLAYLIST_URL", playlist}, {"TCODER_DASH_URL", dash}}, 300s, browser_dir);
  EXPECT_TRUE(played.success()) << Describe(played);
  EXPECT_NE(played.out.find("# fail 0"), std::string::npos) << played.out;
}

TEST_F(Clients, WebPageUploadsAndPlaysInChromium) { RunLiveBrowserCheck(stack(), "live.test.mjs", "180000", 400s); }

// Two ~300 MiB files through the page in parts (several part PUTs, no single
// PUT), the job leaving uploading and completing; the second upload reloaded
// mid-way and resumed, sending only the parts the store did not have.
TEST_F(Clients, WebPageUploadsA300MiBFileInPartsAndResumesAfterAReloadInChromium) {
  RunLiveBrowserCheck(stack(), "multipart.test.mjs", "240000", 500s);
}

// The whole page against the fake control plane of tests/browser (its
// formats are the server's): upload, live status, playback with the quality
// menu, recent jobs with posters, a refused key, and the System view through
// a burst, a failed attempt, drain and its refusal, start, `dropped` and a cut
// stream, with no polling and no JavaScript errors.
TEST_F(Clients, WebPageAgainstAFakeControlPlaneInChromium) {
  const char* chromium = std::getenv("CHROMIUM");
  const auto browser_dir = SourceDir() / "tests" / "browser";
  RequireTools({chromium != nullptr ? chromium : "/usr/bin/chromium", browser_dir / "node_modules" / "playwright-core",
                SourceDir() / "web" / "node_modules" / "hls.js"});
  if (HasFatalFailure()) return;
  RunResult r = Exec({"node", "page-fake-check.mjs"}, {}, 300s, browser_dir);
  EXPECT_TRUE(r.success()) << Describe(r);
  EXPECT_NE(r.out.find("page check passed"), std::string::npos) << r.out;
}

// The System view during a burst of 6 jobs on the stack's 2 machines: both
// cards busy at once, the queue draining, the event log filling, all live
// from the SSE stream without a reload; then a drain from a card's button.
// The screenshot is kept in build/<preset>/tests/artifacts/.
TEST_F(Clients, SystemViewShowsTheBurstLiveAndDrainsAMachineInChromium) {
  const char* chromium = std::getenv("CHROMIUM");
  const auto browser_dir = SourceDir() / "tests" / "browser";
  RequireTools(
      {chromium != nullptr ? chromium : "/usr/bin/chromium", browser_dir / "node_modules" / "playwright-core"});
  if (HasFatalFailure()) return;
  const auto artifacts = TcoderBinary().parent_path() / "tests" / "artifacts";
  std::filesystem::create_directories(artifacts);
  std::filesystem::remove(artifacts / "system-view.png");
  RunResult r = Exec({"node", "--test", "system.test.mjs"},
                     {{"TCODER_URL", stack().api_url()},
                      {"TCODER_API_KEY", stack().api_key()},
                      {"TCODER_JOB_TIMEOUT_MS", "300000"},
                      {"SCREENSHOT_DIR", artifacts.string()}},
                     500s, browser_dir);
  EXPECT_TRUE(r.success()) << Describe(r);
  EXPECT_NE(r.out.find("# fail 0"), std::string::npos) << r.out;
  std::error_code ec;
  EXPECT_GT(std::filesystem::file_size(artifacts / "system-view.png", ec), 1000u) << ec.message();
}

TEST_F(Clients, TypeScriptSdkAgainstTheLiveStack) {
  const auto sdk_dir = SourceDir() / "clients" / "typescript";
  RequireTools({sdk_dir / "node_modules" / "typescript"});
  if (HasFatalFailure()) return;
  RunResult r = Exec({"npm", "run", "--silent", "test:live"},
                     {{"TCODER_URL", stack().api_url()}, {"TCODER_API_KEY", stack().api_key()}}, 400s, sdk_dir);
  EXPECT_TRUE(r.success()) << Describe(r);
  EXPECT_NE(r.out.find("# fail 0"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace tcoder::testing
