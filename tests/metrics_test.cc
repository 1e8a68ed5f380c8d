// Metrics that are true, against a live stack (`tcoder up` of this build):
// after three completed jobs the control plane's /metrics counts three
// pickups and three transcodes of their preset (histograms whose buckets add
// up), and exactly the bytes the jobs stored; the edge's own /metrics counts
// the bytes it sent; every metric the Grafana dashboard
// (deploy/grafana/tcoder.json) uses is one the two serve.
#include <chrono>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/file_util.h"
#include "common/process.h"
#include "ffmpeg_support.h"
#include "stack_support.h"
#include "support/test_env.h"

namespace tcoder::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

RunResult Exec(std::vector<std::string> argv) {
  ProcessSpec spec;
  spec.argv = std::move(argv);
  RunOptions options;
  options.deadline = 300s;
  auto r = RunProcess(spec, options);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : RunResult{};
}

std::string Get(const std::string& url) { return Exec({"curl", "-s", "--max-time", "30", url}).out; }

// Every sample of a Prometheus text page: `name{labels}` -> value.
std::map<std::string, double> Samples(const std::string& page) {
  std::map<std::string, double> out;
  std::size_t start = 0;
  while (start < page.size()) {
    std::size_t end = page.find('\n', start);
    if (end == std::string::npos) end = page.size();
    const std::string line = page.substr(start, end - start);
    start = end + 1;
    const std::size_t space = line.rfind(' ');
    if (line.empty() || line[0] == '#' || space == std::string::npos) continue;
    out[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  return out;
}

std::set<std::string> Names(const std::map<std::string, double>& samples) {
  std::set<std::string> names;
  for (const auto& [series, value] : samples) names.insert(series.substr(0, series.find('{')));
  return names;
}

json LastLineJson(std::string text) {
  while (!text.empty() && text.back() == '\n') text.pop_back();
  const std::size_t newline = text.rfind('\n');
  return json::parse(newline == std::string::npos ? text : text.substr(newline + 1), nullptr, false);
}

TEST(Metrics, ThreeJobsAreCountedOnceEachAndTheDashboardUsesOnlyServedMetrics) {
  auto started = LiveStack::Start({.max_machines = 1});
  ASSERT_TRUE(started.ok()) << started.status().ToString();
  LiveStack& stack = **started;
  std::string preset;
  double stored = 0;
  std::string playlist;
  for (int i = 0; i < 3; ++i) {
    const auto clip = stack.work_dir() / ("clip" + std::to_string(i) + ".mp4");
    std::filesystem::create_directories(stack.work_dir());
    MakeClip(clip, "320x240", 1, true);
    std::vector<std::string> argv = {TcoderBinary().string(), "transcode", clip.string(), "--json"};
    for (const std::string& f : stack.ClientFlags()) argv.push_back(f);
    RunResult r = Exec(argv);
    ASSERT_EQ(r.exit.code, 0) << r.out << r.err;
    const json job = LastLineJson(r.out);
    ASSERT_EQ(job.value("status", ""), "completed") << r.out;
    preset = job.value("preset", "");
    playlist = job.value("playlistUrl", "");
    for (const auto& o : job["outputs"]) stored += o.value("size", 0.0);
  }
  ASSERT_FALSE(preset.empty());
  ASSERT_GT(stored, 0);

  // The control plane counts endings from its job feed: poll until they are in.
  const std::string count = "tcoder_transcode_seconds_count{preset=\"" + preset + "\"}";
  std::map<std::string, double> control;
  for (int i = 0; i < 200 && control[count] < 3; ++i) {
    control = Samples(Get(stack.api_url() + "/metrics"));
    if (control[count] < 3) std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(control[count], 3);
  EXPECT_EQ(control["tcoder_transcode_seconds_bucket{preset=\"" + preset + "\",le=\"+Inf\"}"], 3);
  EXPECT_GT(control["tcoder_transcode_seconds_sum{preset=\"" + preset + "\"}"], 0);
  EXPECT_EQ(control["tcoder_pickup_latency_seconds_count"], 3);
  EXPECT_EQ(control["tcoder_pickup_latency_seconds_bucket{le=\"+Inf\"}"], 3);
  EXPECT_EQ(control["tcoder_output_bytes_total"], stored);
  EXPECT_EQ(control["tcoder_jobs{status=\"completed\"}"], 3);
  double previous = 0;  // cumulative buckets never go down
  for (const char* le : {"0.001", "0.01", "0.1", "1", "10", "60", "+Inf"}) {
    const auto it = control.find(std::string("tcoder_pickup_latency_seconds_bucket{le=\"") + le + "\"}");
    if (it == control.end()) continue;
    EXPECT_GE(it->second, previous) << le;
    previous = it->second;
  }

  // The edge counts what it sends.
  RunResult fetched = Exec({"curl", "-s", "-o", "/dev/null", "-w", "%{size_download}", playlist});
  const double sent = std::stod(fetched.out.empty() ? "0" : fetched.out);
  ASSERT_GT(sent, 0) << playlist;
  const auto edge = Samples(Get(stack.edge_url() + "/metrics"));
  EXPECT_GE(edge.at("tcoder_bytes_out_total"), sent);
  EXPECT_GE(edge.at("tcoder_edge_responses_total{code=\"2xx\"}"), 1);
  EXPECT_GE(edge.at("tcoder_edge_response_seconds_count"), 1);

  // Every metric the dashboard draws is served by the control plane or the edge.
  auto dashboard_text = ReadFile(SourceDir() / "deploy/grafana/tcoder.json");
  ASSERT_TRUE(dashboard_text.ok()) << dashboard_text.status().ToString();
  const json dashboard = json::parse(*dashboard_text);
  std::set<std::string> served = Names(control);
  for (const std::string& n : Names(edge)) served.insert(n);
  const std::regex metric("tcoder_[a-z0-9_]+");
  int used = 0;
  for (const auto& panel : dashboard["panels"]) {
    for (const auto& target : panel["targets"]) {
      const std::string expr = target.value("expr", "");
      for (std::sregex_iterator it(expr.begin(), expr.end(), metric), end; it != end; ++it) {
        ++used;
        EXPECT_TRUE(served.count(it->str())) << it->str() << " in \"" << expr << "\" is not served";
      }
    }
  }
  EXPECT_GE(used, 10);
  // And Prometheus is told to scrape both.
  auto scrape = ReadFile(SourceDir() / "deploy/prometheus.yml");
  ASSERT_TRUE(scrape.ok());
  EXPECT_NE(scrape->find("job_name: tcoder-control"), std::string::npos);
  EXPECT_NE(scrape->find("job_name: tcoder-edge"), std::string::npos);
}

}  // namespace
}  // namespace tcoder::testing
