#include "control/routes.h"

#include <array>

#include "control/api.h"

namespace tcoder::control {
namespace {

using http::Exchange;
using http::Task;

// Adapts a handler that takes no {id} to the table's signature.
template <Task<void> (*Handler)(ApiContext&, Exchange&)>
Task<void> NoId(ApiContext& ctx, Exchange& ex, const std::string& /*id*/) {
  return Handler(ctx, ex);
}

constexpr unsigned kGetHead = kGet | kHead;

// Every route. The web page's files (api_system.cc) are listed one by one, so
// that any other path is a 404 whatever the method.
constexpr Route kRoutes[] = {
    {kGetHead, "/", NoId<ServeRoot>, false},
    {kGet, "/metrics", NoId<GetMetrics>, false},
    {kPost, "/webhooks/job-complete", NoId<PostJobComplete>, false},  // signed by the worker
    {kPost, "/api/events/s3", NoId<PostStorageEvents>, false},        // its own token
    {kPost, "/api/upload", NoId<PostUpload>, true},
    {kGet, "/api/uploads/{id}", GetUpload, true},
    {kPost, "/api/uploads/{id}/parts", PostUploadParts, true},
    {kPost, "/api/uploads/{id}/complete", PostUploadComplete, true},
    {kPost, "/api/jobs", NoId<PostJob>, true},
    {kGet, "/api/jobs", NoId<ListJobs>, true},
    {kGet, "/api/jobs/{id}", GetJob, true},
    {kDelete, "/api/jobs/{id}", CancelJob, true},
    {kGet, "/api/jobs/{id}/events", JobEvents, true},
    {kPost, "/api/jobs/{id}/retry", RetryJob, true},
    {kPost, "/api/jobs/{id}/requeue", RequeueJob, true},
    {kPost, "/api/jobs/{id}/fail", FailJob, true},
    {kGetHead, "/api/status", NoId<GetStatus>, true},
    {kGetHead, "/api/stats", NoId<GetStats>, true},
    {kGet, "/api/machines", NoId<GetMachines>, true},
    {kGet, "/api/queue", NoId<GetQueue>, true},
    {kPost, "/api/machines/{id}/drain", ActOnMachine<state::MachineAction::kDrain>, true},
    {kPost, "/api/machines/{id}/start", ActOnMachine<state::MachineAction::kStart>, true},
    {kPost, "/api/machines/{id}/stop", ActOnMachine<state::MachineAction::kStop>, true},
    {kPost, "/api/machines/{id}/destroy", ActOnMachine<state::MachineAction::kDestroy>, true},
    {kGet, "/api/system/events", NoId<SystemEvents>, true},
    {kGetHead, "/index.html", NoId<ServeWebFile>, false},
    {kGetHead, "/app.js", NoId<ServeWebFile>, false},
    {kGetHead, "/upload.js", NoId<ServeWebFile>, false},
    {kGetHead, "/system.js", NoId<ServeWebFile>, false},
    {kGetHead, "/style.css", NoId<ServeWebFile>, false},
    {kGetHead, "/hls.min.js", NoId<ServeWebFile>, false},
    {kGetHead, "/favicon.svg", NoId<ServeWebFile>, false},
    {kGetHead, "/favicon.ico", NoId<ServeWebFile>, false},
};

constexpr std::array<std::pair<Method, std::string_view>, 4> kMethodNames = {
    {{kGet, "GET"}, {kHead, "HEAD"}, {kPost, "POST"}, {kDelete, "DELETE"}}};

unsigned MethodBit(std::string_view method) {
  for (const auto& [bit, name] : kMethodNames) {
    if (method == name) return bit;
  }
  return 0;
}

std::string AllowValue(unsigned methods) {
  std::string out;
  for (const auto& [bit, name] : kMethodNames) {
    if ((methods & bit) == 0) continue;
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

// True when `path` matches `pattern` segment by segment; the segment under
// {id} goes to `id`. Paths not starting with '/' ("*", absolute URLs) match nothing.
bool Matches(std::string_view pattern, std::string_view path, std::string& id) {
  if (path.empty() || path.front() != '/') return false;
  pattern.remove_prefix(1);
  path.remove_prefix(1);
  std::string_view found;
  while (true) {
    const std::size_t pattern_end = pattern.find('/');
    const std::size_t path_end = path.find('/');
    const std::string_view want = pattern.substr(0, pattern_end);
    const std::string_view got = path.substr(0, path_end);
    if (want == "{id}") {
      found = got;
    } else if (want != got) {
      return false;
    }
    const bool pattern_done = pattern_end == std::string_view::npos;
    const bool path_done = path_end == std::string_view::npos;
    if (pattern_done != path_done) return false;  // one has more segments than the other
    if (pattern_done) break;
    pattern.remove_prefix(pattern_end + 1);
    path.remove_prefix(path_end + 1);
  }
  id = std::string(found);
  return true;
}

}  // namespace

std::span<const Route> Routes() { return kRoutes; }

RouteMatch MatchRoute(std::string_view method, std::string_view path) {
  RouteMatch match;
  const unsigned bit = MethodBit(method);
  unsigned path_methods = 0;
  for (const Route& route : kRoutes) {
    std::string id;
    if (!Matches(route.pattern, path, id)) continue;
    path_methods |= route.methods;
    match.needs_key = match.needs_key || route.needs_key;
    if ((route.methods & bit) == 0 || match.route != nullptr) continue;
    match.route = &route;
    match.id = std::move(id);
  }
  if (match.route != nullptr) {
    match.kind = RouteMatch::Kind::kFound;
    match.needs_key = match.route->needs_key;
  } else if (path_methods != 0) {
    match.kind = RouteMatch::Kind::kWrongMethod;
    match.allow = AllowValue(path_methods);
  }
  return match;
}

}  // namespace tcoder::control
