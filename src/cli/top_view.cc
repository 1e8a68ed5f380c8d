#include "cli/top_view.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <vector>

#include "cli/api_client.h"
#include "common/duration.h"

namespace tcoder::cli {
namespace {

// obj[name] when obj is an object that has it, else `fallback`.
nlohmann::json Member(const nlohmann::json& obj, const char* name, nlohmann::json fallback) {
  return obj.is_object() && obj.contains(name) ? obj[name] : fallback;
}

std::int64_t Count(const nlohmann::json& queue, const char* part) {
  const nlohmann::json n = Member(Member(queue, part, nullptr), "count", 0);
  return n.is_number_integer() ? n.get<std::int64_t>() : 0;
}

std::string MachineCounts(const nlohmann::json& machines) {
  std::map<std::string, int> by_state;
  int draining = 0;
  const nlohmann::json list = Member(machines, "machines", nlohmann::json::array());
  for (const auto& m : list) {
    ++by_state[Field(m, "state")];
    if (Member(m, "draining", false) == true) ++draining;
  }
  std::string out = std::to_string(list.size()) + "/" + Field(machines, "max") + " machines";
  for (const char* s : {"running", "idle", "starting", "stopped"}) out += " " + std::to_string(by_state[s]) + " " + s;
  if (draining > 0) out += " (" + std::to_string(draining) + " draining)";
  return out;
}

std::string Rate(double per_min) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f", per_min);
  return buf;
}

std::string Bar(int percent, int width) {
  const int filled = std::clamp(percent, 0, 100) * width / 100;
  return "[" + std::string(static_cast<size_t>(filled), '#') + std::string(static_cast<size_t>(width - filled), '.') +
         "]";
}

std::string MachineLine(const nlohmann::json& m) {
  std::string line = Padded(Field(m, "machineId"), 22) + Padded(Field(m, "state"), 9) +
                     Padded(Member(m, "draining", false) == true ? "draining" : "", 9) + "done " +
                     Padded(Field(m, "jobsDone"), 5);
  if (Member(m, "jobId", nullptr).is_string()) {
    const nlohmann::json p = Member(m, "progress", 0);
    const int progress = p.is_number() ? p.get<int>() : 0;
    line += Bar(progress, 20) + " " + Padded(std::to_string(progress) + "%", 5) + Field(m, "jobId");
  } else if (Field(m, "state") == "idle") {
    line += "idle since " + Field(m, "idleSince");
  }
  return line;
}

}  // namespace

std::string RenderTopLine(const TopSample& s) {
  return IsoTimestamp(s.at_ms) + "  " + MachineCounts(s.machines) + " | ready " +
         std::to_string(Count(s.queue, "ready")) + " delayed " + std::to_string(Count(s.queue, "delayed")) +
         " running " + std::to_string(Count(s.queue, "running")) + " | " + Rate(s.completed_per_min) + " completed/min";
}

std::string RenderTopScreen(const TopSample& s, int rows, int cols) {
  std::vector<std::string> lines;
  lines.push_back("tcoder top  " + IsoTimestamp(s.at_ms) + "   (Ctrl-C quits)");
  lines.push_back(MachineCounts(s.machines) + "   " + Rate(s.completed_per_min) + " completed/min");
  lines.push_back("");
  lines.push_back("MACHINE               STATE                      JOB");
  for (const auto& m : Member(s.machines, "machines", nlohmann::json::array())) lines.push_back(MachineLine(m));
  lines.push_back("");
  lines.push_back("QUEUE  ready " + std::to_string(Count(s.queue, "ready")) + "  delayed " +
                  std::to_string(Count(s.queue, "delayed")) + "  running " + std::to_string(Count(s.queue, "running")));
  for (const auto& j : Member(Member(s.queue, "ready", nullptr), "jobs", nlohmann::json::array())) {
    const nlohmann::json wait = Member(j, "waitMs", 0);
    const std::int64_t waited = wait.is_number() ? wait.get<std::int64_t>() / 1000 : 0;
    lines.push_back("  " + Padded(Field(j, "jobId"), 26) + "prio " + Padded(Field(j, "priority"), 5) + "waited " +
                    Padded(std::to_string(waited) + "s", 8) + Field(j, "filename"));
  }
  std::string out;
  const auto width = static_cast<size_t>(std::max(cols, 20));
  for (size_t i = 0; i < lines.size() && static_cast<int>(i) < std::max(rows, 3); ++i) {
    out += lines[i].substr(0, width) + "\n";
  }
  return out;
}

}  // namespace tcoder::cli
