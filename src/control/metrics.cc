#include "control/metrics.h"

#include <cmath>
#include <iomanip>
#include <sstream>

#include "state/job_counts.h"
#include "state/stats.h"

namespace tcoder::control {
namespace {

void Line(std::ostringstream& out, const std::string& name, const std::string& labels, double value) {
  out << name;
  if (!labels.empty()) out << '{' << labels << '}';
  // Counts are whole: printed whole (a stream's 6 digits would round 1234567 to 1.23457e+06).
  if (value == std::floor(value) && std::fabs(value) < 9e15)
    out << ' ' << static_cast<long long>(value) << '\n';
  else
    out << ' ' << std::setprecision(17) << value << '\n';
}

void Head(std::ostringstream& out, const std::string& name, const char* type, const char* help) {
  out << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n';
}

void Counter(std::ostringstream& out, const std::string& name, const char* help, std::uint64_t value) {
  Head(out, name, "counter", help);
  Line(out, name, "", static_cast<double>(value));
}

void HistogramLines(std::ostringstream& out, const std::string& name, const char* help, const Histogram& h) {
  Head(out, name, "histogram", help);
  std::string lines;
  h.Render(lines, name, "");
  out << lines;
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
  HistogramLines(out, "tcoder_pickup_latency_seconds", "Time from pending to claimed, per attempt counted here.",
                 m.pickup_latency);
  Head(out, "tcoder_transcode_seconds", "histogram", "Time from claimed to completed by preset, jobs counted here.");
  std::string transcode;
  m.transcode_time.Render(transcode, "tcoder_transcode_seconds");
  out << transcode;
  Head(out, "tcoder_webhook_deliveries_total", "counter", "Client webhook delivery attempts by result.");
  Line(out, "tcoder_webhook_deliveries_total", "result=\"delivered\"", static_cast<double>(m.webhook_delivered.load()));
  Line(out, "tcoder_webhook_deliveries_total", "result=\"failed\"",
       static_cast<double>(m.webhook_failed_attempts.load()));
  Line(out, "tcoder_webhook_deliveries_total", "result=\"gave_up\"", static_cast<double>(m.webhook_gave_up.load()));
  Counter(out, "tcoder_storage_events_ingested_total", "Object-created events that queued a job.",
          m.events_ingested.load());
  Counter(out, "tcoder_bytes_in_total", "Input bytes of uploads that were ingested.", m.bytes_in.load());
  Counter(out, "tcoder_output_bytes_total", "Bytes stored as outputs of completed jobs counted here.",
          m.output_bytes.load());
  Head(out, "tcoder_machine_operations_total", "counter", "Provider operations by kind.");
  Line(out, "tcoder_machine_operations_total", "op=\"create\"", static_cast<double>(m.machines_created.load()));
  Line(out, "tcoder_machine_operations_total", "op=\"start\"", static_cast<double>(m.machines_started.load()));
  Line(out, "tcoder_machine_operations_total", "op=\"stop\"", static_cast<double>(m.machines_stopped.load()));
  Line(out, "tcoder_machine_operations_total", "op=\"destroy\"", static_cast<double>(m.machines_destroyed.load()));
  return out.str();
}

}  // namespace tcoder::control
