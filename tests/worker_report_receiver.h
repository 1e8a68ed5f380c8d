// ReportReceiver: a one-shot HTTP endpoint on a free loopback port that keeps
// the first request it gets and answers 200, standing in for the control
// plane's /webhooks/job-complete in the worker's end-to-end tests.
// For tests only; Wait()/request from the test thread.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <thread>

namespace tcoder::testing {

struct ReceivedRequest {
  std::string request_line;                    // "POST /webhooks/job-complete HTTP/1.1"
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
};

class ReportReceiver {
 public:
  ReportReceiver();  // listens at once
  ~ReportReceiver();
  int port() const { return port_; }
  // The first request, once it came within `timeout`.
  bool Wait(std::chrono::milliseconds timeout, ReceivedRequest* out);

 private:
  void Serve();

  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  bool got_ = false;
  ReceivedRequest request_;
  std::thread thread_;
};

}  // namespace tcoder::testing
