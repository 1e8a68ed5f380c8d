#include "control/event_intake.h"

#include "common/log.h"

namespace tcoder::control {
namespace {

// One read waits this long for new entries; Stop() interrupts it.
constexpr auto kBlock = std::chrono::seconds(30);
constexpr auto kStaleAfter = std::chrono::seconds(30);
constexpr auto kClaimEvery = std::chrono::seconds(30);
constexpr auto kRetryAfter = std::chrono::milliseconds(500);

}  // namespace

Result<state::IngestResult> IngestEvent(state::RedisClient& redis, const state::Keys& keys,
                                        const state::ObjectEvent& event, Metrics& metrics,
                                        const std::function<void()>& admit) {
  state::JobStore store(redis, keys);
  auto r = store.Ingest(event);
  if (!r.ok()) return r.status();
  if (r->outcome == state::IngestResult::Outcome::kQueued) {
    metrics.events_ingested++;
    metrics.bytes_in += event.size;
    log::Info("upload ingested", {{"jobId", r->job_id}, {"status", r->status}, {"size", event.size}});
  }
  if (r->status == "pending" && admit) admit();
  return r;
}

EventIntake::EventIntake(state::RedisPool& redis, state::Keys keys, std::string consumer, Metrics& metrics,
                         std::function<void()> admit)
    : redis_(redis),
      keys_(std::move(keys)),
      consumer_(std::move(consumer)),
      metrics_(metrics),
      admit_(std::move(admit)),
      loop_(std::chrono::milliseconds(0), [this] { Step(); }) {}

EventIntake::~EventIntake() { Stop(); }

void EventIntake::Start() { loop_.Start(); }

void EventIntake::Stop() {
  loop_.RequestStop();
  {
    std::lock_guard lock(conn_mu_);
    if (conn_ != nullptr) conn_->Interrupt();
  }
  loop_.Stop();
}

Status EventIntake::Handle(state::RedisClient& redis, state::EventLog& log,
                           const std::vector<state::StreamEvent>& events) {
  for (const auto& e : events) {
    auto r = IngestEvent(redis, keys_, e.event, metrics_, admit_);
    // Not acked on failure: the entry stays pending and is claimed again later.
    if (!r.ok()) return r.status();
    if (Status s = log.Ack(e.id); !s.ok()) return s;
  }
  return Status::Ok();
}

void EventIntake::Step() {
  if (conn_ == nullptr) {
    auto c = state::RedisClient::Connect(redis_.url());
    if (!c.ok()) {
      loop_.SleepFor(kRetryAfter);
      return;
    }
    std::lock_guard lock(conn_mu_);
    conn_ = std::move(*c);
    if (loop_.stopping()) conn_->Interrupt();
  }
  state::EventLog events(*conn_, keys_);
  Status s = grouped_ ? Status::Ok() : events.EnsureGroup();
  grouped_ = s.ok();
  if (s.ok() && std::chrono::steady_clock::now() - last_claim_ > kClaimEvery) {
    last_claim_ = std::chrono::steady_clock::now();
    auto stale = events.ClaimStale(consumer_, kStaleAfter, 100);
    s = stale.ok() ? Handle(*conn_, events, *stale) : stale.status();
  }
  if (s.ok()) {
    auto fresh = events.ReadNew(consumer_, 100, kBlock);
    s = fresh.ok() ? Handle(*conn_, events, *fresh) : fresh.status();
  }
  if (!s.ok() && loop_.stopping()) return;
  if (!s.ok()) {
    // The group is made again after an error: the stream may be new (a
    // Redis that lost its data, a failover to a replica without it).
    grouped_ = false;
    log::Warn("event intake: retrying", {{"error", s.ToString()}});
    loop_.SleepFor(kRetryAfter);
  }
}

}  // namespace tcoder::control
