#include "control_support.h"

#include <curl/curl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <iostream>

#include <gtest/gtest.h>

#include "state_probe.h"
#include "support/test_env.h"

namespace tcoder::testing {
namespace {

size_t Collect(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

size_t CollectHeader(char* data, size_t size, size_t n, void* out) {
  std::string line(data, size * n);
  auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(), ::tolower);
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) value.pop_back();
    (*static_cast<std::map<std::string, std::string>*>(out))[name] = value;
  }
  return size * n;
}

}  // namespace

HttpResult Http(const std::string& method, const std::string& url, const std::string& body,
                const std::vector<std::string>& headers) {
  HttpResult out = TryHttp(method, url, body, headers);
  EXPECT_NE(out.status, 0) << method << " " << url << ": " << out.error;
  return out;
}

HttpResult TryHttp(const std::string& method, const std::string& url, const std::string& body,
                   const std::vector<std::string>& headers) {
  HttpResult out;
  CURL* c = curl_easy_init();
  curl_slist* list = nullptr;
  for (const auto& h : headers) list = curl_slist_append(list, h.c_str());
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
  if (method == "POST" || method == "PUT" || !body.empty()) {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  }
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, Collect);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &out.body);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, CollectHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &out.headers);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 30000L);
  CURLcode rc = curl_easy_perform(c);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out.status);
  curl_slist_free_all(list);
  curl_easy_cleanup(c);
  if (rc != CURLE_OK) out.status = 0, out.error = curl_easy_strerror(rc);
  return out;
}

long PutToUrl(const std::string& url, const std::string& data) { return Http("PUT", url, data).status; }

LoggedProcess::LoggedProcess(Subprocess process) : process_(std::make_unique<Subprocess>(std::move(process))) {
  int fd = process_->stderr_fd();
  reader_ = std::thread([this, fd] {
    std::string pending;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof(buf))) > 0) {
      pending.append(buf, static_cast<size_t>(n));
      size_t nl;
      while ((nl = pending.find('\n')) != std::string::npos) {
        std::lock_guard lock(mu_);
        lines_.push_back(pending.substr(0, nl));
        pending.erase(0, nl + 1);
      }
    }
  });
}

LoggedProcess::~LoggedProcess() {
  if (process_->running()) process_->Terminate(std::chrono::seconds(20));
  if (reader_.joinable()) reader_.join();
  if (::testing::Test::HasFailure()) {
    for (const auto& line : lines_) std::cerr << "  | " << line << "\n";  // the process's log, to see why
  }
}

ServerProcess::ServerProcess(ProcessSpec spec, int port, const std::string& what) {
  spec.stdout_mode = StdStream::kNull;
  spec.stderr_mode = StdStream::kNull;
  auto process = Subprocess::Spawn(spec);
  EXPECT_TRUE(process.ok()) << what << ": " << process.status().ToString();
  if (!process.ok()) return;
  process_ = std::make_unique<Subprocess>(std::move(*process));
  EXPECT_TRUE(WaitForPort(port, std::chrono::seconds(30))) << what << " did not listen";
}

ServerProcess::~ServerProcess() {
  if (process_) process_->Terminate(std::chrono::seconds(15));
}

std::vector<std::string> LoggedProcess::Lines() {
  std::lock_guard lock(mu_);
  return lines_;
}

int LoggedProcess::Count(const std::string& needle) {
  std::lock_guard lock(mu_);
  return static_cast<int>(std::count_if(lines_.begin(), lines_.end(),
                                        [&](const std::string& l) { return l.find(needle) != std::string::npos; }));
}

ControlStack::ControlStack() : data_(std::move(TempDir::Create("tcoder-control-test").value())) {
  auto redis = RedisServer::Start();
  EXPECT_TRUE(redis.ok()) << redis.status().ToString();
  redis_ = std::move(*redis);
  redis_client_ = std::move(state::RedisClient::Connect(redis_->url()).value());
  secrets_ = LoadOrCreateSecrets(data_.path()).value();
  storage_port_ = FreePort();  // stays unused (a dead endpoint) until StartStorage
}

void ControlStack::StartStorage(bool with_events) {
  ProcessSpec spec;
  spec.argv = {TcoderBinary().string(), "storage",     "--port", std::to_string(storage_port_), "--data-dir",
               data_.path().string(),   "--log-level", "warn"};
  if (with_events) spec.argv.insert(spec.argv.end(), {"--redis-url", redis_->url()});
  spec.stdout_mode = StdStream::kNull;
  spec.stderr_mode = StdStream::kInherit;
  storage_ = std::make_unique<Subprocess>(Subprocess::Spawn(spec).value());
  ASSERT_TRUE(WaitForPort(storage_port_, std::chrono::seconds(20))) << "tcoder storage did not listen";
}

std::string ControlStack::redis_url() const { return redis_->url(); }

int ControlStack::StartControl(const std::vector<std::string>& extra_args, const std::filesystem::path& binary) {
  int port = FreePort();
  ProcessSpec spec;
  spec.argv = {(binary.empty() ? TcoderBinary() : binary).string(),
               "control",
               "--port",
               std::to_string(port),
               "--data-dir",
               data_.path().string(),
               "--redis-url",
               redis_->url(),
               "--s3-endpoint",
               s3_endpoint(),
               "--log-level",
               "info",
               "--threads",
               "2"};
  spec.argv.insert(spec.argv.end(), extra_args.begin(), extra_args.end());
  spec.stdout_mode = StdStream::kNull;
  spec.stderr_mode = StdStream::kPipe;
  auto process = Subprocess::Spawn(spec);
  EXPECT_TRUE(process.ok()) << process.status().ToString();
  controls_.push_back(std::make_unique<LoggedProcess>(std::move(*process)));
  control_ports_.push_back(port);
  EXPECT_TRUE(WaitForPort(port, std::chrono::seconds(30))) << "tcoder control did not listen";
  return static_cast<int>(controls_.size()) - 1;
}

void ControlStack::StopControl(int index) {
  auto status = controls_[index]->process().Terminate(std::chrono::seconds(40));
  EXPECT_TRUE(status.success()) << status.ToString();
}

nlohmann::json ControlStack::Upload(const nlohmann::json& request) {
  HttpResult r = Http("POST", api() + "/api/upload", request.dump(), auth());
  EXPECT_EQ(r.status, 201) << r.body;
  return r.json();
}

nlohmann::json ControlStack::Job(const std::string& id, int index) {
  HttpResult r = Http("GET", api(index) + "/api/jobs/" + id, "", auth());
  EXPECT_EQ(r.status, 200) << r.body;
  return r.json();
}

bool ControlStack::WaitForStatus(const std::string& id, const std::string& status, int seconds) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (Job(id).value("status", "") == status) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

long long ControlStack::CountKeys(const std::string& pattern) { return StateProbe(*redis_client_).CountKeys(pattern); }

}  // namespace tcoder::testing
