#include "control/metrics.h"

#include <sstream>

#include "state/job_counts.h"
#include "state/stats.h"

namespace tcoder::control {
namespace {

void Line(std::ostringstream& out, const std::string& name, const std::string& labels, double value) {
  out << name;
  if (!labels.empty()) out << '{' << labels << '}';
  out << ' ' << value << '\n';
}

void Head(std::ostringstream& out, const std::string& name, const char* type, const char* help) {
  out << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n';
}

void Counter(std::ostringstream& out, const std::string& name, const char* help, std::uint64_t value) {
  Head(out, name, "counter", help);
  Line(out, name, "", static_cast<double>(value));
}

void SummaryLines(std::ostringstream& out, const std::string& name, const char* help, const Summary& s) {
  Head(out, name, "summary", help);
  Line(out, name + "_sum", "", static_cast<double>(s.sum_ms.load()) / 1000.0);
  Line(out, name + "_count", "", static_cast<double>(s.count.load()));
}

}  // namespace

Result<std::string> RenderMetrics(state::RedisClient& redis, const state::Keys& keys, int max_machines,
                                  const Metrics& m) {
  auto counts = state::CountJobs(redis, keys);
  if (!counts.ok()) return counts.status();
  auto stats = state::GetStats(redis, keys, max_machines);
  if (!stats.ok()) return stats.status();

  std::ostringstream out;
  Head(out, "tcoder_jobs", "gauge", "Jobs in the state store by status.");
  for (state::JobStatus st : state::kAllStatuses) {
    Line(out, "tcoder_jobs", "status=\"" + std::string(state::StatusName(st)) + "\"",
         static_cast<double>(counts->of(st)));
  }
  Head(out, "tcoder_queue_depth", "gauge", "Jobs ready to be claimed.");
  Line(out, "tcoder_queue_depth", "", static_cast<double>(counts->ready));
  Head(out, "tcoder_queue_delayed", "gauge", "Jobs waiting out a retry backoff.");
  Line(out, "tcoder_queue_delayed", "", static_cast<double>(counts->delayed));
  Head(out, "tcoder_machines", "gauge", "Machines in the pool by state.");
  const auto& machines = (*stats)["machines"];
  for (const char* st : {"starting", "running", "idle", "stopped"})
    Line(out, "tcoder_machines", std::string("state=\"") + st + "\"", machines.value(st, 0));
  Head(out, "tcoder_machines_max", "gauge", "The pool's maximum size.");
  Line(out, "tcoder_machines_max", "", max_machines);
  SummaryLines(out, "tcoder_pickup_latency_seconds", "Time from pending to claimed, jobs seen by this process.",
               m.pickup_latency);
  SummaryLines(out, "tcoder_transcode_seconds", "Time from claimed to ended, jobs seen by this process.",
               m.transcode_time);
  Head(out, "tcoder_webhook_deliveries_total", "counter", "Client webhook delivery attempts by result.");
  Line(out, "tcoder_webhook_deliveries_total", "result=\"delivered\"", static_cast<double>(m.webhook_delivered.load()));
  Line(out, "tcoder_webhook_deliveries_total", "result=\"failed\"",
       static_cast<double>(m.webhook_failed_attempts.load()));
  Line(out, "tcoder_webhook_deliveries_total", "result=\"gave_up\"", static_cast<double>(m.webhook_gave_up.load()));
  Counter(out, "tcoder_storage_events_ingested_total", "Object-created events that queued a job.",
          m.events_ingested.load());
  Counter(out, "tcoder_bytes_in_total", "Input bytes of uploads that were ingested.", m.bytes_in.load());
  Counter(out, "tcoder_bytes_out_total", "Output bytes of jobs that completed.", m.bytes_out.load());
  Head(out, "tcoder_machine_operations_total", "counter", "Provider operations by kind.");
  Line(out, "tcoder_machine_operations_total", "op=\"create\"", static_cast<double>(m.machines_created.load()));
  Line(out, "tcoder_machine_operations_total", "op=\"start\"", static_cast<double>(m.machines_started.load()));
  Line(out, "tcoder_machine_operations_total", "op=\"stop\"", static_cast<double>(m.machines_stopped.load()));
  Line(out, "tcoder_machine_operations_total", "op=\"destroy\"", static_cast<double>(m.machines_destroyed.load()));
  return out.str();
}

}  // namespace tcoder::control
