// Heartbeat: keeps a claimed job's lease alive from its own thread, through a
// Queue on its own Redis connection (the main thread's may be busy), and
// writes the job's progress with the beat that follows a change (one script:
// Queue::Heartbeat with a percent).
//
// It records what the state store answers: a cancel request, or a lost lease
// (a fenced call refused, or no successful beat for `give_up`: Redis down or
// out of reach that long; shorter outages are ridden out, and the job's writes
// are fenced when it comes back). Thread-
// safety: SetProgress() and the accessors from any thread; Start()/Stop() from
// the owner.
#pragma once

#include <atomic>
#include <chrono>
#include "common/background_loop.h"
#include "state/queue.h"

namespace tcoder::worker {

struct HeartbeatOptions {
  std::chrono::milliseconds interval{2000};   // between beats
  std::chrono::milliseconds give_up{300000};  // no successful beat this long: the lease is taken as lost
};

// lease / 3 within [50 ms, 2 s]: a cancel reaches FFmpeg within 2 s, and a
// running job costs one command every 2 s.
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

  state::Queue& queue_;
  state::Lease lease_;
  HeartbeatOptions options_;
  std::atomic<bool> cancel_{false};
  std::atomic<bool> lost_{false};
  std::atomic<int> progress_{0};
  int written_progress_ = 0;  // a claim starts at 0
  std::chrono::steady_clock::time_point last_ok_;
  BackgroundLoop loop_;
};

}  // namespace tcoder::worker
