// The control plane's routing table: every route of its HTTP API as
// {methods, path pattern, handler, needs the API key}, and the match of a
// request's method and path against it. docs/api.md describes each route.
//
// Thread-safety: the table is constant; MatchRoute is a pure function.
#pragma once

#include <utility>  // Boost 1.74's awaitable.hpp needs it first with GCC 12

#include <span>
#include <string>
#include <string_view>

#include "http/server.h"

namespace tcoder::control {

struct ApiContext;

// A route's handler; `id` is the path's {id} segment, still percent-encoded
// ("" when the pattern has none).
using RouteHandler = http::Task<void> (*)(ApiContext& ctx, http::Exchange& ex, const std::string& id);

// Bits of a route's method set. Any other method matches no route.
enum Method : unsigned { kGet = 1, kHead = 2, kPost = 4, kDelete = 8 };

struct Route {
  unsigned methods;          // Method bits
  std::string_view pattern;  // "/api/jobs/{id}/events": literal segments; {id} is any one segment
  RouteHandler handler;
  bool needs_key;  // Authorization: Bearer <API key>; the other routes check their own credentials
};

// The table, in the order the dispatcher walks it.
std::span<const Route> Routes();

struct RouteMatch {
  enum class Kind { kFound, kNoSuchPath, kWrongMethod };
  Kind kind = Kind::kNoSuchPath;
  const Route* route = nullptr;  // kFound: the route to run
  std::string id;                // kFound: its {id} segment
  bool needs_key = false;        // a route of this path needs the API key
  std::string allow;             // kWrongMethod: the path's methods ("GET, HEAD"), for an Allow header
};

// The route for `method` on `path` (the request's path, without its query).
RouteMatch MatchRoute(std::string_view method, std::string_view path);

}  // namespace tcoder::control
