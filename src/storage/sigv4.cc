// SigV4 signing (header and presigned forms) and aws-chunked chunk signatures.
#include "storage/sigv4.h"

#include <algorithm>
#include <cctype>

#include "common/ascii.h"
#include "common/crypto.h"

namespace tcoder::storage::sigv4 {
namespace {

bool HasHeader(const Request& req, std::string_view lower_name) {
  return std::any_of(req.headers.begin(), req.headers.end(),
                     [&](const auto& h) { return AsciiLower(h.first) == lower_name; });
}

// The lower-case names of every header in req, sorted and without repeats.
std::vector<std::string> AllHeaderNames(const Request& req) {
  std::vector<std::string> names;
  for (const auto& h : req.headers) names.push_back(AsciiLower(h.first));
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

std::string Join(const std::vector<std::string>& parts, char sep) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out.push_back(sep);
    out += parts[i];
  }
  return out;
}

Status CheckSignable(const Request& req, const SigningParams& params) {
  if (params.credentials.access_key.empty() || params.credentials.secret_key.empty()) {
    return InvalidArgument("sigv4: empty access key or secret key");
  }
  if (params.region.empty() || params.service.empty()) return InvalidArgument("sigv4: empty region or service");
  if (!HasHeader(req, "host")) return InvalidArgument("sigv4: the request has no Host header");
  return Status::Ok();
}

void AppendParam(std::string& query, std::string_view name, std::string_view value) {
  if (!query.empty()) query.push_back('&');
  query.append(name).append("=").append(UriEncode(value, true));
}

}  // namespace

std::string ChunkStringToSign(std::string_view amz_date, std::string_view scope, std::string_view previous_signature,
                              std::string_view chunk_sha256_hex) {
  std::string out = "AWS4-HMAC-SHA256-PAYLOAD\n";
  out.append(amz_date).append("\n").append(scope).append("\n").append(previous_signature).append("\n");
  out.append(kEmptySha256).append("\n").append(chunk_sha256_hex);
  return out;
}

std::string ChunkSignature(std::string_view signing_key, std::string_view amz_date, std::string_view scope,
                           std::string_view previous_signature, std::string_view chunk_sha256_hex) {
  return SignatureHex(signing_key, ChunkStringToSign(amz_date, scope, previous_signature, chunk_sha256_hex));
}

std::string TrailerSignature(std::string_view signing_key, std::string_view amz_date, std::string_view scope,
                             std::string_view previous_signature, std::string_view canonical_trailers) {
  std::string sts = "AWS4-HMAC-SHA256-TRAILER\n";
  sts.append(amz_date).append("\n").append(scope).append("\n").append(previous_signature).append("\n");
  sts.append(crypto::Hex(crypto::Sha256(canonical_trailers)));
  return SignatureHex(signing_key, sts);
}

ChunkChain::ChunkChain(std::string signing_key, std::string amz_date, std::string scope, std::string seed_signature)
    : key_(std::move(signing_key)),
      amz_date_(std::move(amz_date)),
      scope_(std::move(scope)),
      previous_(std::move(seed_signature)) {}

bool ChunkChain::Next(std::string_view chunk_sha256_hex, std::string_view claimed_signature) {
  std::string expected = ChunkSignature(key_, amz_date_, scope_, previous_, chunk_sha256_hex);
  if (!crypto::ConstantTimeEquals(expected, claimed_signature)) return false;
  previous_ = std::move(expected);
  return true;
}

bool ChunkChain::Trailer(std::string_view canonical_trailers, std::string_view claimed_signature) {
  std::string expected = TrailerSignature(key_, amz_date_, scope_, previous_, canonical_trailers);
  if (!crypto::ConstantTimeEquals(expected, claimed_signature)) return false;
  previous_ = std::move(expected);
  return true;
}

Status SignRequest(Request& req, const SigningParams& params, std::string_view payload_hash) {
  if (Status s = CheckSignable(req, params); !s.ok()) return s;
  const Credentials& creds = params.credentials;
  const std::string amz_date = AmzDate(params.now);
  const std::string scope = Scope(amz_date.substr(0, 8), params.region, params.service);
  req.headers.emplace_back("X-Amz-Date", amz_date);
  if (params.add_content_sha256) req.headers.emplace_back("X-Amz-Content-Sha256", std::string(payload_hash));
  const bool sign_token = !creds.session_token.empty() && !params.omit_session_token;
  if (sign_token) req.headers.emplace_back("X-Amz-Security-Token", creds.session_token);

  const std::vector<std::string> signed_headers = AllHeaderNames(req);
  const std::string creq = CanonicalRequest(req, signed_headers, payload_hash, params.normalize_path);
  const std::string key = SigningKey(creds.secret_key, amz_date.substr(0, 8), params.region, params.service);
  const std::string signature = SignatureHex(key, StringToSign(amz_date, scope, creq));
  req.headers.emplace_back("Authorization", std::string(kAlgorithm) + " Credential=" + creds.access_key + "/" + scope +
                                                ", SignedHeaders=" + Join(signed_headers, ';') +
                                                ", Signature=" + signature);
  if (!creds.session_token.empty() && !sign_token)
    req.headers.emplace_back("X-Amz-Security-Token", creds.session_token);
  return Status::Ok();
}

Status Presign(Request& req, const SigningParams& params, std::chrono::seconds expires, std::string_view payload_hash) {
  if (Status s = CheckSignable(req, params); !s.ok()) return s;
  if (expires.count() < 1 || expires.count() > kMaxPresignExpiresSeconds) {
    return InvalidArgument("sigv4: presigned URL expiry must be 1 s .. 7 days, got " + std::to_string(expires.count()));
  }
  const Credentials& creds = params.credentials;
  const std::string amz_date = AmzDate(params.now);
  const std::string scope = Scope(amz_date.substr(0, 8), params.region, params.service);
  const std::vector<std::string> signed_headers = AllHeaderNames(req);

  AppendParam(req.raw_query, "X-Amz-Algorithm", kAlgorithm);
  AppendParam(req.raw_query, "X-Amz-Credential", creds.access_key + "/" + scope);
  AppendParam(req.raw_query, "X-Amz-Date", amz_date);
  AppendParam(req.raw_query, "X-Amz-SignedHeaders", Join(signed_headers, ';'));
  AppendParam(req.raw_query, "X-Amz-Expires", std::to_string(expires.count()));
  const bool sign_token = !creds.session_token.empty() && !params.omit_session_token;
  if (sign_token) AppendParam(req.raw_query, "X-Amz-Security-Token", creds.session_token);

  const std::string creq = CanonicalRequest(req, signed_headers, payload_hash, params.normalize_path);
  const std::string key = SigningKey(creds.secret_key, amz_date.substr(0, 8), params.region, params.service);
  const std::string signature = SignatureHex(key, StringToSign(amz_date, scope, creq));
  if (!creds.session_token.empty() && !sign_token)
    AppendParam(req.raw_query, "X-Amz-Security-Token", creds.session_token);
  AppendParam(req.raw_query, "X-Amz-Signature", signature);
  return Status::Ok();
}

std::string S3ErrorCode(const Status& status) {
  const std::string& m = status.message();
  std::size_t colon = m.find(": ");
  if (colon == std::string::npos || colon == 0) return "AccessDenied";
  for (std::size_t i = 0; i < colon; ++i) {
    if (!std::isalpha(static_cast<unsigned char>(m[i]))) return "AccessDenied";
  }
  return m.substr(0, colon);
}

}  // namespace tcoder::storage::sigv4
