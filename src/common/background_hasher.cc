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

void BackgroundHasher::Update(std::string_view data) {
  if (data.empty()) return;
  {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return queued_.size() < kDepth; });
    std::string buffer;
    if (!spare_.empty()) {
      buffer = std::move(spare_.back());
      spare_.pop_back();
    }
    buffer.assign(data);
    queued_.push_back(std::move(buffer));
  }
  cv_.notify_all();
}

std::string BackgroundHasher::Final() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [this] { return queued_.empty() && !hashing_; });
  return hasher_.Final();
}

void BackgroundHasher::Run() {
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [this] { return !queued_.empty() || stop_; });
    if (queued_.empty()) return;  // stopping with nothing left
    std::string chunk = std::move(queued_.front());
    queued_.pop_front();
    hashing_ = true;
    lock.unlock();
    hasher_.Update(chunk);
    lock.lock();
    hashing_ = false;
    chunk.clear();
    spare_.push_back(std::move(chunk));
    cv_.notify_all();
  }
}

}  // namespace tcoder::crypto
