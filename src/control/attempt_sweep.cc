#include "control/attempt_sweep.h"

namespace tcoder::control {

std::string JobOutputDir(const state::Job& job) { return job.spec.visibility + "/" + job.id + "/"; }

std::string FinalAttemptPrefix(const state::Job& job) {
  const std::string dir = JobOutputDir(job);
  std::string prefix;
  if (!job.outputs.is_array() || job.outputs.empty()) return "";
  for (const auto& o : job.outputs) {
    const std::string key = o.is_object() ? o.value("key", "") : "";
    const auto slash = key.rfind(dir, 0) == 0 ? key.find('/', dir.size()) : std::string::npos;
    if (slash == std::string::npos || slash == dir.size()) return "";
    const std::string mine = key.substr(0, slash + 1);
    if (!prefix.empty() && mine != prefix) return "";
    prefix = mine;
  }
  return prefix;
}

std::vector<std::string> SupersededObjects(const state::Job& job, const std::vector<std::string>& keys) {
  std::vector<std::string> out;
  if (job.status != state::JobStatus::kCompleted) return out;
  const std::string dir = JobOutputDir(job), final_prefix = FinalAttemptPrefix(job);
  if (final_prefix.empty()) return out;
  for (const std::string& key : keys)
    if (key.rfind(dir, 0) == 0 && key.rfind(final_prefix, 0) != 0) out.push_back(key);
  return out;
}

}  // namespace tcoder::control
