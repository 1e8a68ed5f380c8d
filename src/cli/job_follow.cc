#include "cli/job_follow.h"

#include <curl/curl.h>

#include <chrono>
#include <memory>
#include <thread>

namespace tcoder::cli {
namespace {

using Curl = std::unique_ptr<CURL, decltype(&curl_easy_cleanup)>;

bool IsEnded(const nlohmann::json& j) {
  const std::string s = j.is_object() ? j.value("status", "") : "";
  return s == "completed" || s == "failed" || s == "cancelled";
}

size_t Collect(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

struct Request {
  Curl curl{curl_easy_init(), curl_easy_cleanup};
  curl_slist* headers = nullptr;
  ~Request() { curl_slist_free_all(headers); }
};

void Prepare(Request& r, const std::string& url, const std::string& api_key) {
  const std::string auth = "Authorization: Bearer " + api_key;
  r.headers = curl_slist_append(r.headers, auth.c_str());
  curl_easy_setopt(r.curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(r.curl.get(), CURLOPT_HTTPHEADER, r.headers);
  curl_easy_setopt(r.curl.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(r.curl.get(), CURLOPT_CONNECTTIMEOUT_MS, 5000L);
}

Result<nlohmann::json> GetJob(const std::string& server, const std::string& api_key, const std::string& id) {
  Request r;
  if (!r.curl) return Internal("curl_easy_init failed");
  Prepare(r, server + "/api/jobs/" + id, api_key);
  std::string body;
  curl_easy_setopt(r.curl.get(), CURLOPT_WRITEFUNCTION, Collect);
  curl_easy_setopt(r.curl.get(), CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(r.curl.get(), CURLOPT_TIMEOUT_MS, 30000L);
  const CURLcode rc = curl_easy_perform(r.curl.get());
  if (rc != CURLE_OK) return Unavailable(std::string("cannot reach ") + server + ": " + curl_easy_strerror(rc));
  long status = 0;
  curl_easy_getinfo(r.curl.get(), CURLINFO_RESPONSE_CODE, &status);
  auto json = nlohmann::json::parse(body, nullptr, false);
  if (status != 200 || !json.is_object()) {
    const std::string why = json.is_object() ? json.value("error", body) : body;
    return Status(status == 404 ? Code::kNotFound : Code::kUnavailable,
                  "GET /api/jobs/" + id + ": HTTP " + std::to_string(status) + ": " + why);
  }
  return json;
}

struct StreamState {
  SseParser parser;
  const JobUpdate* on_update = nullptr;
  bool ended = false;
  long status = 0;
};

size_t OnStream(char* data, size_t size, size_t n, void* user) {
  auto* s = static_cast<StreamState*>(user);
  s->parser.Feed(std::string_view(data, size * n), [&](const std::string& payload) {
    auto json = nlohmann::json::parse(payload, nullptr, false);
    if (!json.is_object()) return;
    (*s->on_update)(json);
    if (IsEnded(json)) s->ended = true;
  });
  return s->ended ? 0 : size * n;  // 0 stops the transfer once the job ended
}

// Reads the event stream until the job ends or the stream breaks.
bool Stream(const std::string& server, const std::string& api_key, const std::string& id, const JobUpdate& on_update) {
  Request r;
  if (!r.curl) return false;
  Prepare(r, server + "/api/jobs/" + id + "/events", api_key);
  r.headers = curl_slist_append(r.headers, "Accept: text/event-stream");
  StreamState state;
  state.on_update = &on_update;
  curl_easy_setopt(r.curl.get(), CURLOPT_WRITEFUNCTION, OnStream);
  curl_easy_setopt(r.curl.get(), CURLOPT_WRITEDATA, &state);
  // No overall timeout: the stream lasts as long as the job; a silent
  // connection (no heartbeat for 60 s) is given up.
  curl_easy_setopt(r.curl.get(), CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(r.curl.get(), CURLOPT_LOW_SPEED_TIME, 60L);
  curl_easy_perform(r.curl.get());
  return state.ended;
}

}  // namespace

void SseParser::Feed(std::string_view bytes, const std::function<void(const std::string&)>& on_data) {
  for (char c : bytes) {
    if (c != '\n') {
      line_ += c;
      continue;
    }
    if (!line_.empty() && line_.back() == '\r') line_.pop_back();
    if (line_.empty()) {
      if (has_data_) on_data(data_);
      data_.clear();
      has_data_ = false;
    } else if (line_.starts_with("data:")) {
      std::string_view v = std::string_view(line_).substr(5);
      if (v.starts_with(' ')) v.remove_prefix(1);
      if (has_data_) data_ += '\n';
      data_ += v;
      has_data_ = true;
    }
    line_.clear();
  }
}

Result<nlohmann::json> FollowJob(const std::string& server, const std::string& api_key, const std::string& job_id,
                                 const JobUpdate& on_update) {
  // The stream, reconnected a few times; then polling once a second.
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (Stream(server, api_key, job_id, on_update)) return GetJob(server, api_key, job_id);
    auto job = GetJob(server, api_key, job_id);
    if (job.ok() && IsEnded(*job)) return job;
    if (!job.ok() && job.status().code() == Code::kNotFound) return job;
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  while (true) {
    auto job = GetJob(server, api_key, job_id);
    if (!job.ok() && job.status().code() == Code::kNotFound) return job;
    if (job.ok()) {
      on_update(*job);
      if (IsEnded(*job)) return job;
    }
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
}

}  // namespace tcoder::cli
