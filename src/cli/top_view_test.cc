#include "cli/top_view.h"

#include <gtest/gtest.h>

namespace tcoder::cli {
namespace {

TopSample Sample() {
  TopSample s;
  s.at_ms = 1'764'000'000'000;
  s.machines = nlohmann::json::parse(R"({"max": 3, "machines": [
    {"machineId": "m_busy", "state": "running", "draining": false, "jobsDone": 4, "jobId": "job_a", "progress": 50},
    {"machineId": "m_out", "state": "running", "draining": true, "jobsDone": 1, "jobId": "job_b", "progress": 5},
    {"machineId": "m_rest", "state": "idle", "draining": false, "jobsDone": 0, "jobId": null,
     "idleSince": "2026-12-03T10:00:00.000Z"}]})");
  s.queue = nlohmann::json::parse(R"({"ready": {"count": 7, "jobs": [
    {"jobId": "job_next", "priority": -2, "waitMs": 3500, "filename": "next.mp4"}]},
    "delayed": {"count": 1, "jobs": []}, "running": {"count": 2, "jobs": []}})");
  s.completed_per_min = 12.25;
  return s;
}

TEST(TopView, LineHasMachinesByStateTheQueueAndThroughput) {
  const std::string line = RenderTopLine(Sample());
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_NE(line.find("3/3 machines 2 running 1 idle 0 starting 0 stopped (1 draining)"), std::string::npos) << line;
  EXPECT_NE(line.find("ready 7 delayed 1 running 2"), std::string::npos) << line;
  EXPECT_NE(line.find("12.2 completed/min"), std::string::npos) << line;
}

TEST(TopView, ScreenListsEveryMachineAndTheNextJobs) {
  const std::string screen = RenderTopScreen(Sample(), 40, 120);
  EXPECT_NE(screen.find("m_busy"), std::string::npos);
  EXPECT_NE(screen.find("[##########..........] 50%"), std::string::npos) << screen;
  EXPECT_NE(screen.find("draining"), std::string::npos);
  EXPECT_NE(screen.find("idle since 2026-12-03T10:00:00.000Z"), std::string::npos) << screen;
  EXPECT_NE(screen.find("job_next"), std::string::npos);
  EXPECT_NE(screen.find("waited 3s"), std::string::npos) << screen;
}

TEST(TopView, ScreenFitsTheTerminal) {
  const std::string screen = RenderTopScreen(Sample(), 5, 30);
  int lines = 0;
  std::size_t start = 0;
  for (std::size_t nl; (nl = screen.find('\n', start)) != std::string::npos; start = nl + 1) {
    EXPECT_LE(nl - start, 30u);
    ++lines;
  }
  EXPECT_EQ(lines, 5);
}

TEST(TopView, MissingFieldsAreDashesNotACrash) {
  TopSample s;
  s.machines = nlohmann::json::object();
  s.queue = nullptr;
  EXPECT_NE(RenderTopLine(s).find("0/- machines"), std::string::npos) << RenderTopLine(s);
  EXPECT_FALSE(RenderTopScreen(s, 24, 80).empty());
}

}  // namespace
}  // namespace tcoder::cli
