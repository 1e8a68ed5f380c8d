// Parsing and validation of the job options that POST /api/upload and
// POST /api/jobs accept, into a state::JobSpec. Every refusal names the field
// and the reason; nothing is written before a request passed.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "control/api_error.h"
#include "state/job.h"

namespace tcoder::control {

struct RequestLimits {
  std::uint64_t max_upload_size = 10ull << 30;
  std::size_t max_filename = 255;
  std::size_t max_metadata = 16 * 1024;  // serialized JSON bytes
  std::size_t max_webhook_url = 2048;
};

enum class RequestKind { kUpload, kJob };

struct JobRequest {
  state::JobSpec spec;
  std::string input_url;          // POST /api/jobs with inputUrl
  std::optional<bool> multipart;  // POST /api/upload: in parts (true), one PUT (false), or the server's choice
};

// Parses the body; for kUpload a filename is required, for kJob an inputKey
// or an inputUrl. Returns the spec (input_key left empty for uploads) or the
// 400/413 answer.
std::variant<JobRequest, ApiError> ParseJobRequest(std::string_view body, RequestKind kind,
                                                   const RequestLimits& limits);

// The filename as it may appear in an object key: [A-Za-z0-9._-], others '_'.
std::string SanitizeFilename(std::string_view filename);
// The input key of an uploaded file: uploads/<jobId>/<sanitized filename>.
std::string UploadKey(std::string_view job_id, std::string_view filename);
// Checks an http(s) URL for webhooks: scheme, host, length, no spaces.
bool IsValidWebhookUrl(std::string_view url, std::size_t max_length);

}  // namespace tcoder::control
