// S3 endpoints, object URLs and presigned URLs (see presign.h).
#include "storage/presign.h"

#include <algorithm>

#include "common/ascii.h"

namespace tcoder::storage {
namespace {

bool LowerAlnum(char c) { return IsAsciiLower(c) || IsAsciiDigit(c); }

}  // namespace

Result<Endpoint> ParseEndpoint(std::string_view url) {
  Endpoint ep;
  std::size_t sep = url.find("://");
  if (sep == std::string_view::npos) return InvalidArgument("endpoint must start with http:// or https://");
  ep.scheme = std::string(url.substr(0, sep));
  if (ep.scheme != "http" && ep.scheme != "https") return InvalidArgument("endpoint scheme must be http or https");
  std::string_view rest = url.substr(sep + 3);
  std::size_t slash = rest.find('/');
  std::string_view host = rest.substr(0, slash);
  if (!IsIdentifier(host, 1, 255, ".-:[]_")) {
    return InvalidArgument("endpoint host is empty or has characters not allowed in a host");
  }
  std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash);
  if (path.find_first_of("?#") != std::string_view::npos) return InvalidArgument("endpoint must not have a query");
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  ep.host = std::string(host);
  const std::string default_port = ep.scheme == "http" ? ":80" : ":443";
  if (ep.host.size() > default_port.size() && ep.host.ends_with(default_port)) {
    ep.host.resize(ep.host.size() - default_port.size());
  }
  ep.base_path = std::string(path);
  return ep;
}

bool ValidBucketName(std::string_view name) {
  if (name.size() < 3 || name.size() > 63) return false;
  if (!LowerAlnum(name.front()) || !LowerAlnum(name.back())) return false;
  bool all_digits_and_dots = true;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    if (!LowerAlnum(c) && c != '.' && c != '-') return false;
    if (c == '.' && (name[i - 1] == '.' || name[i - 1] == '-' || name[i + 1] == '-')) return false;
    if (!(c >= '0' && c <= '9') && c != '.') all_digits_and_dots = false;
  }
  return !all_digits_and_dots;  // looks like an IP address
}

Status ValidateBucket(std::string_view bucket) {
  if (!ValidBucketName(bucket))
    return InvalidArgument("invalid bucket name '" + std::string(bucket.substr(0, 80)) + "'");
  return Status::Ok();
}

Status ValidateKey(std::string_view key) {
  if (key.empty() || key.size() > 1024) return InvalidArgument("object key must be 1..1024 bytes");
  if (key.find('\0') != std::string_view::npos) return InvalidArgument("object key must not contain NUL");
  return Status::Ok();
}

ObjectLocation Locate(const Endpoint& ep, std::string_view bucket, std::string_view key, bool path_style) {
  ObjectLocation loc;
  loc.host = ep.host;
  loc.raw_path = ep.base_path;
  if (!bucket.empty() && path_style) loc.raw_path += "/" + std::string(bucket);
  if (!bucket.empty() && !path_style) loc.host = std::string(bucket) + "." + ep.host;
  if (!key.empty()) loc.raw_path += "/" + sigv4::UriEncode(key, /*encode_slash=*/false);
  if (loc.raw_path.empty()) loc.raw_path = "/";
  return loc;
}

Result<std::string> PresignUrl(const PresignOptions& o) {
  Result<Endpoint> ep = ParseEndpoint(o.endpoint);
  if (!ep.ok()) return ep.status();
  if (Status s = ValidateBucket(o.bucket); !s.ok()) return s;
  if (Status s = ValidateKey(o.key); !s.ok()) return s;
  if (o.method != "GET" && o.method != "PUT" && o.method != "HEAD" && o.method != "DELETE") {
    return InvalidArgument("presigned URLs are for GET, PUT, HEAD or DELETE, not '" + o.method.substr(0, 16) + "'");
  }
  ObjectLocation loc = Locate(*ep, o.bucket, o.key, o.path_style);
  std::string raw_query;
  for (const auto& [name, value] : o.query)
    raw_query += (raw_query.empty() ? "" : "&") + sigv4::UriEncode(name, true) + "=" + sigv4::UriEncode(value, true);
  sigv4::Request req{o.method, loc.raw_path, raw_query, {{"Host", loc.host}}};
  for (const auto& h : o.signed_headers) req.headers.push_back(h);
  sigv4::SigningParams params{o.credentials, o.region, "s3", o.now};
  if (Status s = sigv4::Presign(req, params, o.expires); !s.ok()) return s;
  return loc.BaseUrl(*ep) + "?" + req.raw_query;
}

}  // namespace tcoder::storage
