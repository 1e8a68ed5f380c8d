#include "state/report_ledger.h"

namespace tcoder::state {

ReportLedger::ReportLedger(RedisClient& redis, Keys keys) : redis_(redis), keys_(std::move(keys)) {}

Result<bool> ReportLedger::FirstSight(const std::string& id, std::chrono::milliseconds window) {
  if (id.empty() || window.count() <= 0) return InvalidArgument("a report id and a positive window are needed");
  auto r = redis_.Command({"SET", keys_.ReportSeen(id), "1", "NX", "PX", std::to_string(window.count())});
  if (!r.ok()) return r.status();
  return !r->is_nil();
}

}  // namespace tcoder::state
