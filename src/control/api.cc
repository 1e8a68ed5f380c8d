#include "control/api.h"

#include <optional>

#include "common/crypto.h"
#include "common/json_text.h"
#include "common/log.h"
#include "control/routes.h"

namespace tcoder::control {
namespace {

using http::Exchange;
using http::Task;

// The refusal of a request before its handler runs: no route for the path
// (404), the API key missing or wrong (401), or a method the path does not
// take (405 with Allow); nullopt when the route's handler should run.
std::optional<ApiError> Refusal(const ApiContext& ctx, const http::Request& req, const RouteMatch& match) {
  if (match.kind == RouteMatch::Kind::kNoSuchPath) return NoSuchEndpoint();
  if (match.needs_key && !BearerMatches(req, ctx.options.api_key)) {
    return ApiError{401, "missing or wrong API key (Authorization: Bearer <key>)", nullptr};
  }
  if (match.kind == RouteMatch::Kind::kWrongMethod) return MethodNotAllowed(match.allow);
  return std::nullopt;
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
  if (!error.allow.empty()) headers.push_back({"Allow", error.allow});
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

// Walks the routing table (routes.cc) once per request.
Task<void> HandleApi(ApiContext& ctx, Exchange& ex) {
  const RouteMatch match = MatchRoute(ex.request().method, ex.request().path);
  const std::optional<ApiError> refusal = Refusal(ctx, ex.request(), match);
  if (refusal) co_return co_await SendError(ex, *refusal);
  co_await match.route->handler(ctx, ex, match.id);
}

}  // namespace tcoder::control
