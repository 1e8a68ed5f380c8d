// Server-side SigV4 verification of S3 requests: Authorization header and
// presigned query forms (see sigv4.h). Every input is hostile: each field is
// checked for shape before use and every failure names its S3 error code.
#include <algorithm>
#include <cctype>
#include <map>

#include "common/ascii.h"
#include "common/crypto.h"
#include "storage/sigv4.h"

namespace tcoder::storage::sigv4 {
namespace {

constexpr std::string_view kService = "s3";

Status Denied(std::string_view s3_code, std::string_view why) {
  return {Code::kPermissionDenied, std::string(s3_code) + ": " + std::string(why)};
}
Status Malformed(std::string_view s3_code, std::string_view why) {
  return {Code::kInvalidArgument, std::string(s3_code) + ": " + std::string(why)};
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  std::size_t pos = 0;
  while (true) {
    std::size_t at = s.find(sep, pos);
    out.push_back(s.substr(pos, at == std::string_view::npos ? std::string_view::npos : at - pos));
    if (at == std::string_view::npos) return out;
    pos = at + 1;
  }
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool IsLowerHex(std::string_view s, std::size_t len) {
  return s.size() == len &&
         std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::vector<std::string_view> HeaderValues(const Request& req, std::string_view lower_name) {
  std::vector<std::string_view> out;
  for (const auto& [n, v] : req.headers) {
    if (AsciiLower(n) == lower_name) out.push_back(v);
  }
  return out;
}

// What both forms have in common once parsed.
struct Claim {
  std::string access_key, date, region, service;
  std::vector<std::string> signed_headers;
  std::string signature;
  std::string amz_date;
  std::chrono::system_clock::time_point time;
};

// "AK/20150830/us-east-1/s3/aws4_request" into claim.
Status ParseCredential(std::string_view credential, std::string_view bad_code, Claim& claim) {
  std::vector<std::string_view> parts = Split(credential, '/');
  if (parts.size() != 5 || parts[0].empty() || parts[4] != "aws4_request") {
    return Malformed(bad_code, "the credential must be AccessKey/YYYYMMDD/region/s3/aws4_request");
  }
  if (parts[1].size() != 8 || !std::all_of(parts[1].begin(), parts[1].end(), IsDigit)) {
    return Malformed(bad_code, "the credential date must be YYYYMMDD");
  }
  claim.access_key = parts[0];
  claim.date = parts[1];
  claim.region = parts[2];
  claim.service = parts[3];
  return Status::Ok();
}

// "host;x-amz-date": lower-case, sorted, no repeats, includes host.
Status ParseSignedHeaders(std::string_view list, std::string_view bad_code, Claim& claim) {
  if (list.empty()) return Malformed(bad_code, "no signed headers");
  for (std::string_view name : Split(list, ';')) {
    bool ok = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
    });
    if (!ok) return Malformed(bad_code, "bad signed header name");
    if (!claim.signed_headers.empty() && claim.signed_headers.back() >= name) {
      return Malformed(bad_code, "signed headers must be sorted and unique");
    }
    claim.signed_headers.emplace_back(name);
  }
  if (!std::binary_search(claim.signed_headers.begin(), claim.signed_headers.end(), "host")) {
    return Denied("AccessDenied", "the host header must be signed");
  }
  return Status::Ok();
}

bool IsSigned(const Claim& claim, std::string_view name) {
  return std::binary_search(claim.signed_headers.begin(), claim.signed_headers.end(), name);
}

Status CheckScope(const Claim& claim, std::string_view region, std::string_view bad_code) {
  if (claim.service != kService) return Malformed(bad_code, "the credential service must be s3");
  if (claim.region != region) {
    return Malformed(
        bad_code, "the region '" + claim.region.substr(0, 64) + "' is wrong; expecting '" + std::string(region) + "'");
  }
  if (claim.amz_date.substr(0, 8) != claim.date)
    return Malformed(bad_code, "the credential date is not the request date");
  return Status::Ok();
}

Status CheckSignedHeadersPresent(const Request& req, const Claim& claim) {
  for (const std::string& name : claim.signed_headers) {
    if (HeaderValues(req, name).empty()) return Denied("SignatureDoesNotMatch", "signed header missing: " + name);
  }
  return Status::Ok();
}

// Checks the signature and fills the result.
Result<Verified> Finish(const Request& req, const SecretLookup& lookup, const Claim& claim, std::string payload_hash,
                        bool presigned) {
  std::optional<std::string> secret = lookup(claim.access_key);
  if (!secret) return Denied("InvalidAccessKeyId", "the access key does not exist");
  if (Status s = CheckSignedHeadersPresent(req, claim); !s.ok()) return s;
  Verified v;
  v.scope = Scope(claim.date, claim.region, claim.service);
  v.signing_key = SigningKey(*secret, claim.date, claim.region, claim.service);
  std::string creq = CanonicalRequest(req, claim.signed_headers, payload_hash, /*normalize_path=*/false);
  std::string expected = SignatureHex(v.signing_key, StringToSign(claim.amz_date, v.scope, creq));
  if (!crypto::ConstantTimeEquals(expected, claim.signature)) {
    return Denied("SignatureDoesNotMatch", "the request signature does not match");
  }
  v.access_key = claim.access_key;
  v.payload_hash = std::move(payload_hash);
  v.seed_signature = claim.signature;
  v.amz_date = claim.amz_date;
  v.presigned = presigned;
  return v;
}

bool KnownPayloadHash(std::string_view h) {
  return IsLowerHex(h, 64) || h == kUnsignedPayload || h == kStreamingPayload || h == kStreamingPayloadTrailer ||
         h == kStreamingUnsignedTrailer;
}

// Parses "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...".
Status ParseAuthorization(std::string_view auth, Claim& claim) {
  constexpr std::string_view kBad = "AuthorizationHeaderMalformed";
  std::string prefix = std::string(kAlgorithm) + " ";
  if (auth.substr(0, prefix.size()) != prefix) return Malformed(kBad, "unsupported authorization algorithm");
  std::map<std::string, std::string, std::less<>> fields;
  for (std::string_view part : Split(auth.substr(prefix.size()), ',')) {
    part = Trim(part);
    std::size_t eq = part.find('=');
    if (eq == std::string_view::npos) return Malformed(kBad, "authorization field without '='");
    if (!fields.emplace(std::string(part.substr(0, eq)), std::string(part.substr(eq + 1))).second) {
      return Malformed(kBad, "repeated authorization field");
    }
  }
  if (fields.size() != 3 || !fields.count("Credential") || !fields.count("SignedHeaders") ||
      !fields.count("Signature")) {
    return Malformed(kBad, "authorization needs exactly Credential, SignedHeaders and Signature");
  }
  if (Status s = ParseCredential(fields["Credential"], kBad, claim); !s.ok()) return s;
  if (Status s = ParseSignedHeaders(fields["SignedHeaders"], kBad, claim); !s.ok()) return s;
  claim.signature = fields["Signature"];
  if (!IsLowerHex(claim.signature, 64)) return Malformed(kBad, "the signature must be 64 lower-case hex digits");
  return Status::Ok();
}

// Every x-amz-* header present must be signed, so none can be swapped in transit.
Status CheckAmzHeadersSigned(const Request& req, const Claim& claim) {
  for (const auto& [n, v] : req.headers) {
    std::string name = AsciiLower(n);
    if (name.rfind("x-amz-", 0) == 0 && !IsSigned(claim, name)) {
      return Denied("AccessDenied", "there were headers present in the request which were not signed: " + name);
    }
  }
  return Status::Ok();
}

Result<Verified> VerifyHeaderForm(const Request& req, std::string_view auth, const SecretLookup& lookup,
                                  std::chrono::system_clock::time_point now, std::string_view region) {
  Claim claim;
  if (Status s = ParseAuthorization(auth, claim); !s.ok()) return s;
  std::vector<std::string_view> dates = HeaderValues(req, "x-amz-date");
  if (dates.size() != 1) return Denied("AccessDenied", "exactly one x-amz-date header is required");
  std::optional<std::chrono::system_clock::time_point> t = ParseAmzDate(dates[0]);
  if (!t) return Denied("AccessDenied", "x-amz-date must be YYYYMMDDTHHMMSSZ");
  claim.amz_date = dates[0];
  claim.time = *t;
  if (Status s = CheckScope(claim, region, "AuthorizationHeaderMalformed"); !s.ok()) return s;
  if (Status s = CheckAmzHeadersSigned(req, claim); !s.ok()) return s;
  std::vector<std::string_view> hashes = HeaderValues(req, "x-amz-content-sha256");
  if (hashes.size() != 1) return Malformed("InvalidRequest", "exactly one x-amz-content-sha256 header is required");
  if (!KnownPayloadHash(hashes[0])) return Malformed("InvalidArgument", "x-amz-content-sha256 has an unknown value");
  if (*t > now + kMaxClockSkew || *t < now - kMaxClockSkew) {
    return Denied("RequestTimeTooSkewed", "the difference between the request time and the server's time is too large");
  }
  return Finish(req, lookup, claim, std::string(hashes[0]), /*presigned=*/false);
}

// The decoded query parameters; nullopt when one of the X-Amz-* is repeated.
std::optional<std::map<std::string, std::string, std::less<>>> AmzQueryParams(std::string_view raw_query) {
  std::map<std::string, std::string, std::less<>> out;
  for (std::string_view param : Split(raw_query, '&')) {
    std::size_t eq = param.find('=');
    std::string name = UriDecode(param.substr(0, eq));
    if (name.rfind("X-Amz-", 0) != 0) continue;
    std::string value = eq == std::string_view::npos ? "" : UriDecode(param.substr(eq + 1));
    if (!out.emplace(name, value).second) return std::nullopt;
  }
  return out;
}

Result<Verified> VerifyQueryForm(const Request& req, const SecretLookup& lookup,
                                 std::chrono::system_clock::time_point now, std::string_view region) {
  constexpr std::string_view kBad = "AuthorizationQueryParametersError";
  auto params = AmzQueryParams(req.raw_query);
  if (!params) return Malformed(kBad, "repeated X-Amz-* query parameter");
  auto& p = *params;
  for (std::string_view name : {"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires",
                                "X-Amz-SignedHeaders", "X-Amz-Signature"}) {
    if (p.find(name) == p.end()) return Malformed(kBad, "missing query parameter " + std::string(name));
  }
  if (p["X-Amz-Algorithm"] != kAlgorithm) return Malformed(kBad, "X-Amz-Algorithm must be AWS4-HMAC-SHA256");
  Claim claim;
  if (Status s = ParseCredential(p["X-Amz-Credential"], kBad, claim); !s.ok()) return s;
  if (Status s = ParseSignedHeaders(p["X-Amz-SignedHeaders"], kBad, claim); !s.ok()) return s;
  claim.signature = p["X-Amz-Signature"];
  if (!IsLowerHex(claim.signature, 64)) return Malformed(kBad, "X-Amz-Signature must be 64 lower-case hex digits");
  std::optional<std::chrono::system_clock::time_point> t = ParseAmzDate(p["X-Amz-Date"]);
  if (!t) return Malformed(kBad, "X-Amz-Date must be YYYYMMDDTHHMMSSZ");
  claim.amz_date = p["X-Amz-Date"];
  claim.time = *t;
  if (Status s = CheckScope(claim, region, kBad); !s.ok()) return s;

  const std::string& exp = p["X-Amz-Expires"];
  if (exp.empty() || exp.size() > 6 || !std::all_of(exp.begin(), exp.end(), IsDigit)) {
    return Malformed(kBad, "X-Amz-Expires must be a number of seconds");
  }
  const std::int64_t expires = std::stoll(exp);
  if (expires < 1 || expires > kMaxPresignExpiresSeconds) {
    return Malformed(kBad, "X-Amz-Expires must be between 1 and 604800 seconds");
  }
  if (*t > now + kMaxClockSkew) return Denied("AccessDenied", "Request is not valid yet");
  if (now > *t + std::chrono::seconds(expires)) return Denied("AccessDenied", "Request has expired");

  // A presigned body is unsigned unless the URL signed an x-amz-content-sha256 header.
  std::string payload_hash(kUnsignedPayload);
  std::vector<std::string_view> hashes = HeaderValues(req, "x-amz-content-sha256");
  if (IsSigned(claim, "x-amz-content-sha256")) {
    if (hashes.size() != 1 || !KnownPayloadHash(hashes[0])) {
      return Malformed("InvalidArgument", "bad x-amz-content-sha256 header");
    }
    payload_hash = hashes[0];
  }
  return Finish(req, lookup, claim, std::move(payload_hash), /*presigned=*/true);
}

bool HasPresignParams(std::string_view raw_query) {
  for (std::string_view param : Split(raw_query, '&')) {
    std::string name = UriDecode(param.substr(0, param.find('=')));
    if (name == "X-Amz-Signature" || name == "X-Amz-Credential" || name == "X-Amz-Algorithm") return true;
  }
  return false;
}

}  // namespace

Result<Verified> Verify(const Request& req, const SecretLookup& lookup, std::chrono::system_clock::time_point now,
                        std::string_view region) {
  std::vector<std::string_view> auth = HeaderValues(req, "authorization");
  const bool presigned = HasPresignParams(req.raw_query);
  if (auth.size() > 1) return Malformed("AuthorizationHeaderMalformed", "more than one Authorization header");
  if (!auth.empty() && presigned) return Malformed("InvalidArgument", "only one auth mechanism allowed");
  if (!auth.empty()) return VerifyHeaderForm(req, auth[0], lookup, now, region);
  if (presigned) return VerifyQueryForm(req, lookup, now, region);
  return Denied("AccessDenied", "anonymous requests are not allowed");
}

}  // namespace tcoder::storage::sigv4
