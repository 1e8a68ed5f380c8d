// GET /, the web page's files, GET /api/status, GET /api/stats, GET /metrics.
#include <chrono>
#include <filesystem>

#include "common/duration.h"
#include "common/file_util.h"
#include "control/api.h"
#include "state/stats.h"
#include "web/web_assets.h"

namespace tcoder::control {
namespace {

using http::Exchange;
using http::Task;

// The page from --web-dir when one is given (working on the page), else as
// built into the binary.
Task<void> SendFile(ApiContext& ctx, Exchange& ex, const web::WebAsset& f) {
  // Named errors: GCC 12 destroys a braced temporary in `co_return co_await` twice.
  const ApiError not_found{404, "not found", nullptr};
  std::string data;
  if (ctx.options.web_dir.empty()) {
    if (f.data.empty()) co_return co_await SendError(ex, not_found);
    data = std::string(f.data);
  } else {
    auto read = ReadFile(std::filesystem::path(ctx.options.web_dir) / f.file);
    if (!read.ok()) co_return co_await SendError(ex, not_found);
    data = std::move(*read);
  }
  http::Headers headers = {{"Content-Type", std::string(f.type)}, {"Cache-Control", "no-cache"}};
  Status s = co_await ex.Respond(200, headers, std::move(data));
  (void)s;
}

}  // namespace

Task<void> ServeRoot(ApiContext& ctx, Exchange& ex) {
  std::string_view accept = ex.request().Get("Accept");
  if (accept.find("text/html") != std::string_view::npos)
    co_return co_await SendFile(ctx, ex, web::WebAssets().front());
  nlohmann::json reply = {{"status", "ok"}, {"service", "tcoder"}};
  co_await SendJson(ex, 200, reply);
}

Task<void> ServeWebFile(ApiContext& ctx, Exchange& ex) {
  if (const web::WebAsset* f = web::FindWebAsset(ex.request().path)) co_return co_await SendFile(ctx, ex, *f);
  co_await SendError(ex, NoSuchEndpoint());
}

Task<void> GetStatus(ApiContext& ctx, Exchange& ex) {
  auto start = std::chrono::steady_clock::now();
  const Status ping = co_await ctx.mux->Ping();
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  nlohmann::json body = {{"status", ping.ok() ? "ok" : "degraded"},
                         {"service", "tcoder"},
                         {"time", IsoTimestamp(UnixMillis())},
                         {"redis", {{"connected", ping.ok()}, {"latencyMs", ping.ok() ? ms : 0.0}}}};
  if (!ping.ok()) body["redis"]["error"] = ping.message();
  co_await SendJson(ex, ping.ok() ? 200 : 503, body);
}

Task<void> GetStats(ApiContext& ctx, Exchange& ex) {
  auto read = [&](state::RedisClient& redis) { return state::GetStats(redis, ctx.keys, ctx.options.max_machines); };
  auto stats = co_await ctx.blocking->Run(read);
  if (!stats.ok()) co_return co_await SendError(ex, FromStatus(stats.status()));
  co_await SendJson(ex, 200, *stats);
}

Task<void> GetMetrics(ApiContext& ctx, Exchange& ex) {
  auto render = [&](state::RedisClient& redis) {
    return RenderMetrics(redis, ctx.keys, ctx.options.max_machines, *ctx.metrics);
  };
  auto text = co_await ctx.blocking->Run(render);
  if (!text.ok()) co_return co_await SendError(ex, FromStatus(text.status()));
  http::Headers headers = {{"Content-Type", "text/plain; version=0.0.4; charset=utf-8"}};
  Status s = co_await ex.Respond(200, headers, std::move(*text));
  (void)s;
}

}  // namespace tcoder::control
