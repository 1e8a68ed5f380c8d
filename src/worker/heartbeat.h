// Heartbeat: keeps a claimed job's lease alive from its own thread, through a
// Queue on its own Redis connection (the main thread's may be busy), and
// writes the job's progress (Queue::Progress) when it changed, and at least
// every `progress_every` while the job runs.
//
// It records what the state store answers: a cancel request, or a lost lease
// (a fenced call refused, or no successful beat for a whole lease). Thread-
// safety: SetProgress() and the accessors from any thread; Start()/Stop() from
// the owner.
#pragma once

#include <atomic>
#include <chrono>
#include "common/background_loop.h"
#include "state/queue.h"

namespace tcoder::worker {

struct HeartbeatOptions {
  std::chrono::milliseconds interval{500};         // between beats
  std::chrono::milliseconds lease{30000};          // no successful beat this long: the lease is lost
  std::chrono::milliseconds progress_every{2000};  // progress rewritten at least this often
};

// min(lease / 3, 500 ms): a cancel reaches FFmpeg well within a second.
std::chrono::milliseconds HeartbeatInterval(std::chrono::milliseconds lease);

class Heartbeat {
 public:
  // `queue` must be used by no other thread until Stop() returns.
  Heartbeat(state::Queue& queue, state::Lease lease, HeartbeatOptions options);
  ~Heartbeat();  // Stop()
  Heartbeat(const Heartbeat&) = delete;
  Heartbeat& operator=(const Heartbeat&) = delete;

  void Start();
  // Stops the thread (it writes nothing more once this returns).
  void Stop();

  void SetProgress(int percent);  // 0-100; written on the next beat
  bool cancel_requested() const { return cancel_.load(); }
  bool lost() const { return lost_.load(); }

 private:
  void Step();
  void Beat();
  void WriteProgress();

  state::Queue& queue_;
  state::Lease lease_;
  HeartbeatOptions options_;
  std::atomic<bool> cancel_{false};
  std::atomic<bool> lost_{false};
  std::atomic<int> progress_{0};
  int written_progress_ = -1;
  std::chrono::steady_clock::time_point last_ok_;
  std::chrono::steady_clock::time_point last_progress_;
  BackgroundLoop loop_;
};

}  // namespace tcoder::worker
