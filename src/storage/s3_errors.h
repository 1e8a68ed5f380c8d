// S3 errors as the built-in server answers them: the error code, its HTTP
// status and the <Error> XML body.
//
// Inside the server, failures travel as Status values whose message starts with
// the S3 code ("NoSuchKey: ..."), the convention sigv4::Verify also follows.
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace tcoder::storage::server {

struct S3Failure {
  int http_status = 500;
  std::string code;  // "NoSuchKey"
  std::string message;
};

// A Status carrying an S3 code: "<code>: <message>", with a Status code that
// matches the HTTP status (kNotFound for 404 and so on).
Status S3Status(std::string_view code, std::string_view message);

// The HTTP status of a known S3 code; 500 for unknown ones.
int HttpStatusOf(std::string_view code);

// Reads the S3 code back from a Status message ("Code: reason"). A Status
// without a known code becomes InternalError (its reason is logged, not sent)
// or, for client-side Status codes, InvalidRequest/AccessDenied/NoSuchKey.
S3Failure FailureOf(const Status& status);

// <?xml ...?><Error><Code/><Message/><Resource/><RequestId/></Error>
std::string ErrorXml(const S3Failure& failure, std::string_view resource, std::string_view request_id);

}  // namespace tcoder::storage::server
