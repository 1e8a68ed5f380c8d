#include "control/operator_view.h"

#include <algorithm>
#include <map>

#include "common/json_text.h"

namespace tcoder::control {

Result<OperatorView> ReadOperatorView(state::RedisClient& redis, const state::Keys& keys, int limit, bool machines) {
  OperatorView v;
  if (machines) {
    auto listed = state::MachinePool(redis, keys).List();
    if (!listed.ok()) return listed.status();
    v.machines = std::move(*listed);
  }
  auto queue = state::ReadQueue(redis, keys, limit);
  if (!queue.ok()) return queue.status();
  v.queue = std::move(*queue);
  return v;
}

nlohmann::json MachinesJson(const ControlOptions& options, const OperatorView& view) {
  std::map<std::string, const state::QueuedJob*> running;  // by machine
  for (const auto& j : view.queue.running) {
    if (!j.machine_id.empty()) running[j.machine_id] = &j;
  }
  const auto idle_ms = std::chrono::duration_cast<std::chrono::milliseconds>(options.idle_timeout).count();
  nlohmann::json list = nlohmann::json::array();
  for (const state::Machine& m : view.machines) {
    const auto it = running.find(m.id);
    const state::QueuedJob* job = it == running.end() ? nullptr : it->second;
    const bool idle = m.state == "idle";
    list.push_back({{"machineId", m.id},
                    {"state", m.state},
                    {"provider", options.provider},
                    {"owner", JsonOrNull(m.owner)},
                    {"createdAt", JsonTime(m.created_at_ms)},
                    {"lastActiveAt", JsonTime(m.last_active_at_ms)},
                    {"idleSince", idle ? JsonTime(m.last_active_at_ms) : nullptr},
                    {"stopsAt", idle && !m.draining ? JsonTime(m.last_active_at_ms + idle_ms) : nullptr},
                    {"jobId", job ? JsonOrNull(m.job_id) : nullptr},  // the job it runs now
                    {"progress", job ? nlohmann::json(job->progress) : nullptr},
                    {"leaseUntil", job ? JsonTime(job->lease_until_ms) : nullptr},
                    {"draining", m.draining},
                    {"jobsDone", m.jobs_done},
                    {"lastError", JsonOrNull(m.last_error)}});
  }
  return {{"machines", list}, {"max", options.max_machines}};
}

nlohmann::json QueueJson(const state::QueueSnapshot& q, std::int64_t now_ms) {
  nlohmann::json ready = nlohmann::json::array(), delayed = nlohmann::json::array(), running = nlohmann::json::array();
  for (const auto& j : q.ready) {
    ready.push_back({{"jobId", j.id},
                     {"filename", j.filename},
                     {"priority", j.priority},
                     {"attempts", j.attempts},
                     {"queuedAt", JsonTime(j.queued_at_ms)},
                     {"waitMs", j.queued_at_ms > 0 ? std::max<std::int64_t>(0, now_ms - j.queued_at_ms) : 0}});
  }
  for (const auto& j : q.delayed) {
    delayed.push_back(
        {{"jobId", j.id}, {"filename", j.filename}, {"attempts", j.attempts}, {"dueAt", JsonTime(j.due_at_ms)}});
  }
  for (const auto& j : q.running) {
    running.push_back({{"jobId", j.id},
                       {"filename", j.filename},
                       {"machineId", JsonOrNull(j.machine_id)},
                       {"progress", j.progress},
                       {"attempts", j.attempts},
                       {"startedAt", JsonTime(j.started_at_ms)},
                       {"leaseUntil", JsonTime(j.lease_until_ms)}});
  }
  return {{"ready", {{"count", q.ready_count}, {"jobs", ready}}},
          {"delayed", {{"count", q.delayed_count}, {"jobs", delayed}}},
          {"running", {{"count", q.running_count}, {"jobs", running}}}};
}

nlohmann::json DepthJson(const state::QueueDepth& d) {
  return {{"at", d.at_ms},        {"ready", d.ready},  {"delayed", d.delayed},
          {"running", d.running}, {"busy", d.running}, {"machines", d.machines}};
}

}  // namespace tcoder::control
