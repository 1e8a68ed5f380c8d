// The edge's /premium/ rule (docs/edge.md, docs/security.md): which paths need a token, where the
// token is found, and whether it is an HS256 JWT, signed with the JWT secret,
// whose is_premium claim is the JSON boolean true and whose exp/nbf hold.
// Also mints such tokens (`tcoder token`). Tokens are never logged.
// Thread-safety: pure functions, safe from any thread.
#pragma once

#include <chrono>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace tcoder::edge {

// The answer for one token. `reason` says why it was denied, in words safe
// to log and to show (it never contains the token).
struct Verdict {
  bool allowed = false;
  std::string reason;
};

// Tokens longer than this are denied unread.
inline constexpr std::size_t kMaxTokenLength = 8192;

// Whether `token` may read /premium/ paths at `now` when signed with `secret`.
// Anything malformed, unsigned, signed otherwise or with another algorithm
// than HS256, expired (now >= exp), not yet valid (now < nbf), or without
// "is_premium": true is denied. An empty secret denies everything.
Verdict AuthorizePremium(std::string_view token, std::string_view secret, std::time_t now);

// The request's token, first found wins: the query's `token` parameter
// (URL-decoded; the first one if repeated), then `Authorization: Bearer`, then
// the X-TCoder-Token header. Empty values count as absent. Pass the raw query
// string (without '?') and the raw header values ("" when absent).
std::optional<std::string> FindToken(std::string_view query_string, std::string_view authorization_header,
                                     std::string_view x_tcoder_token_header);

// Whether a request for `path` (the raw request path; a query after '?' is
// ignored) needs a premium token. Decides safely: a path that does not start
// with '/' needs one; otherwise the path is URL-decoded
// (repeatedly), case-folded, '\' is read as '/', empty and "." segments are
// dropped, and the answer is yes if its first segment is "premium" either
// before or after ".." is resolved, if ".." climbs above the root, or if the
// path cannot be decoded.
bool NeedsToken(std::string_view path);

// The whole rule for one request: paths that need no token are allowed;
// others need the first token found (FindToken) to pass AuthorizePremium.
Verdict AuthorizeRequest(std::string_view path, std::string_view query_string, std::string_view authorization_header,
                         std::string_view x_tcoder_token_header, std::string_view secret, std::time_t now);

// An HS256 token with "is_premium": premium, "iat": now and "exp": now + ttl.
// InvalidArgument when the secret is empty or ttl is not positive.
Result<std::string> MintToken(std::string_view secret, bool premium, std::chrono::seconds ttl, std::time_t now);

}  // namespace tcoder::edge
