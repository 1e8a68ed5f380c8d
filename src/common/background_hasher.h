// BackgroundHasher: feeds a Hasher on a thread of its own, a few chunks behind
// the caller, so that hashing a large stream (an upload's MD5 ETag) overlaps
// the caller's socket reads and disk writes instead of adding to them.
//
// Update() copies the chunk (cheap beside hashing it) into a queue of at most
// kDepth chunks and waits only when the queue is full. One caller at a time;
// not thread-safe.
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/crypto.h"

namespace tcoder::crypto {

class BackgroundHasher {
 public:
  // Continues `state` (which may already hold data).
  explicit BackgroundHasher(Hasher state);
  ~BackgroundHasher();
  BackgroundHasher(const BackgroundHasher&) = delete;
  BackgroundHasher& operator=(const BackgroundHasher&) = delete;

  void Update(std::string_view data);
  // The raw digest of everything given; call once, after the last Update.
  std::string Final();

 private:
  static constexpr std::size_t kDepth = 4;
  void Run();

  Hasher hasher_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queued_;  // waiting to be hashed, oldest first
  std::vector<std::string> spare_;  // emptied buffers, reused (no allocation per chunk)
  bool hashing_ = false;            // the thread holds a chunk outside the queue
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace tcoder::crypto
