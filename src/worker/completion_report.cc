#include "worker/completion_report.h"

#include <ctime>
#include <thread>

#include "common/json_text.h"
#include "http/curl_transport.h"

namespace tcoder::worker {

nlohmann::json ReportBody(const CompletionReport& r) {
  nlohmann::json body = {{"jobId", r.job_id},
                         {"token", r.token},
                         {"machineId", r.machine_id},
                         {"status", r.status},
                         {"attempts", r.attempts}};
  if (!r.error.empty()) body["error"] = r.error;
  return body;
}

std::string ReportId(const CompletionReport& r) { return "jr_" + r.job_id + "_" + r.token + "_" + r.status; }

CompletionReporter::CompletionReporter(ReporterOptions options, WebhookSigner signer,
                                       std::unique_ptr<http::HttpTransport> transport)
    : options_(std::move(options)),
      signer_(std::move(signer)),
      transport_(std::move(transport)),
      sleep_([](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); }) {}

Result<std::unique_ptr<CompletionReporter>> CompletionReporter::Create(ReporterOptions options, std::string_view secret,
                                                                       std::unique_ptr<http::HttpTransport> transport) {
  if (!options.control_url.starts_with("http://") && !options.control_url.starts_with("https://")) {
    return InvalidArgument("control URL must start with http:// or https://");
  }
  while (options.control_url.ends_with("/")) options.control_url.pop_back();
  if (options.max_attempts < 1) return InvalidArgument("report attempts must be >= 1");
  auto signer = WebhookSigner::FromSecret(secret);
  if (!signer.ok()) return signer.status().WithContext("internal secret");
  if (!transport) transport = std::make_unique<http::CurlTransport>();
  return std::unique_ptr<CompletionReporter>(
      new CompletionReporter(std::move(options), std::move(*signer), std::move(transport)));
}

Result<long> CompletionReporter::Post(const std::string& id, const std::string& body) {
  auto headers = signer_.Sign(id, static_cast<std::int64_t>(std::time(nullptr)), body);
  if (!headers.ok()) return headers.status();
  http::HttpRequest req{.method = "POST", .url = options_.control_url + "/webhooks/job-complete"};
  req.headers = {{"Content-Type", "application/json"},
                 {std::string(kWebhookIdHeader), headers->id},
                 {std::string(kWebhookTimestampHeader), headers->timestamp},
                 {std::string(kWebhookSignatureHeader), headers->signature}};
  req.body = body;
  req.max_body_bytes = 64 << 10;
  req.timeouts.connect = options_.request_timeout;
  req.timeouts.total = options_.request_timeout;
  auto response = transport_->Send(req);
  if (!response.ok()) return response.status();
  return response->status;
}

Status CompletionReporter::Send(const CompletionReport& report) {
  const std::string id = ReportId(report);
  const std::string body = JsonText(ReportBody(report));
  Status last = Unavailable("not sent");
  for (int attempt = 1; attempt <= options_.max_attempts; ++attempt) {
    if (attempt > 1) sleep_(options_.backoff_base * (1 << (attempt - 2)));
    auto status = Post(id, body);  // signed again each time: a fresh timestamp
    if (status.ok() && *status >= 200 && *status < 300) return Status::Ok();
    if (status.ok() && *status == 401) return Status(Code::kUnauthenticated, "control plane refused the report (401)");
    if (status.ok() && *status != 429 && *status < 500) {
      return InvalidArgument("control plane answered " + std::to_string(*status));
    }
    if (!status.ok() && status.status().code() != Code::kUnavailable) return status.status();
    last = status.ok() ? Unavailable("control plane answered " + std::to_string(*status)) : status.status();
  }
  return last.WithContext("completion report after " + std::to_string(options_.max_attempts) + " attempts");
}

}  // namespace tcoder::worker
