#include "common/background_loop.h"

namespace tcoder {

BackgroundLoop::BackgroundLoop(std::chrono::milliseconds period, Step step) : period_(period), step_(std::move(step)) {}

BackgroundLoop::~BackgroundLoop() { Stop(); }

void BackgroundLoop::Start() {
  thread_ = std::thread([this] { Run(); });
}

void BackgroundLoop::Kick() {
  {
    std::lock_guard lock(mu_);
    kicked_ = true;
  }
  cv_.notify_all();
}

void BackgroundLoop::RequestStop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
}

void BackgroundLoop::Stop() {
  RequestStop();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

bool BackgroundLoop::SleepFor(std::chrono::milliseconds d) {
  std::unique_lock lock(mu_);
  return !cv_.wait_for(lock, d, [this] { return stop_; });
}

bool BackgroundLoop::stopping() const {
  std::lock_guard lock(mu_);
  return stop_;
}

void BackgroundLoop::Run() {
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait_for(lock, period_, [this] { return kicked_ || stop_; });
    if (stop_) return;
    kicked_ = false;
    lock.unlock();
    step_();
    lock.lock();
  }
}

}  // namespace tcoder
