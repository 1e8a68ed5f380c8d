#include "state/queue_view.h"

#include "state/script_reply.h"

namespace tcoder::state {
namespace {

constexpr const char* kFields[] = {"priority",   "attempts",  "queuedAt", "startedAt",
                                   "leaseUntil", "machineId", "progress", "filename"};

std::int64_t Int(const RedisValue& v) {
  auto n = ParseIntegerOrZero(v.str, "job field");
  return n.ok() ? *n : 0;
}

QueuedJob FromFields(std::string id, std::int64_t score, const RedisValue& f) {
  QueuedJob j;
  j.id = std::move(id);
  j.priority = static_cast<int>(Int(f.elements[0]));
  j.attempts = static_cast<int>(Int(f.elements[1]));
  j.queued_at_ms = Int(f.elements[2]);
  j.started_at_ms = Int(f.elements[3]);
  j.lease_until_ms = Int(f.elements[4]);
  j.machine_id = f.elements[5].str;
  j.progress = static_cast<int>(Int(f.elements[6]));
  j.filename = f.elements[7].str;
  j.due_at_ms = score;
  return j;
}

}  // namespace

Result<QueueDepth> ReadQueueDepth(RedisClient& redis, const Keys& keys) {
  auto counts = redis.Pipeline(
      {{"ZCARD", keys.Queue()}, {"ZCARD", keys.Delayed()}, {"ZCARD", keys.Leases()}, {"ZCARD", keys.Machines()}});
  if (!counts.ok()) return counts.status();
  return QueueDepth{0, (*counts)[0].integer, (*counts)[1].integer, (*counts)[2].integer, (*counts)[3].integer};
}

Result<QueueSnapshot> ReadQueue(RedisClient& redis, const Keys& keys, int limit) {
  if (limit < 1 || limit > 1000) return InvalidArgument("limit must be 1-1000");
  const std::string last = std::to_string(limit - 1);
  const std::string sets[] = {keys.Queue(), keys.Delayed(), keys.Leases()};
  std::vector<Argv> first;
  for (const std::string& set : sets) {
    first.push_back({"ZCARD", set});
    first.push_back({"ZRANGE", set, "0", last, "WITHSCORES"});
  }
  auto listed = redis.Pipeline(first);
  if (!listed.ok()) return listed.status();
  std::vector<std::pair<int, std::pair<std::string, std::int64_t>>> members;  // part, (id, score)
  std::vector<Argv> reads;
  for (int part = 0; part < 3; ++part) {
    const RedisValue& range = (*listed)[static_cast<size_t>(part * 2 + 1)];
    for (size_t i = 0; i + 1 < range.elements.size(); i += 2) {
      const std::string& id = range.elements[i].str;
      auto score = ParseInteger(range.elements[i + 1].str.substr(0, range.elements[i + 1].str.find('.')), "score");
      members.push_back({part, {id, score.ok() ? *score : 0}});
      Argv hmget{"HMGET", keys.Job(id)};
      for (const char* f : kFields) hmget.push_back(f);
      reads.push_back(std::move(hmget));
    }
  }
  QueueSnapshot snap;
  snap.ready_count = (*listed)[0].integer;
  snap.delayed_count = (*listed)[2].integer;
  snap.running_count = (*listed)[4].integer;
  if (reads.empty()) return snap;
  auto fields = redis.Pipeline(reads);
  if (!fields.ok()) return fields.status();
  for (size_t i = 0; i < members.size(); ++i) {
    auto& [part, member] = members[i];
    if ((*fields)[i].elements.size() != std::size(kFields)) continue;
    QueuedJob j = FromFields(std::move(member.first), member.second, (*fields)[i]);
    if (part == 0) j.due_at_ms = 0;  // the queue's score is its order, not a time
    if (part == 1)
      snap.delayed.push_back(std::move(j));
    else if (part == 2)
      snap.running.push_back(std::move(j));
    else
      snap.ready.push_back(std::move(j));
  }
  return snap;
}

}  // namespace tcoder::state
