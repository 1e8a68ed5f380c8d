#include "state/event_log.h"

#include <charconv>
#include <ctime>

#include "common/duration.h"
#include "common/log.h"
#include "state/job.h"

namespace tcoder::state {
namespace {

std::string NowIso() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return IsoTimestamp(static_cast<std::int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000);
}

// An entry's field list into an event; false when a required field is missing.
bool ToEvent(const RedisValue& fields, ObjectEvent& out) {
  bool has_bucket = false, has_key = false;
  for (size_t i = 0; i + 1 < fields.elements.size(); i += 2) {
    const std::string& name = fields.elements[i].str;
    const std::string& value = fields.elements[i + 1].str;
    if (name == "bucket") out.bucket = value, has_bucket = true;
    if (name == "key") out.key = value, has_key = true;
    if (name == "etag") out.etag = value;
    if (name == "eventName") out.event_name = value;
    if (name == "eventTime") out.event_time = value;
    if (name == "size") std::from_chars(value.data(), value.data() + value.size(), out.size);
  }
  return has_bucket && has_key && !out.bucket.empty() && !out.key.empty();
}

}  // namespace

EventLog::EventLog(RedisClient& redis, Keys keys, std::string group)
    : redis_(redis), keys_(std::move(keys)), group_(std::move(group)) {}

Status EventLog::Append(const ObjectEvent& e) {
  if (e.bucket.empty() || e.key.empty()) return InvalidArgument("object event without bucket or key");
  auto r = redis_.Command({"XADD", keys_.Events(), "MAXLEN", "~", "1000000", "*", "bucket", e.bucket, "key", e.key,
                           "size", std::to_string(e.size), "etag", e.etag, "eventName", e.event_name, "eventTime",
                           e.event_time.empty() ? NowIso() : e.event_time});
  return r.ok() ? Status::Ok() : r.status().WithContext("appending object event");
}

Status EventLog::EnsureGroup() {
  auto r = redis_.Command({"XGROUP", "CREATE", keys_.Events(), group_, "0", "MKSTREAM"});
  if (r.ok() || r.status().message().find("BUSYGROUP") != std::string::npos) return Status::Ok();
  return r.status();
}

Result<std::vector<StreamEvent>> EventLog::ParseEntries(const RedisValue& entries) {
  std::vector<StreamEvent> out;
  for (const RedisValue& entry : entries.elements) {
    if (entry.elements.size() != 2) continue;  // deleted entry: XAUTOCLAIM reports it as nil fields
    StreamEvent ev{entry.elements[0].str, {}};
    if (!ToEvent(entry.elements[1], ev.event)) {
      log::Warn("dropping malformed object event", {{"entry", ev.id}});
      if (Status s = Ack(ev.id); !s.ok()) return s;
      continue;
    }
    out.push_back(std::move(ev));
  }
  return out;
}

Result<std::vector<StreamEvent>> EventLog::ReadNew(const std::string& consumer, int count,
                                                   std::chrono::milliseconds block) {
  auto r = redis_.BlockingCommand({"XREADGROUP", "GROUP", group_, consumer, "COUNT", std::to_string(count), "BLOCK",
                                   std::to_string(std::max<long>(block.count(), 1)), "STREAMS", keys_.Events(), ">"},
                                  block);
  if (!r.ok()) return r.status();
  if (r->is_nil() || r->elements.empty()) return std::vector<StreamEvent>{};
  const RedisValue& stream = r->elements[0];  // [key, entries]
  if (stream.elements.size() != 2) return Internal("XREADGROUP: malformed reply");
  return ParseEntries(stream.elements[1]);
}

Status EventLog::Ack(const std::string& entry_id) {
  auto r = redis_.Pipeline({{"XACK", keys_.Events(), group_, entry_id}, {"XDEL", keys_.Events(), entry_id}});
  return r.ok() ? Status::Ok() : r.status();
}

Result<std::vector<StreamEvent>> EventLog::ClaimStale(const std::string& consumer, std::chrono::milliseconds min_idle,
                                                      int count) {
  auto r = redis_.Command({"XAUTOCLAIM", keys_.Events(), group_, consumer, std::to_string(min_idle.count()), "0-0",
                           "COUNT", std::to_string(count)});
  if (!r.ok()) return r.status();
  if (r->elements.size() < 2) return Internal("XAUTOCLAIM: malformed reply");
  return ParseEntries(r->elements[1]);
}

}  // namespace tcoder::state
