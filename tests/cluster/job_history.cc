#include "cluster/job_history.h"

#include "storage/s3_client.h"

namespace tcoder::testing {
namespace {

bool IsEnd(const std::string& s) { return s == "completed" || s == "failed" || s == "cancelled"; }

}  // namespace

std::string AttemptPrefixOf(const std::string& url) {
  const auto scheme = url.find("://");
  const auto path = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  if (path == std::string::npos) return "";
  std::string rest = url.substr(path + 1);
  std::size_t cut = 0;
  for (int segment = 0; segment < 3; ++segment) {
    cut = rest.find('/', cut);
    if (cut == std::string::npos) return "";
    ++cut;
  }
  return rest.substr(0, cut - 1);
}

JobHistory::JobHistory(ClusterStack& stack) : stack_(stack), poller_([this] { Poll(); }) {}

JobHistory::~JobHistory() {
  stop_ = true;
  if (poller_.joinable()) poller_.join();
}

void JobHistory::Track(const std::string& job_id) {
  std::lock_guard lock(mu_);
  jobs_[job_id];
}

void JobHistory::Observe(const std::string& id, const nlohmann::json& job) {
  if (!job.is_object()) return;
  std::lock_guard lock(mu_);
  Seen& seen = jobs_[id];
  const std::string status = job.value("status", "");
  if (seen.statuses.empty() || seen.statuses.back() != status) seen.statuses.push_back(status);
  seen.last = job;
}

void JobHistory::Poll() {
  while (!stop_) {
    std::vector<std::string> ids;
    {
      std::lock_guard lock(mu_);
      for (const auto& [id, seen] : jobs_) ids.push_back(id);
    }
    for (const std::string& id : ids) Observe(id, stack_.Job(id));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

std::vector<std::string> JobHistory::Statuses(const std::string& job_id) {
  std::lock_guard lock(mu_);
  return jobs_[job_id].statuses;
}

std::vector<std::string> JobHistory::Violations() {
  stop_ = true;
  if (poller_.joinable()) poller_.join();
  std::vector<std::string> ids;
  for (const auto& [id, seen] : jobs_) ids.push_back(id);
  for (const std::string& id : ids) Observe(id, stack_.Job(id));
  std::vector<std::string> out;
  std::map<std::string, std::string> by_input;
  for (const auto& [id, seen] : jobs_) {
    for (std::size_t i = 1; i < seen.statuses.size(); ++i)
      if (IsEnd(seen.statuses[i - 1]) && seen.statuses[i] != seen.statuses[i - 1])
        out.push_back(id + ": ended " + seen.statuses[i - 1] + ", then " + seen.statuses[i]);
    const nlohmann::json& job = seen.last;
    if (!job.is_object()) {
      out.push_back(id + ": never seen");
      continue;
    }
    if (job.value("attempts", 0) > job.value("maxAttempts", 3))
      out.push_back(id + ": " + std::to_string(job.value("attempts", 0)) + " attempts");
    const std::string input = job.value("inputKey", "");
    if (!input.empty() && by_input.count(input))
      out.push_back(id + " and " + by_input[input] + ": one input, two jobs");
    by_input[input] = id;
    if (job.value("status", "") != "completed") continue;
    std::set<std::string> prefixes;
    for (const auto& o : job.value("outputs", nlohmann::json::array()))
      prefixes.insert(AttemptPrefixOf(o.value("url", "")));
    if (prefixes.size() != 1 || prefixes.begin()->empty())
      out.push_back(id + ": outputs under " + std::to_string(prefixes.size()) + " attempt prefixes");
  }
  CheckStore(out);
  return out;
}

// Objects of a completed job under an attempt prefix that is not its outputs'.
void JobHistory::CheckStore(std::vector<std::string>& out) {
  auto s3 = stack_.S3();
  for (const auto& [id, seen] : jobs_) {
    if (!seen.last.is_object() || seen.last.value("status", "") != "completed") continue;
    const auto& outputs = seen.last["outputs"];
    if (outputs.empty()) continue;
    const std::string prefix = AttemptPrefixOf(outputs[0].value("url", ""));
    const std::string job_dir = prefix.substr(0, prefix.rfind('/') + 1);
    auto listed = s3->ListAll("tcoder-output", job_dir);
    if (!listed.ok()) {
      out.push_back("listing " + job_dir + ": " + listed.status().ToString());
      continue;
    }
    for (const auto& o : *listed)
      if (o.key.rfind(prefix + "/", 0) != 0) out.push_back(id + ": object of another attempt left: " + o.key);
  }
}

}  // namespace tcoder::testing
