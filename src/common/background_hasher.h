// BackgroundHasher: feeds a Hasher on a thread of its own, one chunk behind the
// caller, so that hashing a large stream (an upload's MD5 ETag) overlaps the
// caller's socket reads and disk writes instead of adding to them.
//
// Update() copies the chunk (cheap beside hashing it) and returns as soon as
// the previous chunk is hashed. One caller at a time; not thread-safe.
#pragma once

#include <condition_variable>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

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
  void Run();
  void WaitIdle(std::unique_lock<std::mutex>& lock);

  Hasher hasher_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::string chunk_;  // being hashed while full_
  bool full_ = false;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace tcoder::crypto
