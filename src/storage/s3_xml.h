// The S3 XML documents the client reads and writes: error bodies, ListObjectsV2
// pages, multipart upload ids and completions, copy results.
//
// Parsing uses pugixml, which never loads DTDs or external entities (no XXE,
// no entity expansion); anything unexpected is an error Status, never a crash.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace tcoder::storage {

// XML text escaping (&, <, >, ", ') for element content and attributes.
std::string XmlEscape(std::string_view text);
// <name>escaped text</name>
std::string XmlElement(std::string_view name, std::string_view text);

struct S3Error {
  std::string code;     // e.g. "NoSuchKey"; empty when the body held no <Error>
  std::string message;  // e.g. "The specified key does not exist."
};

struct ObjectInfo {
  std::string key;
  std::uint64_t size = 0;
  std::string etag;  // with its quotes, as S3 sends it
  std::string last_modified;
  std::string content_type;  // HeadObject only
};

struct ListPage {
  std::vector<ObjectInfo> objects;
  std::vector<std::string> common_prefixes;
  bool truncated = false;
  std::string next_continuation_token;
};

struct CompletedPart {
  int number = 0;
  std::string etag;
};

// The <Error> document of an S3 error response. Returns an empty S3Error when
// the body is not one (HEAD responses, proxies' HTML pages).
S3Error ParseError(std::string_view body);

// A ListObjectsV2 page (<ListBucketResult>); keys are decoded when the page
// says EncodingType=url.
Result<ListPage> ParseListObjectsV2(std::string_view body);

// <InitiateMultipartUploadResult><UploadId>.
Result<std::string> ParseUploadId(std::string_view body);

// The ETag of a <CopyObjectResult> or <CompleteMultipartUploadResult>. Both
// calls can answer 200 and still fail: an <Error> root becomes kUnavailable
// (S3 asks clients to retry those).
Result<std::string> ParseResultETag(std::string_view body, std::string_view root);

struct UploadedPart {
  int number = 0;
  std::uint64_t size = 0;
  std::string etag;  // with its quotes, as S3 sends it
  std::string last_modified;
};

struct PartsPage {
  std::vector<UploadedPart> parts;
  bool truncated = false;
  int next_marker = 0;  // NextPartNumberMarker when truncated
};

// <ListPartsResult>: the parts of a multipart upload, in number order.
Result<PartsPage> ParseListParts(std::string_view body);

// The body of CompleteMultipartUpload, parts in the given order.
std::string CompleteMultipartBody(const std::vector<CompletedPart>& parts);

// The body of CreateBucket for a region other than us-east-1 ("" for it).
std::string CreateBucketBody(std::string_view region);

}  // namespace tcoder::storage
