// ByteProxy: a TCP forwarder on 127.0.0.1 that counts the bytes clients send
// through it, so a test can see how much really went over the wire (for
// instance what a resumed upload sent again), independently of what the
// client says. Thread-safety: bytes() and Reset() from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace tcoder::testing {

class ByteProxy {
 public:
  // Forwards 127.0.0.1:port() to 127.0.0.1:upstream_port.
  explicit ByteProxy(int upstream_port);
  ~ByteProxy();
  ByteProxy(const ByteProxy&) = delete;
  ByteProxy& operator=(const ByteProxy&) = delete;

  int port() const { return port_; }
  // Bytes clients sent upstream since the start or the last Reset.
  std::uint64_t bytes() const { return sent_; }
  void Reset() { sent_ = 0; }

 private:
  void Accept();
  void Pipe(int from, int to, bool count);

  int upstream_port_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<std::uint64_t> sent_{0};
  std::mutex mu_;
  std::vector<int> fds_;
  std::vector<std::thread> threads_;
  std::thread acceptor_;
};

}  // namespace tcoder::testing
