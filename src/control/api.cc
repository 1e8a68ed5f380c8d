#include "control/api.h"

#include <vector>

#include "common/crypto.h"
#include "common/json_text.h"
#include "common/log.h"

namespace tcoder::control {
namespace {

using http::Exchange;
using http::Task;

std::vector<std::string> Split(std::string_view path) {
  std::vector<std::string> parts;
  size_t start = 1;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    parts.emplace_back(path.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

Task<void> RouteJobs(ApiContext& ctx, Exchange& ex, const std::vector<std::string>& p) {
  const std::string& m = ex.request().method;
  if (p.size() == 2) {
    if (m == "POST") co_return co_await PostJob(ctx, ex);
    if (m == "GET") co_return co_await ListJobs(ctx, ex);
    co_return co_await SendError(ex, MethodNotAllowed());
  }
  const std::string& id = p[2];
  if (p.size() == 3) {
    if (m == "GET") co_return co_await GetJob(ctx, ex, id);
    if (m == "DELETE") co_return co_await CancelJob(ctx, ex, id);
    co_return co_await SendError(ex, MethodNotAllowed());
  }
  if (p.size() == 4 && p[3] == "events") {
    if (m == "GET") co_return co_await JobEvents(ctx, ex, id);
    co_return co_await SendError(ex, MethodNotAllowed());
  }
  if (p.size() == 4 && p[3] == "retry") {
    if (m == "POST") co_return co_await RetryJob(ctx, ex, id);
    co_return co_await SendError(ex, MethodNotAllowed());
  }
  co_await SendError(ex, NoSuchEndpoint());
}

Task<void> RouteApi(ApiContext& ctx, Exchange& ex, const std::vector<std::string>& p) {
  const std::string& m = ex.request().method;
  if (p.size() == 3 && p[1] == "events" && p[2] == "s3") {
    if (m == "POST") co_return co_await PostStorageEvents(ctx, ex);
    co_return co_await SendError(ex, MethodNotAllowed());
  }
  if (!BearerMatches(ex.request(), ctx.options.api_key)) {
    ApiError e{401, "missing or wrong API key (Authorization: Bearer <key>)", nullptr};
    co_return co_await SendError(ex, e);
  }
  if (p.size() >= 2 && p[1] == "jobs") co_return co_await RouteJobs(ctx, ex, p);
  if (p.size() == 2 && p[1] == "upload") {
    if (m == "POST") co_return co_await PostUpload(ctx, ex);
    co_return co_await SendError(ex, MethodNotAllowed());
  }
  if (p.size() == 2 && p[1] == "status" && (m == "GET" || m == "HEAD")) co_return co_await GetStatus(ctx, ex);
  if (p.size() == 2 && p[1] == "stats" && (m == "GET" || m == "HEAD")) co_return co_await GetStats(ctx, ex);
  co_await SendError(ex, NoSuchEndpoint());
}

}  // namespace

bool BearerMatches(const http::Request& req, const std::string& key) {
  std::string_view auth = req.Get("Authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (key.empty() || auth.size() <= kBearer.size() || auth.substr(0, kBearer.size()) != kBearer) return false;
  return crypto::ConstantTimeEquals(auth.substr(kBearer.size()), key);
}

Task<void> SendJson(Exchange& ex, int status, const nlohmann::json& body, http::Headers extra) {
  extra.push_back({"Content-Type", "application/json"});
  extra.push_back({"Cache-Control", "no-store"});
  Status s = co_await ex.Respond(status, std::move(extra), JsonText(body) + "\n");
  (void)s;
}

Task<void> SendError(Exchange& ex, const ApiError& error) {
  http::Headers headers = {{"Content-Type", "application/json"}, {"Cache-Control", "no-store"}};
  if (error.retry_after > 0) headers.push_back({"Retry-After", std::to_string(error.retry_after)});
  if (error.status == 401) headers.push_back({"WWW-Authenticate", "Bearer"});
  Status s = co_await ex.Respond(error.status, std::move(headers), error.Body());
  (void)s;
}

Task<Result<std::string>> ReadBody(Exchange& ex, std::size_t limit) {
  if (ex.request().content_length.value_or(0) > limit)
    co_return Status(Code::kTooLarge, "request body over " + std::to_string(limit) + " bytes");
  std::string body;
  char buf[16 * 1024];
  while (true) {
    auto n = co_await ex.ReadBody(buf, sizeof(buf));
    // The client's doing (cut short, too slow), answered 400 rather than 500.
    if (!n.ok()) co_return Status(Code::kInvalidArgument, "request body unreadable: " + n.status().message());
    if (*n == 0) break;
    body.append(buf, *n);
    if (body.size() > limit) co_return Status(Code::kTooLarge, "request body over " + std::to_string(limit) + " bytes");
  }
  co_return body;
}

Task<void> HandleApi(ApiContext& ctx, Exchange& ex) {
  const http::Request& req = ex.request();
  std::vector<std::string> p = Split(req.path);
  if (!p.empty() && p[0] == "api") co_return co_await RouteApi(ctx, ex, p);
  if (req.path == "/" && (req.method == "GET" || req.method == "HEAD")) co_return co_await ServeRoot(ctx, ex);
  if (req.path == "/metrics" && req.method == "GET") co_return co_await GetMetrics(ctx, ex);
  if (req.path == "/webhooks/job-complete") {
    if (req.method == "POST") co_return co_await PostJobComplete(ctx, ex);
    co_return co_await SendError(ex, MethodNotAllowed());
  }
  if (req.method == "GET" || req.method == "HEAD") co_return co_await ServeWebFile(ctx, ex);
  co_await SendError(ex, NoSuchEndpoint());
}

}  // namespace tcoder::control
