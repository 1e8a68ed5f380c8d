#include "state/job.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <ctime>

#include "common/ascii.h"
#include "common/crypto.h"
#include "common/duration.h"
#include "common/json_text.h"

namespace tcoder::state {
namespace {

constexpr std::array<std::string_view, 7> kStatusNames = {"uploading", "queued", "pending",  "running",
                                                          "completed", "failed", "cancelled"};

std::int64_t ToInt(const std::map<std::string, std::string>& h, const std::string& field) {
  auto it = h.find(field);
  if (it == h.end()) return 0;
  std::int64_t v = 0;
  std::from_chars(it->second.data(), it->second.data() + it->second.size(), v);
  return v;
}

std::string Get(const std::map<std::string, std::string>& h, const std::string& field) {
  auto it = h.find(field);
  return it == h.end() ? "" : it->second;
}

nlohmann::json ParseJsonField(const std::string& text, nlohmann::json fallback) {
  if (text.empty()) return fallback;
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  return j.is_discarded() ? fallback : j;
}

}  // namespace

std::string_view StatusName(JobStatus status) { return kStatusNames[static_cast<size_t>(status)]; }

std::optional<JobStatus> ParseStatus(std::string_view name) {
  for (size_t i = 0; i < kStatusNames.size(); ++i) {
    if (kStatusNames[i] == name) return static_cast<JobStatus>(i);
  }
  return std::nullopt;
}

bool IsEnded(JobStatus s) {
  return s == JobStatus::kCompleted || s == JobStatus::kFailed || s == JobStatus::kCancelled;
}

std::string NewJobId() { return "j_" + crypto::RandomToken(16); }

Status ValidateJobId(std::string_view id) {
  return IsIdentifier(id, 1, 128, "_-") ? Status::Ok() : InvalidArgument("bad job id");
}

Status ValidateSpec(const JobSpec& spec) {
  if (spec.priority < kMinPriority || spec.priority > kMaxPriority) {
    return InvalidArgument("priority must be between " + std::to_string(kMinPriority) + " and " +
                           std::to_string(kMaxPriority));
  }
  if (spec.max_attempts < 1 || spec.max_attempts > 100) return InvalidArgument("max attempts must be 1-100");
  if (spec.input_bucket.empty()) return InvalidArgument("input bucket is required");
  if (spec.input_key.empty() == spec.input_url.empty()) return InvalidArgument("exactly one of input key or URL");
  if (spec.input_bucket.find('/') != std::string::npos) return InvalidArgument("bucket names cannot contain '/'");
  return Status::Ok();
}

std::vector<std::string> SpecFields(const JobSpec& s) {
  std::vector<std::string> fields = {"filename",
                                     s.filename,
                                     "contentType",
                                     s.content_type,
                                     "size",
                                     std::to_string(s.size),
                                     "preset",
                                     s.preset,
                                     "outputQualities",
                                     JsonText(nlohmann::json(s.output_qualities)),
                                     "download",
                                     s.download,
                                     "webhookUrl",
                                     s.webhook_url,
                                     "visibility",
                                     s.visibility,
                                     "priority",
                                     std::to_string(s.priority),
                                     "metadata",
                                     JsonText(s.metadata),
                                     "maxAttempts",
                                     std::to_string(s.max_attempts),
                                     "inputUrl",
                                     s.input_url,
                                     "inputUrlAllowPrivate",
                                     s.input_url_allow_private ? "1" : "0",
                                     "inputUrlMaxBytes",
                                     std::to_string(s.input_url_max_bytes)};
  if (!s.upload_id.empty()) {  // a multipart upload's only
    for (std::string f : {std::string("uploadId"), s.upload_id, std::string("partSize"), std::to_string(s.part_size)})
      fields.push_back(std::move(f));
  }
  return fields;
}

Result<Job> JobFromHash(const std::map<std::string, std::string>& h) {
  Job job;
  job.id = Get(h, "jobId");
  auto status = ParseStatus(Get(h, "status"));
  if (job.id.empty() || !status) return Internal("corrupt job record");
  job.status = *status;
  JobSpec& s = job.spec;
  s.filename = Get(h, "filename");
  s.content_type = Get(h, "contentType");
  s.size = static_cast<std::uint64_t>(ToInt(h, "size"));
  s.preset = Get(h, "preset");
  for (const auto& q : ParseJsonField(Get(h, "outputQualities"), nlohmann::json::array())) {
    if (q.is_string()) s.output_qualities.push_back(q.get<std::string>());
  }
  s.download = Get(h, "download");
  s.webhook_url = Get(h, "webhookUrl");
  s.visibility = Get(h, "visibility");
  s.priority = static_cast<int>(ToInt(h, "priority"));
  s.metadata = ParseJsonField(Get(h, "metadata"), nlohmann::json::object());
  s.input_bucket = Get(h, "inputBucket");
  s.input_key = Get(h, "inputKey");
  s.input_url = Get(h, "inputUrl");
  s.input_url_allow_private = Get(h, "inputUrlAllowPrivate") == "1";
  s.input_url_max_bytes = static_cast<std::uint64_t>(ToInt(h, "inputUrlMaxBytes"));
  s.max_attempts = static_cast<int>(ToInt(h, "maxAttempts"));
  s.upload_id = Get(h, "uploadId");
  s.part_size = static_cast<std::uint64_t>(ToInt(h, "partSize"));
  job.progress = static_cast<int>(ToInt(h, "progress"));
  job.attempts = static_cast<int>(ToInt(h, "attempts"));
  job.machine_id = Get(h, "machineId");
  job.outputs = ParseJsonField(Get(h, "outputs"), nlohmann::json::array());
  job.playlist_url = Get(h, "playlistUrl");
  job.poster_url = Get(h, "posterUrl");
  job.error = Get(h, "error");
  job.cancel_requested = Get(h, "cancelRequested") == "1";
  job.created_at = ToInt(h, "createdAt");
  job.uploaded_at = ToInt(h, "uploadedAt");
  job.queued_at = ToInt(h, "queuedAt");
  job.started_at = ToInt(h, "startedAt");
  job.completed_at = ToInt(h, "completedAt");
  job.updated_at = ToInt(h, "updatedAt");
  return job;
}

nlohmann::json JobToJson(const Job& job) {
  // Field by field: an initializer list would build every value twice.
  const JobSpec& s = job.spec;
  nlohmann::json out = nlohmann::json::object();
  out["jobId"] = job.id;
  out["status"] = StatusName(job.status);
  out["progress"] = job.progress;
  out["machineId"] = JsonOrNull(job.machine_id);
  out["attempts"] = job.attempts;
  out["outputs"] = job.outputs;
  out["playlistUrl"] = JsonOrNull(job.playlist_url);
  out["posterUrl"] = JsonOrNull(job.poster_url);
  out["error"] = JsonOrNull(job.error);
  nlohmann::json& t = out["timestamps"];
  t["createdAt"] = JsonTime(job.created_at);
  t["uploadedAt"] = JsonTime(job.uploaded_at);
  t["queuedAt"] = JsonTime(job.queued_at);
  t["startedAt"] = JsonTime(job.started_at);
  t["completedAt"] = JsonTime(job.completed_at);
  out["filename"] = s.filename;
  out["preset"] = s.preset;
  out["outputQualities"] = s.output_qualities;
  out["download"] = JsonOrNull(s.download);
  out["webhookUrl"] = JsonOrNull(s.webhook_url);
  out["visibility"] = s.visibility;
  out["priority"] = s.priority;
  out["metadata"] = s.metadata;
  out["inputKey"] = s.input_key;
  out["inputUrl"] = JsonOrNull(s.input_url);
  out["contentType"] = JsonOrNull(s.content_type);
  out["size"] = s.size;
  return out;
}

}  // namespace tcoder::state
