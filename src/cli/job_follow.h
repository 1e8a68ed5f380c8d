// Following a job from the CLI: its Server-Sent Events stream
// (GET /api/jobs/{id}/events) read through the ApiClient, falling back to
// polling GET /api/jobs/{id} when the stream is not available.
//
// Thread-safety: one thread.
#pragma once

#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/api_client.h"
#include "common/status.h"

namespace tcoder::cli {

// Called with each event's data (status and/or progress; the first is the
// whole job).
using JobUpdate = std::function<void(const nlohmann::json&)>;

// Splits a text/event-stream into events' data payloads (multi-line data
// joined with '\n'); comments and other fields are skipped.
class SseParser {
 public:
  // Feeds bytes; calls `on_data` for each complete event.
  void Feed(std::string_view bytes, const std::function<void(const std::string&)>& on_data);

 private:
  std::string line_;
  std::string data_;
  bool has_data_ = false;
};

// Follows the job until it ends and returns its final record (as
// GET /api/jobs/{id} gives it).
Result<nlohmann::json> FollowJob(ApiClient& api, const std::string& job_id, const JobUpdate& on_update);

}  // namespace tcoder::cli
