// Job: one transcoding job's record as the state store keeps it (a Redis hash),
// its statuses, and its JSON shape for GET /api/jobs/{id}.
//
// JobSpec is what the control plane supplies at creation; Job adds what the
// pipeline fills in. Thread-safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace tcoder::state {

enum class JobStatus { kUploading, kQueued, kPending, kRunning, kCompleted, kFailed, kCancelled };

std::string_view StatusName(JobStatus status);
std::optional<JobStatus> ParseStatus(std::string_view name);
bool IsEnded(JobStatus status);  // completed, failed, cancelled

inline constexpr int kMinPriority = -1000;
inline constexpr int kMaxPriority = 1000;

struct JobSpec {
  std::string filename;
  std::string content_type;
  std::uint64_t size = 0;  // declared size; the object-created event sets the real one
  std::string preset = "hls-adaptive";
  std::vector<std::string> output_qualities;
  std::string download;  // an MP4 download of one rung: a quality, "top", or "" for none
  std::string webhook_url;
  std::string visibility = "public";
  int priority = 0;  // lower runs first; kMinPriority..kMaxPriority
  nlohmann::json metadata = nlohmann::json::object();
  std::string input_bucket = "tcoder-input";
  std::string input_key;
  // Instead of input_key: an http(s) URL the worker downloads the input from,
  // whether it may reach private addresses and how many bytes it may have
  // (the control plane's policy).
  std::string input_url;
  bool input_url_allow_private = false;
  std::uint64_t input_url_max_bytes = 0;  // the control plane's upload limit; 0: the worker's own
  int max_attempts = 3;
  // A multipart upload of the input: the store's upload id and the part size
  // the client was given (docs/api.md); empty and 0 for a single PUT.
  std::string upload_id;
  std::uint64_t part_size = 0;
};

struct Job {
  std::string id;
  JobStatus status = JobStatus::kUploading;
  JobSpec spec;
  int progress = 0;
  int attempts = 0;
  std::string machine_id;
  nlohmann::json outputs = nlohmann::json::array();
  std::string playlist_url;
  std::string poster_url;
  std::string error;
  bool cancel_requested = false;
  // Milliseconds since the epoch (Redis's clock); 0 when not reached.
  std::int64_t created_at = 0, uploaded_at = 0, queued_at = 0, started_at = 0, completed_at = 0;
  std::int64_t updated_at = 0;  // the last status change (not in the JSON shape)
};

// A new job id: "j_" + 22 URL-safe characters (128 random bits).
std::string NewJobId();
// kInvalidArgument unless `id` looks like an id this store would use.
Status ValidateJobId(std::string_view id);
// kInvalidArgument for a spec the store cannot hold (priority, attempts, key).
Status ValidateSpec(const JobSpec& spec);

// The hash fields a spec is stored as (alternating field, value).
std::vector<std::string> SpecFields(const JobSpec& spec);
// A job from its hash; kInternal when the record is corrupt.
Result<Job> JobFromHash(const std::map<std::string, std::string>& hash);
// The GET /api/jobs/{id} shape; timestamps are ISO-8601 UTC or null.
nlohmann::json JobToJson(const Job& job);

}  // namespace tcoder::state
