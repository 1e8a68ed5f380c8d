// SigV4 encoding helpers and the canonical request (see sigv4.h).
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <vector>

#include "common/crypto.h"
#include "storage/sigv4.h"

namespace tcoder::storage::sigv4 {
namespace {

bool IsUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string ToLower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Trims both ends and collapses each inner run of whitespace to one space.
std::string TrimAll(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  bool pending_space = false;
  for (char c : v) {
    if (IsSpace(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

// Removes "." and ".." segments and empty segments (RFC 3986 style).
std::string NormalizePath(std::string_view path) {
  std::vector<std::string_view> segments;
  bool trailing_slash = false;
  std::size_t pos = 0;
  while (pos <= path.size()) {
    std::size_t slash = path.find('/', pos);
    if (slash == std::string_view::npos) slash = path.size();
    std::string_view seg = path.substr(pos, slash - pos);
    bool last = slash == path.size();
    if (seg == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!seg.empty() && seg != ".") {
      segments.push_back(seg);
    }
    if (last) trailing_slash = seg.empty() || seg == "." || seg == "..";
    pos = slash + 1;
  }
  std::string out;
  for (std::string_view seg : segments) out.append("/").append(seg);
  if (out.empty() || trailing_slash) out.push_back('/');
  return out;
}

}  // namespace

std::string UriEncode(std::string_view s, bool encode_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() * 3);
  for (unsigned char c : s) {
    if (IsUnreserved(c) || (c == '/' && !encode_slash)) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

std::string UriDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 && HexValue(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::string AmzDate(std::chrono::system_clock::time_point t) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

std::optional<std::chrono::system_clock::time_point> ParseAmzDate(std::string_view s) {
  if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z') return std::nullopt;
  for (std::size_t i = 0; i < 15; ++i) {
    if (i != 8 && (s[i] < '0' || s[i] > '9')) return std::nullopt;
  }
  auto num = [&](std::size_t at, std::size_t n) {
    int v = 0;
    for (std::size_t i = at; i < at + n; ++i) v = v * 10 + (s[i] - '0');
    return v;
  };
  std::tm tm{};
  tm.tm_year = num(0, 4) - 1900;
  tm.tm_mon = num(4, 2) - 1;
  tm.tm_mday = num(6, 2);
  tm.tm_hour = num(9, 2);
  tm.tm_min = num(11, 2);
  tm.tm_sec = num(13, 2);
  std::time_t tt = timegm(&tm);
  if (tt == static_cast<std::time_t>(-1)) return std::nullopt;
  auto t = std::chrono::system_clock::from_time_t(tt);
  if (AmzDate(t) != s) return std::nullopt;  // out-of-range fields such as month 13
  return t;
}

std::string Scope(std::string_view date, std::string_view region, std::string_view service) {
  std::string out;
  out.append(date).append("/").append(region).append("/").append(service).append("/aws4_request");
  return out;
}

std::string CanonicalUri(std::string_view raw_path, bool normalize_path) {
  std::string path = UriDecode(raw_path);
  if (path.empty() || path[0] != '/') path.insert(path.begin(), '/');
  if (normalize_path) path = NormalizePath(path);
  return UriEncode(path, /*encode_slash=*/false);
}

std::string CanonicalQuery(std::string_view raw_query) {
  std::vector<std::pair<std::string, std::string>> params;
  std::size_t pos = 0;
  while (pos <= raw_query.size()) {
    std::size_t amp = raw_query.find('&', pos);
    if (amp == std::string_view::npos) amp = raw_query.size();
    std::string_view param = raw_query.substr(pos, amp - pos);
    pos = amp + 1;
    if (param.empty()) continue;
    std::size_t eq = param.find('=');
    std::string name = UriDecode(param.substr(0, eq));
    if (name == "X-Amz-Signature") continue;
    std::string value = eq == std::string_view::npos ? "" : UriDecode(param.substr(eq + 1));
    params.emplace_back(UriEncode(name, true), UriEncode(value, true));
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out.push_back('&');
    out.append(name).append("=").append(value);
  }
  return out;
}

std::string CanonicalHeaders(const Request& req, const std::vector<std::string>& signed_headers) {
  std::string out;
  for (const std::string& name : signed_headers) {
    std::string joined;
    bool first = true;
    for (const auto& [n, v] : req.headers) {
      if (ToLower(n) != name) continue;
      if (!first) joined.push_back(',');
      joined += TrimAll(v);
      first = false;
    }
    out.append(name).append(":").append(joined).append("\n");
  }
  return out;
}

std::string CanonicalRequest(const Request& req, const std::vector<std::string>& signed_headers,
                             std::string_view payload_hash, bool normalize_path) {
  std::string out;
  out.append(req.method).append("\n");
  out.append(CanonicalUri(req.raw_path, normalize_path)).append("\n");
  out.append(CanonicalQuery(req.raw_query)).append("\n");
  out.append(CanonicalHeaders(req, signed_headers)).append("\n");
  for (std::size_t i = 0; i < signed_headers.size(); ++i) {
    if (i > 0) out.push_back(';');
    out.append(signed_headers[i]);
  }
  out.append("\n").append(payload_hash);
  return out;
}

std::string StringToSign(std::string_view amz_date, std::string_view scope, std::string_view canonical_request) {
  std::string out(kAlgorithm);
  out.append("\n").append(amz_date).append("\n").append(scope).append("\n");
  out.append(crypto::Hex(crypto::Sha256(canonical_request)));
  return out;
}

std::string SigningKey(std::string_view secret, std::string_view date, std::string_view region,
                       std::string_view service) {
  // The key changes once a day per credential and scope; each thread keeps
  // the last one it derived (four HMACs) for the requests that follow.
  struct Derived {
    std::string secret, date, region, service, key;
  };
  thread_local Derived last;
  if (last.key.empty() || last.secret != secret || last.date != date || last.region != region ||
      last.service != service) {
    std::string k = crypto::HmacSha256("AWS4" + std::string(secret), date);
    k = crypto::HmacSha256(k, region);
    k = crypto::HmacSha256(k, service);
    last = {std::string(secret), std::string(date), std::string(region), std::string(service),
            crypto::HmacSha256(k, "aws4_request")};
  }
  return last.key;
}

std::string SignatureHex(std::string_view signing_key, std::string_view string_to_sign) {
  return crypto::Hex(crypto::HmacSha256(signing_key, string_to_sign));
}

}  // namespace tcoder::storage::sigv4
