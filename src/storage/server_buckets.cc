// Service- and bucket-level requests: ListBuckets, Create/Head/DeleteBucket,
// GetBucketLocation, ListObjects (V1 and V2).
#include <algorithm>
#include <charconv>

#include "common/crypto.h"
#include "common/duration.h"
#include "storage/s3_errors.h"
#include "storage/s3_xml.h"
#include "storage/server_call.h"
#include "storage/server_xml.h"

namespace tcoder::storage::server {
namespace {

http::Task<Status> CreateBucket(S3Call& call) {
  auto body = co_await ReadSmallBody(call, 64 * 1024);  // CreateBucketConfiguration: the region, ignored
  if (!body.ok()) co_return body.status();
  Status s = call.ctx.objects->CreateBucket(call.bucket);
  if (!s.ok()) co_return s;
  http::Headers h{{"Location", "/" + call.bucket}};
  co_return co_await SendEmpty(call, 200, std::move(h));
}

http::Task<Status> HeadBucket(S3Call& call) {
  if (!call.ctx.objects->BucketExists(call.bucket))
    co_return S3Status("NoSuchBucket", "The specified bucket does not exist.");
  http::Headers h{{"x-amz-bucket-region", call.ctx.options.region}};
  co_return co_await SendEmpty(call, 200, std::move(h));
}

http::Task<Status> DeleteBucket(S3Call& call) {
  Status s = call.ctx.objects->DeleteBucket(call.bucket);
  if (!s.ok()) co_return s;
  co_return co_await SendEmpty(call, 204);
}

http::Task<Status> GetLocation(S3Call& call) {
  if (!call.ctx.objects->BucketExists(call.bucket))
    co_return S3Status("NoSuchBucket", "The specified bucket does not exist.");
  const std::string& region = call.ctx.options.region;
  std::string xml = std::string(kXmlHead) + "<LocationConstraint xmlns=\"" + std::string(kS3Namespace) + "\">" +
                    (region == "us-east-1" ? "" : XmlEscape(region)) + "</LocationConstraint>";
  co_return co_await SendXml(call, std::move(xml));
}

// Subresources this server does not implement: answered NotImplemented rather than misread as a listing.
bool UnsupportedSubresource(const S3Call& call) {
  for (const char* name : {"acl",
                           "policy",
                           "cors",
                           "lifecycle",
                           "versioning",
                           "versions",
                           "tagging",
                           "website",
                           "logging",
                           "notification",
                           "replication",
                           "encryption",
                           "uploads",
                           "object-lock",
                           "accelerate",
                           "requestPayment",
                           "inventory",
                           "metrics",
                           "analytics",
                           "ownershipControls",
                           "publicAccessBlock",
                           "intelligent-tiering",
                           "policyStatus"}) {
    if (call.Has(name)) return true;
  }
  return false;
}

Result<int> MaxKeys(const S3Call& call) {
  const auto v = call.Param("max-keys");
  if (!v) return 1000;
  int n = 0;
  const auto [ptr, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc() || ptr != v->data() + v->size() || n < 0) {
    return S3Status("InvalidArgument", "Provided max-keys not an integer or within integer range");
  }
  return std::min(n, 1000);
}

}  // namespace

http::Task<Status> HandleService(S3Call& call) {
  if (call.req().method != "GET")
    co_return S3Status("MethodNotAllowed", "The specified method is not allowed against this resource.");
  std::string xml = std::string(kXmlHead) + "<ListAllMyBucketsResult xmlns=\"" + std::string(kS3Namespace) +
                    "\"><Owner><ID>tcoder</ID><DisplayName>tcoder</DisplayName></Owner><Buckets>";
  for (const BucketInfo& b : call.ctx.objects->ListBuckets()) {
    xml +=
        "<Bucket>" + XmlElement("Name", b.name) + XmlElement("CreationDate", IsoTimestamp(b.created_ms)) + "</Bucket>";
  }
  xml += "</Buckets></ListAllMyBucketsResult>";
  co_return co_await SendXml(call, std::move(xml));
}

http::Task<Status> HandleBucket(S3Call& call) {
  const std::string& m = call.req().method;
  if (UnsupportedSubresource(call)) co_return S3Status("NotImplemented", "This bucket subresource is not implemented.");
  if (m == "PUT") co_return co_await CreateBucket(call);
  if (m == "HEAD") co_return co_await HeadBucket(call);
  if (m == "DELETE") co_return co_await DeleteBucket(call);
  if (m == "GET" && call.Has("location")) co_return co_await GetLocation(call);
  if (m == "GET") co_return co_await HandleList(call);
  co_return S3Status("MethodNotAllowed", "The specified method is not allowed against this resource.");
}

http::Task<Status> HandleList(S3Call& call) {
  const bool v2 = call.Param("list-type") == "2";
  const std::string encoding = call.Param("encoding-type").value_or("");
  if (!encoding.empty() && encoding != "url")
    co_return S3Status("InvalidArgument", "Invalid Encoding Method specified in Request");
  auto max_keys = MaxKeys(call);
  if (!max_keys.ok()) co_return max_keys.status();
  ListOptions o{call.Param("prefix").value_or(""), call.Param("delimiter").value_or(""), {}, *max_keys};
  const std::string token = call.Param("continuation-token").value_or("");
  const std::string start_after = call.Param("start-after").value_or("");
  if (v2 && !token.empty()) {
    auto decoded = crypto::Base64UrlDecode(token);
    if (!decoded) co_return S3Status("InvalidArgument", "The continuation token provided is incorrect");
    o.after = *decoded;
  } else {
    o.after = v2 ? start_after : call.Param("marker").value_or("");
  }
  auto r = call.ctx.objects->List(call.bucket, o);
  if (!r.ok()) co_return r.status();
  const auto enc = [&](std::string_view s) { return encoding == "url" ? sigv4::UriEncode(s, false) : std::string(s); };
  std::string xml = std::string(kXmlHead) + "<ListBucketResult xmlns=\"" + std::string(kS3Namespace) + "\">" +
                    XmlElement("Name", call.bucket) + XmlElement("Prefix", enc(o.prefix));
  if (v2) {
    if (!start_after.empty()) xml += XmlElement("StartAfter", enc(start_after));
    if (!token.empty()) xml += XmlElement("ContinuationToken", token);
    xml += XmlElement("KeyCount", std::to_string(r->objects.size() + r->prefixes.size()));
  } else {
    xml += XmlElement("Marker", enc(o.after));
  }
  xml += XmlElement("MaxKeys", std::to_string(o.max_keys));
  if (!o.delimiter.empty()) xml += XmlElement("Delimiter", enc(o.delimiter));
  if (!encoding.empty()) xml += XmlElement("EncodingType", encoding);
  xml += XmlElement("IsTruncated", r->truncated ? "true" : "false");
  if (r->truncated)
    xml +=
        v2 ? XmlElement("NextContinuationToken", crypto::Base64Url(r->last)) : XmlElement("NextMarker", enc(r->last));
  for (const ObjectInfo& info : r->objects) {
    xml += "<Contents>" + XmlElement("Key", enc(info.key)) +
           XmlElement("LastModified", IsoTimestamp(info.last_modified_ms)) +
           XmlElement("ETag", "\"" + info.etag + "\"") + XmlElement("Size", std::to_string(info.size)) +
           "<StorageClass>STANDARD</StorageClass></Contents>";
  }
  for (const std::string& p : r->prefixes)
    xml += "<CommonPrefixes>" + XmlElement("Prefix", enc(p)) + "</CommonPrefixes>";
  xml += "</ListBucketResult>";
  co_return co_await SendXml(call, std::move(xml));
}

}  // namespace tcoder::storage::server
