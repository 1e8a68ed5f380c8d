// BackgroundLoop: a thread that runs one step again and again — every period,
// sooner when kicked — until it is stopped.
//
// The step runs on the loop's own thread, one at a time; the first runs one
// period after Start() unless Kick() came first. Kick() from any thread makes
// the next step start as soon as the running one ends (kicks that arrive
// together run one step). A zero period runs steps back to back. RequestStop()
// wakes every wait and returns at once; Stop() also lets the running step
// finish and joins the thread. Both are idempotent; the destructor stops. A
// step that must pause inside (a backoff, a rate limit) uses SleepFor(), which
// returns false early when the loop is stopping.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace tcoder {

class BackgroundLoop {
 public:
  using Step = std::function<void()>;

  BackgroundLoop(std::chrono::milliseconds period, Step step);
  ~BackgroundLoop();
  BackgroundLoop(const BackgroundLoop&) = delete;
  BackgroundLoop& operator=(const BackgroundLoop&) = delete;

  void Start();
  void Kick();
  void RequestStop();
  void Stop();

  // Waits up to `d`; false if the loop is stopping (at once or during the wait).
  bool SleepFor(std::chrono::milliseconds d);
  bool stopping() const;

 private:
  void Run();

  const std::chrono::milliseconds period_;
  const Step step_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool kicked_ = false;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace tcoder
