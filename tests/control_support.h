// Test support for the control plane's integration tests: a private Redis,
// optionally the built-in store (`tcoder storage`), `tcoder control`
// processes on free ports (their log lines kept for assertions), and a small
// libcurl HTTP client. For tests only; one thread drives a ControlStack.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/process.h"
#include "common/secrets.h"
#include "common/temp_dir.h"
#include "state/redis_client.h"
#include "support/redis_server.h"

namespace tcoder::testing {

struct HttpResult {
  long status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string error;                           // status 0: why there was no answer
  nlohmann::json json() const { return nlohmann::json::parse(body, nullptr, false); }
};

// One request; headers as "Name: value". Fails the test on a transport error.
HttpResult Http(const std::string& method, const std::string& url, const std::string& body = "",
                const std::vector<std::string>& headers = {});
// The same without failing the test when there is no answer (status 0, `error` says why).
HttpResult TryHttp(const std::string& method, const std::string& url, const std::string& body = "",
                   const std::vector<std::string>& headers = {});

// A child process whose stderr lines are collected.
class LoggedProcess {
 public:
  LoggedProcess(Subprocess process);
  ~LoggedProcess();
  Subprocess& process() { return *process_; }
  std::vector<std::string> Lines();
  int Count(const std::string& needle);

 private:
  std::unique_ptr<Subprocess> process_;
  std::mutex mu_;
  std::vector<std::string> lines_;
  std::thread reader_;
};

// A helper server the test starts (node, python, tcoder edge): its output
// discarded, SIGTERM on destruction. Fails the test when it does not listen
// on 127.0.0.1:`port` within 30 s.
class ServerProcess {
 public:
  ServerProcess(ProcessSpec spec, int port, const std::string& what);
  ~ServerProcess();

 private:
  std::unique_ptr<Subprocess> process_;
};

class ControlStack {
 public:
  ControlStack();
  // `tcoder storage` on a free port; events go to this stack's Redis unless
  // with_events is false (an "event lost" store).
  void StartStorage(bool with_events = true);
  // Another `tcoder control` on this stack's Redis (`binary`, else this
  // build's tcoder); returns its index.
  int StartControl(const std::vector<std::string>& extra_args = {}, const std::filesystem::path& binary = {});
  void StopControl(int index);

  std::string api(int index = 0) const { return "http://127.0.0.1:" + std::to_string(control_ports_[index]); }
  std::string s3_endpoint() const { return "http://127.0.0.1:" + std::to_string(storage_port_); }
  std::string redis_url() const;
  std::vector<std::string> auth() const { return {"Authorization: Bearer " + secrets_.api_key}; }
  const Secrets& secrets() const { return secrets_; }
  state::RedisClient& redis() { return *redis_client_; }
  LoggedProcess& control(int index) { return *controls_[index]; }
  const std::filesystem::path& data_dir() const { return data_.path(); }

  // POST /api/upload; returns the answer's JSON (asserts 201).
  nlohmann::json Upload(const nlohmann::json& request);
  // GET /api/jobs/{id}'s JSON.
  nlohmann::json Job(const std::string& id, int index = 0);
  // Polls the job until its status is `status` (up to `seconds`).
  bool WaitForStatus(const std::string& id, const std::string& status, int seconds);
  // Number of Redis keys matching `pattern` (e.g. "*job:*").
  long long CountKeys(const std::string& pattern);

 private:
  std::unique_ptr<RedisServer> redis_;
  std::unique_ptr<state::RedisClient> redis_client_;
  TempDir data_;
  Secrets secrets_;
  std::unique_ptr<Subprocess> storage_;
  int storage_port_ = 0;
  std::vector<std::unique_ptr<LoggedProcess>> controls_;
  std::vector<int> control_ports_;
};

// PUTs `data` to a presigned URL with libcurl; returns the HTTP status.
long PutToUrl(const std::string& url, const std::string& data);

}  // namespace tcoder::testing
