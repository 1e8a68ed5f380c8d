#include "storage/s3_errors.h"
#include "storage/s3_xml.h"

#include <array>
#include <utility>

namespace tcoder::storage::server {
namespace {

struct Known {
  std::string_view code;
  int status;
};

constexpr std::array kKnown = {
    Known{"AccessDenied", 403},
    Known{"SignatureDoesNotMatch", 403},
    Known{"InvalidAccessKeyId", 403},
    Known{"RequestTimeTooSkewed", 403},
    Known{"AuthorizationHeaderMalformed", 400},
    Known{"AuthorizationQueryParametersError", 400},
    Known{"InvalidRequest", 400},
    Known{"InvalidArgument", 400},
    Known{"InvalidBucketName", 400},
    Known{"KeyTooLongError", 400},
    Known{"InvalidPart", 400},
    Known{"InvalidPartOrder", 400},
    Known{"EntityTooSmall", 400},
    Known{"EntityTooLarge", 400},
    Known{"XAmzContentSHA256Mismatch", 400},
    Known{"BadDigest", 400},
    Known{"InvalidDigest", 400},
    Known{"IncompleteBody", 400},
    Known{"MalformedXML", 400},
    Known{"InvalidURI", 400},
    Known{"NoSuchBucket", 404},
    Known{"NoSuchKey", 404},
    Known{"NoSuchUpload", 404},
    Known{"MethodNotAllowed", 405},
    Known{"BucketAlreadyOwnedByYou", 409},
    Known{"BucketNotEmpty", 409},
    Known{"MissingContentLength", 411},
    Known{"PreconditionFailed", 412},
    Known{"InvalidRange", 416},
    Known{"InternalError", 500},
    Known{"NotImplemented", 501},
    Known{"ServiceUnavailable", 503},
};

const Known* Find(std::string_view code) {
  for (const Known& k : kKnown) {
    if (k.code == code) return &k;
  }
  return nullptr;
}

Code StatusCodeFor(int http) {
  switch (http) {
    case 400:
      return Code::kInvalidArgument;
    case 403:
      return Code::kPermissionDenied;
    case 404:
      return Code::kNotFound;
    case 409:
      return Code::kConflict;
    case 503:
      return Code::kUnavailable;
    default:
      return http >= 500 ? Code::kInternal : Code::kInvalidArgument;
  }
}

}  // namespace

Status S3Status(std::string_view code, std::string_view message) {
  return Status(StatusCodeFor(HttpStatusOf(code)), std::string(code) + ": " + std::string(message));
}

int HttpStatusOf(std::string_view code) {
  const Known* k = Find(code);
  return k ? k->status : 500;
}

S3Failure FailureOf(const Status& status) {
  const std::string& m = status.message();
  const auto colon = m.find(": ");
  if (colon != std::string::npos) {
    if (const Known* k = Find(std::string_view(m).substr(0, colon))) {
      return {k->status, std::string(k->code), m.substr(colon + 2)};
    }
  }
  switch (status.code()) {
    case Code::kInvalidArgument:
      return {400, "InvalidRequest", m};
    case Code::kPermissionDenied:
    case Code::kUnauthenticated:
      return {403, "AccessDenied", m};
    case Code::kUnavailable:
      return {503, "ServiceUnavailable", "Please reduce your request rate."};
    default:
      return {500, "InternalError", "We encountered an internal error. Please try again."};
  }
}

std::string ErrorXml(const S3Failure& failure, std::string_view resource, std::string_view request_id) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + XmlEscape(failure.code) + "</Code><Message>" +
         XmlEscape(failure.message) + "</Message><Resource>" + XmlEscape(resource) + "</Resource><RequestId>" +
         XmlEscape(request_id) + "</RequestId></Error>";
}

}  // namespace tcoder::storage::server
