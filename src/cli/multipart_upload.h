// Multipart uploads of `tcoder transcode` (docs/api.md): a new one from the
// POST /api/upload answer, or the resumption of one UploadResume remembers.
//
// The record is saved before the first part goes and forgotten once the
// upload is completed (or is found over: the job failed, was cancelled or is
// gone). Resuming asks GET /api/uploads/{id} which parts the store has and
// sends only the others (and any of the wrong size); completing asks
// POST …/complete, and sends once more any part it reports missing. A job
// whose upload was already completed is simply followed. An interrupted
// upload is left as it is, for the next run to resume.
//
// Thread-safety: one thread (the parts go from PartSender's own threads).
#pragma once

#include <functional>
#include <optional>
#include <ostream>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/api_client.h"
#include "cli/part_sender.h"
#include "cli/upload_resume.h"

namespace tcoder::cli {

// One API request: method, path, JSON body.
using ApiCall =
    std::function<Result<ApiResponse>(const std::string& method, const std::string& path, const std::string& body)>;

struct MultipartContext {
  ApiCall api;
  const UploadResume* resume = nullptr;
  std::filesystem::path file;
  PartSenderOptions options;
  UploadProgress on_progress;
  std::ostream* notes = nullptr;  // "resuming job …" lines; null for none
};

struct MultipartResult {
  std::string job_id;
  bool resumed = false;
  int parts_in_store = 0;  // parts the store had when it resumed
  SentParts sent;
};

// Resumes the upload the record names, if it can still be resumed; nullopt
// when there is none to resume (the record, if any, is forgotten). Errors:
// the API cannot be reached or failed (the record is kept), or a part could
// not be sent.
[[nodiscard]] Result<std::optional<MultipartResult>> ResumeMultipart(const MultipartContext& ctx);

// Sends a new multipart upload given POST /api/upload's answer and completes it.
[[nodiscard]] Result<MultipartResult> SendMultipart(const MultipartContext& ctx, const nlohmann::json& ticket);

}  // namespace tcoder::cli
