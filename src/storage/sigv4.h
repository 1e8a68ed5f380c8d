// AWS Signature Version 4: canonical requests, signing keys, header signing,
// presigned (query) signing, aws-chunked chunk signatures and server-side
// verification of both the Authorization-header and the presigned form.
//
// Paths and queries are taken exactly as they appear on the wire. Everything
// here is a pure function of its arguments (thread-safe); ChunkChain is a
// plain value and not safe for concurrent use.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace tcoder::storage::sigv4 {

inline constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";
inline constexpr std::string_view kStreamingPayload = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
inline constexpr std::string_view kStreamingPayloadTrailer = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER";
inline constexpr std::string_view kStreamingUnsignedTrailer = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";
inline constexpr std::string_view kEmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
inline constexpr std::int64_t kMaxPresignExpiresSeconds = 604800;  // 7 days
inline constexpr std::chrono::minutes kMaxClockSkew{15};

struct Credentials {
  std::string access_key;
  std::string secret_key;
  std::string session_token;  // empty when none
};

// An HTTP request as received or about to be sent. raw_path and raw_query are
// exactly as on the wire (percent-encoded or not); raw_query has no '?'.
// Header names compare case-insensitively; repeated names are all kept.
struct Request {
  std::string method;
  std::string raw_path;
  std::string raw_query;
  std::vector<std::pair<std::string, std::string>> headers;
};

// ---- Encoding helpers -------------------------------------------------------

// Percent-encodes every byte except A-Z a-z 0-9 - . _ ~ (and '/' unless
// encode_slash), with upper-case hex, as SigV4 requires.
std::string UriEncode(std::string_view s, bool encode_slash);
// Decodes %XX escapes; a '%' not followed by two hex digits stays literal.
// '+' stays '+'.
std::string UriDecode(std::string_view s);

// "20150830T123600Z" (UTC) and back; nullopt when malformed.
std::string AmzDate(std::chrono::system_clock::time_point t);
std::optional<std::chrono::system_clock::time_point> ParseAmzDate(std::string_view amz_date);

// "20150830/us-east-1/s3/aws4_request".
std::string Scope(std::string_view date /*YYYYMMDD*/, std::string_view region, std::string_view service);

// ---- Canonical request and signature ------------------------------------------

// The canonical URI of a raw path: decoded then re-encoded (slashes kept). With
// normalize_path, dot segments are removed and repeated slashes collapsed (most
// services); S3 signs the path as is (normalize_path = false).
std::string CanonicalUri(std::string_view raw_path, bool normalize_path);
// The canonical query string: each name and value decoded then re-encoded,
// sorted; X-Amz-Signature is left out (the presigned form signs without it).
std::string CanonicalQuery(std::string_view raw_query);
// "name:value\n" for each signed header (lower-case names in the given order;
// values trimmed, inner whitespace runs collapsed, repeats joined by ',').
std::string CanonicalHeaders(const Request& req, const std::vector<std::string>& signed_headers);

// The whole canonical request. signed_headers are lower-case and sorted.
std::string CanonicalRequest(const Request& req, const std::vector<std::string>& signed_headers,
                             std::string_view payload_hash, bool normalize_path);
// "AWS4-HMAC-SHA256\n<amz_date>\n<scope>\n<hex sha256 of canonical request>".
std::string StringToSign(std::string_view amz_date, std::string_view scope, std::string_view canonical_request);
// The raw 32-byte signing key for (secret, YYYYMMDD date, region, service).
std::string SigningKey(std::string_view secret, std::string_view date, std::string_view region,
                       std::string_view service);
// Lower-case hex HMAC-SHA256 of string_to_sign under signing_key.
std::string SignatureHex(std::string_view signing_key, std::string_view string_to_sign);

// ---- aws-chunked bodies ---------------------------------------------------------

// The string to sign for one chunk of a STREAMING-AWS4-HMAC-SHA256-PAYLOAD body.
std::string ChunkStringToSign(std::string_view amz_date, std::string_view scope, std::string_view previous_signature,
                              std::string_view chunk_sha256_hex);
std::string ChunkSignature(std::string_view signing_key, std::string_view amz_date, std::string_view scope,
                           std::string_view previous_signature, std::string_view chunk_sha256_hex);
// The signature of the trailing headers of a ...-PAYLOAD-TRAILER body;
// canonical_trailers is "name:value\n" per trailer (lower-case names).
std::string TrailerSignature(std::string_view signing_key, std::string_view amz_date, std::string_view scope,
                             std::string_view previous_signature, std::string_view canonical_trailers);

// The chain of chunk signatures of one aws-chunked body, seeded with the
// request's signature. Next() checks one chunk (constant-time compare) and
// advances the chain only on success.
class ChunkChain {
 public:
  ChunkChain(std::string signing_key, std::string amz_date, std::string scope, std::string seed_signature);
  [[nodiscard]] bool Next(std::string_view chunk_sha256_hex, std::string_view claimed_signature);
  [[nodiscard]] bool Trailer(std::string_view canonical_trailers, std::string_view claimed_signature);
  const std::string& previous_signature() const { return previous_; }

 private:
  std::string key_, amz_date_, scope_, previous_;
};

// ---- Signing (client side) -------------------------------------------------------

struct SigningParams {
  Credentials credentials;
  std::string region;
  std::string service = "s3";
  std::chrono::system_clock::time_point now;
  bool normalize_path = false;      // false for S3
  bool omit_session_token = false;  // add the token after signing (some services)
  bool add_content_sha256 = true;   // send x-amz-content-sha256 (S3 requires it)
};

// Header form: adds X-Amz-Date, X-Amz-Content-Sha256 (if add_content_sha256),
// X-Amz-Security-Token (if any) and Authorization to req. Every header already
// in req is signed; a Host header must be present.
[[nodiscard]] Status SignRequest(Request& req, const SigningParams& params, std::string_view payload_hash);

// Query form: appends X-Amz-Algorithm, -Credential, -Date, -SignedHeaders,
// -Expires, -Security-Token and -Signature to req.raw_query. Every header in
// req is signed (Host must be present; add e.g. content-type to bind it).
// expires must be 1 s .. 7 days. payload_hash is usually UNSIGNED-PAYLOAD.
[[nodiscard]] Status Presign(Request& req, const SigningParams& params, std::chrono::seconds expires,
                             std::string_view payload_hash = kUnsignedPayload);

// ---- Verification (server side) ----------------------------------------------------

// Access key -> secret key, or nullopt when the key is unknown.
using SecretLookup = std::function<std::optional<std::string>(std::string_view access_key)>;

struct Verified {
  std::string access_key;
  std::string payload_hash;    // as claimed: hex, UNSIGNED-PAYLOAD or a STREAMING-* value
  std::string seed_signature;  // the request's signature (seeds a ChunkChain)
  std::string signing_key;     // raw bytes
  std::string scope;
  std::string amz_date;
  bool presigned = false;
};

// Verifies an S3 request (service "s3", path not normalized) signed either
// with an Authorization header or as a presigned URL. On failure the Status
// message starts with the S3 error code to answer with, then ": " and a
// reason, e.g. "SignatureDoesNotMatch: ..." (see S3ErrorCode). Codes:
// AccessDenied (no auth, expired URL, unsigned x-amz-* header),
// SignatureDoesNotMatch, InvalidAccessKeyId, AuthorizationHeaderMalformed,
// AuthorizationQueryParametersError, RequestTimeTooSkewed, InvalidRequest (no
// x-amz-content-sha256), InvalidArgument (both auth forms at once). The Status
// code is kPermissionDenied (answer 403) or kInvalidArgument (answer 400).
// A presigned request's payload_hash is UNSIGNED-PAYLOAD unless the URL signed
// an x-amz-content-sha256 header.
[[nodiscard]] Result<Verified> Verify(const Request& req, const SecretLookup& lookup,
                                      std::chrono::system_clock::time_point now, std::string_view region);

// The S3 error code at the front of a Verify() error ("AccessDenied" when absent).
std::string S3ErrorCode(const Status& status);

}  // namespace tcoder::storage::sigv4
