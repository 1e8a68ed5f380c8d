#include "worker/heartbeat.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "common/log.h"

namespace tcoder::worker {
namespace {

using Clock = std::chrono::steady_clock;

// A fenced call refused: another holder has the job, or it is gone.
bool IsRefusal(const Status& s) { return s.code() == Code::kConflict || s.code() == Code::kNotFound; }

}  // namespace

std::chrono::milliseconds HeartbeatInterval(std::chrono::milliseconds lease) {
  return std::clamp(lease / 3, std::chrono::milliseconds(50), std::chrono::milliseconds(2000));
}

Heartbeat::Heartbeat(state::Queue& queue, state::Lease lease, HeartbeatOptions options)
    : queue_(queue), lease_(std::move(lease)), options_(options), loop_(options.interval, [this] { Step(); }) {}

Heartbeat::~Heartbeat() { Stop(); }

void Heartbeat::Start() {
  last_ok_ = Clock::now();
  loop_.Start();
}

void Heartbeat::Stop() { loop_.Stop(); }

void Heartbeat::SetProgress(int percent) { progress_.store(std::clamp(percent, 0, 100)); }

void Heartbeat::Step() {
  if (lost_.load()) return;  // a lost lease is never renewed
  Beat();
}

void Heartbeat::Beat() {
  const int percent = progress_.load();
  auto cancel = queue_.Heartbeat(lease_, percent != written_progress_ ? std::optional(percent) : std::nullopt);
  if (cancel.ok()) {
    last_ok_ = Clock::now();
    written_progress_ = percent;
    if (*cancel && !cancel_.exchange(true)) log::Info("cancel requested", {{"jobId", lease_.job_id}});
    return;
  }
  const bool refused = IsRefusal(cancel.status());
  if (refused || Clock::now() - last_ok_ >= options_.give_up) {
    lost_.store(true);
    log::Warn("lease lost", {{"jobId", lease_.job_id}, {"error", cancel.status().ToString()}});
    return;
  }
  log::Warn("heartbeat failed", {{"jobId", lease_.job_id}, {"error", cancel.status().ToString()}});
}

}  // namespace tcoder::worker
