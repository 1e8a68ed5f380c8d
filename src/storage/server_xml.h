// The XML documents clients send to the built-in S3 server (DeleteObjects,
// CompleteMultipartUpload), parsed with pugixml: no DTDs, no external
// entities. Malformed input is a MalformedXML error. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace tcoder::storage::server {

struct DeleteRequest {
  std::vector<std::string> keys;
  bool quiet = false;
};

// <Delete><Quiet/><Object><Key/></Object>...</Delete> (at most 1000 keys).
[[nodiscard]] Result<DeleteRequest> ParseDeleteRequest(std::string_view xml);
// <CompleteMultipartUpload><Part><PartNumber/><ETag/></Part>...</CompleteMultipartUpload>
[[nodiscard]] Result<std::vector<std::pair<int, std::string>>> ParseCompleteRequest(std::string_view xml);

// The declaration every XML response starts with.
inline constexpr std::string_view kXmlHead = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
// The S3 XML namespace attribute value.
inline constexpr std::string_view kS3Namespace = "http://s3.amazonaws.com/doc/2006-03-01/";

}  // namespace tcoder::storage::server
