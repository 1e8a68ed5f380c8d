#include "cli/job_follow.h"

#include <chrono>
#include <thread>

namespace tcoder::cli {
namespace {

bool IsEnded(const nlohmann::json& j) {
  const std::string s = j.is_object() ? j.value("status", "") : "";
  return s == "completed" || s == "failed" || s == "cancelled";
}

Result<nlohmann::json> GetJob(ApiClient& api, const std::string& id) {
  auto r = api.Call("GET", "/api/jobs/" + id);
  if (!r.ok()) return r.status();
  if (r->status != 200 || !r->body.is_object()) {
    const std::string why = r->status == 200 ? "HTTP 200: " + r->raw : ResponseError(r);
    return Status(r->status == 404 ? Code::kNotFound : Code::kUnavailable, "GET /api/jobs/" + id + ": " + why);
  }
  return r->body;
}

// Reads the event stream until the job ends or the stream breaks.
bool Stream(ApiClient& api, const std::string& id, const JobUpdate& on_update) {
  SseParser parser;
  bool ended = false;
  auto on_piece = [&](std::string_view piece) {
    parser.Feed(piece, [&](const std::string& payload) {
      auto json = nlohmann::json::parse(payload, nullptr, false);
      if (!json.is_object()) return;
      on_update(json);
      if (IsEnded(json)) ended = true;
    });
    return !ended;  // stops the transfer once the job ended
  };
  (void)api.Stream("/api/jobs/" + id + "/events", on_piece);
  return ended;
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

Result<nlohmann::json> FollowJob(ApiClient& api, const std::string& job_id, const JobUpdate& on_update) {
  // The stream, reconnected a few times; then polling once a second.
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (Stream(api, job_id, on_update)) return GetJob(api, job_id);
    auto job = GetJob(api, job_id);
    if (job.ok() && IsEnded(*job)) return job;
    if (!job.ok() && job.status().code() == Code::kNotFound) return job;
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  while (true) {
    auto job = GetJob(api, job_id);
    if (!job.ok() && job.status().code() == Code::kNotFound) return job;
    if (job.ok()) {
      on_update(*job);
      if (IsEnded(*job)) return job;
    }
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
}

}  // namespace tcoder::cli
