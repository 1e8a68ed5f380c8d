#include "state/queue.h"

#include <algorithm>
#include <cstdio>
#include <random>

#include "common/crypto.h"
#include "common/json_text.h"
#include "state/lua_scripts.h"

namespace tcoder::state {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

// A uniform number in [0, 1) from the CSPRNG-seeded generator of this thread.
double Jitter() {
  thread_local std::mt19937_64 rng([] {
    const std::string seed = crypto::RandomBytes(8);
    std::uint64_t v = 0;
    for (unsigned char c : seed) v = (v << 8) | c;
    return v;
  }());
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

std::string Seconds(milliseconds d) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.3f", static_cast<double>(d.count()) / 1000.0);
  return buf;
}

// The claim's answer for a machine an operator drains.
Status Drained(const std::string& machine_id) {
  return {Code::kCancelled, "machine " + machine_id + " is draining: it takes no more jobs"};
}

// The claim script's {"ok", jobId, token, leaseUntil, attempts}, its
// arguments starting at `at`.
Result<std::optional<Lease>> LeaseFrom(const ScriptReply& r, size_t at = 0) {
  auto until = r.int_arg(at + 2);
  if (!until.ok()) return until.status();
  auto attempts = r.int_arg(at + 3);
  if (!attempts.ok()) return attempts.status();
  return std::optional<Lease>(Lease{r.arg(at), r.arg(at + 1), *until, static_cast<int>(*attempts)});
}

}  // namespace

Queue::Queue(RedisClient& redis, Keys keys, QueueOptions options)
    : redis_(redis), keys_(std::move(keys)), options_(options) {}

Result<ScriptReply> Queue::Run(const LuaScript& script, const std::string& key, const Argv& args) {
  return RunScript(redis_, script, key, keys_.prefix(), args);
}

Result<ScriptReply> Queue::Fenced(const LuaScript& script, const Lease& lease, Argv args) {
  Argv full{lease.job_id, lease.token};
  for (std::string& a : args) full.push_back(std::move(a));
  auto reply = Run(script, keys_.Job(lease.job_id), full);
  if (!reply.ok()) return reply.status();
  if (Status s = RefusalStatus(*reply, "job " + lease.job_id); !s.ok()) return s;
  return reply;
}

// A claim or an ending lost in a failover would run a job twice or lose its
// result: those wait for a replica (Sentinel only). Not replicated in time
// changes nothing: the write stands on the master.
void Queue::Replicate() { (void)redis_.Replicate(); }

Result<std::optional<Lease>> Queue::TryClaim(const std::string& machine_id) {
  auto reply = Run(lua::kClaim, keys_.Queue(), {machine_id, MsArg(options_.lease)});
  if (!reply.ok()) return reply.status();
  if (reply->outcome == "drain") return Drained(machine_id);
  if (reply->outcome != "ok") return std::optional<Lease>();
  Replicate();
  return LeaseFrom(*reply);
}

Result<std::optional<Lease>> Queue::Claim(const std::string& machine_id, milliseconds wait) {
  const auto deadline = Clock::now() + wait;
  while (true) {
    auto reply = Run(lua::kClaim, keys_.Queue(), {machine_id, MsArg(options_.lease)});
    if (!reply.ok()) return reply.status();
    if (reply->outcome == "drain") return Drained(machine_id);
    if (reply->outcome == "ok") {
      Replicate();
      return LeaseFrom(*reply);
    }
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    if (left <= milliseconds(0)) return std::optional<Lease>();
    milliseconds block = std::min(left, options_.max_block);
    auto due_in = reply->int_arg(0);  // a delayed job becomes ready then; -1: none delayed
    if (!due_in.ok()) return due_in.status();
    if (*due_in >= 0) block = std::min(block, milliseconds(*due_in));
    if (block <= milliseconds(0)) continue;
    if (Status s = WaitForWake(machine_id, block); !s.ok()) return s;
  }
}

// A drained machine's wake-up list ends its wait too.
Status Queue::WaitForWake(const std::string& machine_id, milliseconds block) {
  Argv blpop = {"BLPOP", keys_.Wake()};
  if (!machine_id.empty()) blpop.push_back(keys_.MachineWake(machine_id));
  blpop.push_back(Seconds(std::max(block, milliseconds(1))));
  auto r = redis_.BlockingCommand(blpop, block);
  return r.ok() ? Status::Ok() : r.status();
}

Result<bool> Queue::Heartbeat(Lease& lease, std::optional<int> percent) {
  if (percent && (*percent < 0 || *percent > 100)) return InvalidArgument("progress must be 0-100");
  auto reply = Fenced(lua::kHeartbeat, lease, {MsArg(options_.lease), percent ? std::to_string(*percent) : ""});
  if (!reply.ok()) return reply.status();
  auto until = reply->int_arg(1);
  if (!until.ok()) return until.status();
  lease.lease_until_ms = *until;
  return reply->arg(0) == "1";
}

Status Queue::Complete(const Lease& lease, const Completion& c) {
  if (!c.outputs.is_array()) return InvalidArgument("outputs must be a JSON array");
  auto reply =
      Fenced(lua::kComplete, lease, {JsonText(c.outputs), c.playlist_url, c.poster_url, MsArg(options_.ended_ttl)});
  if (reply.ok()) Replicate();
  return reply.ok() ? Status::Ok() : reply.status();
}

Result<std::optional<Lease>> Queue::CompleteAndClaim(const Lease& lease, const Completion& c,
                                                     const std::string& machine_id) {
  if (!c.outputs.is_array()) return InvalidArgument("outputs must be a JSON array");
  auto reply = Fenced(lua::kComplete, lease,
                      {JsonText(c.outputs), c.playlist_url, c.poster_url, MsArg(options_.ended_ttl), machine_id,
                       MsArg(options_.lease)});
  if (!reply.ok()) return reply.status();
  Replicate();
  if (reply->arg(0) != "ok") return std::optional<Lease>();
  return LeaseFrom(*reply, 1);
}

Result<bool> Queue::Fail(const Lease& lease, const std::string& reason, bool retryable) {
  char jitter[32];
  std::snprintf(jitter, sizeof(jitter), "%.6f", Jitter());
  auto reply = Fenced(lua::kFail, lease,
                      {reason, retryable ? "1" : "0", MsArg(options_.backoff_base), MsArg(options_.backoff_max), jitter,
                       MsArg(options_.ended_ttl)});
  if (!reply.ok()) return reply.status();
  Replicate();
  return reply->arg(0) == "retry";
}

Status Queue::AckCancel(const Lease& lease) {
  auto reply = Fenced(lua::kAckCancel, lease, {MsArg(options_.ended_ttl)});
  return reply.ok() ? Status::Ok() : reply.status();
}

Result<std::string> Queue::Release(const Lease& lease, const std::string& reason) {
  auto reply = Fenced(lua::kRelease, lease, {reason, MsArg(options_.ended_ttl)});
  if (!reply.ok()) return reply.status();
  return reply->arg(0);
}

Result<ReapResult> Queue::Reap(int limit) {
  const auto seed = 1 + static_cast<long>(Jitter() * 2147483645.0);  // Park-Miller seed in [1, 2^31-2]
  auto reply = Run(lua::kReap, keys_.Leases(),
                   {MsArg(options_.backoff_base), MsArg(options_.backoff_max), std::to_string(seed),
                    MsArg(options_.ended_ttl), std::to_string(limit)});
  if (!reply.ok()) return reply.status();
  std::int64_t counts[5] = {};
  for (size_t i = 0; i < 5; ++i) {
    auto n = reply->int_arg(i);
    if (!n.ok()) return n.status();
    counts[i] = *n;
  }
  ReapResult r{static_cast<int>(counts[0]), static_cast<int>(counts[1]), static_cast<int>(counts[2]),
               static_cast<int>(counts[3])};
  if (counts[4] >= 0) r.next_due = milliseconds(counts[4]);
  return r;
}

}  // namespace tcoder::state
