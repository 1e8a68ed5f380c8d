#include "edge/jwt.h"

#include <jwt.h>

#include <cctype>
#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>
#include <vector>

#include "common/ascii.h"
#include "http/url.h"

namespace tcoder::edge {
namespace {

constexpr std::string_view kBase64UrlChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr std::chrono::seconds kMaxTtl = std::chrono::hours(24 * 366 * 10);

struct JwtFree {
  void operator()(jwt_t* j) const { jwt_free(j); }
};
using JwtPtr = std::unique_ptr<jwt_t, JwtFree>;
struct CFree {
  void operator()(char* p) const { std::free(p); }
};
using CString = std::unique_ptr<char, CFree>;

Verdict Deny(std::string reason) { return {.allowed = false, .reason = std::move(reason)}; }

// Three parts of base64url characters split by exactly two dots, header and
// payload not empty. libjwt reads the token as a C string and only splits at
// the first two dots, so a NUL byte (e.g. from "%00" in a query) would cut a
// token short and a third dot would end up inside the signature; neither gets
// to libjwt.
bool WellFormed(std::string_view token) {
  if (token.find_first_not_of(std::string(kBase64UrlChars) + ".") != std::string_view::npos) return false;
  const std::size_t first = token.find('.');
  if (first == std::string_view::npos || first == 0) return false;
  const std::size_t second = token.find('.', first + 1);
  if (second == std::string_view::npos || second == first + 1) return false;
  return token.find('.', second + 1) == std::string_view::npos;
}

// exp and nbf are NumericDates: a JSON number when present.
Verdict CheckTimes(const nlohmann::json& claims, std::time_t now) {
  const auto t = static_cast<double>(now);
  if (auto exp = claims.find("exp"); exp != claims.end()) {
    if (!exp->is_number()) return Deny("malformed exp claim");
    if (t >= exp->get<double>()) return Deny("token expired");
  }
  if (auto nbf = claims.find("nbf"); nbf != claims.end()) {
    if (!nbf->is_number()) return Deny("malformed nbf claim");
    if (t < nbf->get<double>()) return Deny("token not valid yet (nbf)");
  }
  return {.allowed = true, .reason = ""};
}

Verdict CheckClaims(jwt_t* jwt, std::time_t now) {
  const CString text(jwt_get_grants_json(jwt, nullptr));
  if (!text) return Deny("malformed claims");
  const nlohmann::json claims = nlohmann::json::parse(text.get(), nullptr, /*allow_exceptions=*/false);
  if (!claims.is_object()) return Deny("malformed claims");
  if (Verdict v = CheckTimes(claims, now); !v.allowed) return v;
  // The JSON boolean true only: not "true", not 1.
  const auto premium = claims.find("is_premium");
  if (premium == claims.end() || !premium->is_boolean() || !premium->get<bool>())
    return Deny("not a premium token (is_premium is not true)");
  return {.allowed = true, .reason = "premium token"};
}

std::optional<std::string> QueryToken(std::string_view query) {
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view param = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    const std::size_t eq = param.find('=');
    if (http::PercentDecode(param.substr(0, eq)) != "token" || eq == std::string_view::npos) continue;
    const std::string_view raw = param.substr(eq + 1);
    if (raw.empty()) continue;
    // An undecodable value is still the token given: returned as it is, it is
    // denied as malformed rather than skipped for a later source.
    return http::PercentDecode(raw).value_or(std::string(raw));
  }
  return std::nullopt;
}

std::optional<std::string> BearerToken(std::string_view header) {
  header = Trim(header);
  constexpr std::string_view kScheme = "bearer";
  if (header.size() <= kScheme.size()) return std::nullopt;
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(header[i])) != kScheme[i]) return std::nullopt;
  }
  if (header[kScheme.size()] != ' ' && header[kScheme.size()] != '\t') return std::nullopt;
  const std::string_view token = Trim(header.substr(kScheme.size()));
  if (token.empty()) return std::nullopt;
  return std::string(token);
}

// The segments of `path` with "." and empty ones dropped, ".." applied,
// lower-cased, each cut at ';' or '#' (path parameters, fragments). Sets
// `first_raw` to the first segment before ".." is applied and `escaped` when
// ".." climbs above the root.
std::vector<std::string> Segments(std::string path, std::string& first_raw, bool& escaped) {
  for (char& c : path) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (c == '\\') c = '/';
  }
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos <= path.size()) {
    std::size_t end = path.find('/', pos);
    if (end == std::string::npos) end = path.size();
    std::string segment = path.substr(pos, end - pos);
    segment = segment.substr(0, segment.find_first_of(";#"));
    pos = end + 1;
    if (segment.empty() || segment == ".") continue;
    if (first_raw.empty()) first_raw = segment;
    if (segment != "..") {
      out.push_back(segment);
    } else if (out.empty()) {
      escaped = true;
    } else {
      out.pop_back();
    }
  }
  return out;
}

// Whether one decoding of the path reaches the premium prefix.
bool ViewIsPremium(const std::string& path) {
  for (char c : path) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return true;  // NUL, CR, LF...: refuse to guess
  }
  std::string first_raw;
  bool escaped = false;
  const std::vector<std::string> resolved = Segments(path, first_raw, escaped);
  return escaped || first_raw == "premium" || (!resolved.empty() && resolved.front() == "premium");
}

}  // namespace

Verdict AuthorizePremium(std::string_view token, std::string_view secret, std::time_t now) {
  if (secret.empty()) return Deny("no JWT secret configured");
  if (token.empty()) return Deny("no token");
  if (token.size() > kMaxTokenLength) return Deny("token too long");
  if (!WellFormed(token)) return Deny("malformed token");
  // libjwt checks the signature with the algorithm the header names (1.10.2
  // compares it in constant time); with a key given it refuses "none" and
  // algorithms it does not know.
  jwt_t* raw = nullptr;
  const std::string token_text(token);
  const int rc = jwt_decode(&raw, token_text.c_str(), reinterpret_cast<const unsigned char*>(secret.data()),
                            static_cast<int>(secret.size()));
  const JwtPtr jwt(raw);
  if (rc != 0 || !jwt) return Deny("invalid token (malformed or bad signature)");
  // libjwt 1.10 cannot be told which algorithm to expect (a token MACed with
  // HS384/HS512 under the same secret verifies there), and it reads "alg"
  // case-insensitively ("hs256" passes as HS256) where RFC 7515 makes it
  // case-sensitive. So the header's own text is pinned here, exactly.
  const char* alg = jwt_get_header(jwt.get(), "alg");
  if (jwt_get_alg(jwt.get()) != JWT_ALG_HS256 || alg == nullptr || std::string_view(alg) != "HS256")
    return Deny("algorithm must be HS256");
  // libjwt 1.10 checks neither exp nor nbf, nor claim types: done here.
  return CheckClaims(jwt.get(), now);
}

std::optional<std::string> FindToken(std::string_view query_string, std::string_view authorization_header,
                                     std::string_view x_tcoder_token_header) {
  if (auto t = QueryToken(query_string)) return t;
  if (auto t = BearerToken(authorization_header)) return t;
  if (const std::string_view t = Trim(x_tcoder_token_header); !t.empty()) return std::string(t);
  return std::nullopt;
}

bool NeedsToken(std::string_view path) {
  path = path.substr(0, path.find('?'));
  // Only origin-form paths are judged; anything else ("http://host/premium/x",
  // "*", "premium/x") might be read as a premium path by some layer.
  if (!path.empty() && path.front() != '/') return true;
  // The first decoding must be valid, as an HTTP server would demand; later
  // ones (a double-encoded "%252F") are tried leniently. Every view counts.
  std::optional<std::string> view = http::PercentDecode(path);
  if (!view) return true;
  if (ViewIsPremium(std::string(path))) return true;
  for (int round = 0; round < 8; ++round) {
    if (ViewIsPremium(*view)) return true;
    std::string next = http::PercentDecodeLenient(*view);
    if (next == *view) return false;
    view = std::move(next);
  }
  return true;  // still changing after 8 rounds: nobody encodes a path that deeply
}

Verdict AuthorizeRequest(std::string_view path, std::string_view query_string, std::string_view authorization_header,
                         std::string_view x_tcoder_token_header, std::string_view secret, std::time_t now) {
  if (!NeedsToken(path)) return {.allowed = true, .reason = "public path"};
  const std::optional<std::string> token = FindToken(query_string, authorization_header, x_tcoder_token_header);
  if (!token) return Deny("premium path needs a token");
  return AuthorizePremium(*token, secret, now);
}

Result<std::string> MintToken(std::string_view secret, bool premium, std::chrono::seconds ttl, std::time_t now) {
  if (secret.empty()) return InvalidArgument("no JWT secret to sign with");
  if (ttl.count() <= 0 || ttl > kMaxTtl) return InvalidArgument("token ttl must be positive and at most 10 years");
  jwt_t* raw = nullptr;
  if (jwt_new(&raw) != 0) return Internal("jwt_new failed");
  const JwtPtr jwt(raw);
  const bool built = jwt_add_grant_bool(jwt.get(), "is_premium", premium ? 1 : 0) == 0 &&
                     jwt_add_grant_int(jwt.get(), "iat", static_cast<long>(now)) == 0 &&
                     jwt_add_grant_int(jwt.get(), "exp", static_cast<long>(now + ttl.count())) == 0 &&
                     jwt_set_alg(jwt.get(), JWT_ALG_HS256, reinterpret_cast<const unsigned char*>(secret.data()),
                                 static_cast<int>(secret.size())) == 0;
  if (!built) return Internal("building the token failed");
  const CString token(jwt_encode_str(jwt.get()));
  if (!token) return Internal("signing the token failed");
  return std::string(token.get());
}

}  // namespace tcoder::edge
