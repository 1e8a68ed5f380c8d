// CompletionReport: the worker's signed notice to the control plane that a job
// ended (POST <control-url>/webhooks/job-complete), signed the Standard
// Webhooks way with the internal secret.
//
// The report is a notification (Redis is the source of truth): Send() retries
// connection errors, 429 and 5xx a few times with backoff and then gives up.
// Thread-safety: a CompletionReporter is used by one thread at a time.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "common/webhook_signature.h"
#include "http/transport.h"

namespace tcoder::worker {

struct CompletionReport {
  std::string job_id;
  std::string token;  // the fencing token of the attempt that ended the job
  std::string machine_id;
  std::string status;  // completed | failed | cancelled
  std::string error;   // empty: none
  int attempts = 0;
};

// {jobId, token, machineId, status, error?, attempts}.
nlohmann::json ReportBody(const CompletionReport& report);
// The report's webhook-id: the same for every retry of one job ending.
std::string ReportId(const CompletionReport& report);

struct ReporterOptions {
  std::string control_url;  // "http://127.0.0.1:8787"; no trailing path
  int max_attempts = 4;
  std::chrono::milliseconds backoff_base{500};
  std::chrono::milliseconds request_timeout{5000};
};

class CompletionReporter {
 public:
  // `secret` is the internal secret (whsec_...). transport: null for libcurl.
  static Result<std::unique_ptr<CompletionReporter>> Create(ReporterOptions options, std::string_view secret,
                                                            std::unique_ptr<http::HttpTransport> transport = nullptr);

  // Delivers `report`: OK on a 2xx; kUnavailable after the last retry of a
  // connection error, 429 or 5xx; kInvalidArgument/kUnauthenticated on
  // another answer (not retried).
  Status Send(const CompletionReport& report);

  // For tests: replaces the sleep between retries and the clock.
  void SetSleepForTesting(std::function<void(std::chrono::milliseconds)> sleep) { sleep_ = std::move(sleep); }

 private:
  CompletionReporter(ReporterOptions options, WebhookSigner signer, std::unique_ptr<http::HttpTransport> transport);
  Result<long> Post(const std::string& id, const std::string& body);

  ReporterOptions options_;
  WebhookSigner signer_;
  std::unique_ptr<http::HttpTransport> transport_;
  std::function<void(std::chrono::milliseconds)> sleep_;
};

}  // namespace tcoder::worker
