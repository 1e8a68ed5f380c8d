#include "common/background_hasher.h"

#include <utility>

namespace tcoder::crypto {

BackgroundHasher::BackgroundHasher(Hasher state) : hasher_(std::move(state)), thread_([this] { Run(); }) {}

BackgroundHasher::~BackgroundHasher() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void BackgroundHasher::WaitIdle(std::unique_lock<std::mutex>& lock) {
  cv_.wait(lock, [this] { return !full_; });
}

void BackgroundHasher::Update(std::string_view data) {
  if (data.empty()) return;
  {
    std::unique_lock lock(mu_);
    WaitIdle(lock);
    chunk_.assign(data);
    full_ = true;
  }
  cv_.notify_all();
}

std::string BackgroundHasher::Final() {
  std::unique_lock lock(mu_);
  WaitIdle(lock);
  return hasher_.Final();
}

void BackgroundHasher::Run() {
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [this] { return full_ || stop_; });
    if (!full_) return;  // stopping with nothing left
    lock.unlock();
    hasher_.Update(chunk_);  // Update() waits for !full_, so chunk_ stays put meanwhile
    lock.lock();
    full_ = false;
    cv_.notify_all();
  }
}

}  // namespace tcoder::crypto
