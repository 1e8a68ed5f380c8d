// S3 XML documents over pugixml (see s3_xml.h).
#include "storage/s3_xml.h"

#include <charconv>
#include <pugixml.hpp>
#include <sstream>

#include "storage/sigv4.h"

namespace tcoder::storage {
namespace {

// Parses a whole document. pugixml skips any DOCTYPE and expands only the five
// predefined entities and character references.
bool Load(pugi::xml_document& doc, std::string_view body) {
  if (body.empty()) return false;
  return static_cast<bool>(doc.load_buffer(body.data(), body.size(), pugi::parse_default));
}

std::string Text(const pugi::xml_node& parent, const char* name) { return parent.child(name).text().as_string(); }

bool ParseU64(std::string_view s, std::uint64_t& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

std::string XmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string XmlElement(std::string_view name, std::string_view text) {
  std::string out;
  out.reserve(2 * name.size() + text.size() + 5);
  out.append("<").append(name).append(">").append(XmlEscape(text)).append("</").append(name).append(">");
  return out;
}

S3Error ParseError(std::string_view body) {
  pugi::xml_document doc;
  if (!Load(doc, body)) return {};
  pugi::xml_node err = doc.child("Error");
  if (!err) return {};
  return {Text(err, "Code"), Text(err, "Message")};
}

Result<ListPage> ParseListObjectsV2(std::string_view body) {
  pugi::xml_document doc;
  if (!Load(doc, body)) return Unavailable("S3 list: response is not XML");
  pugi::xml_node root = doc.child("ListBucketResult");
  if (!root) return Unavailable("S3 list: response has no ListBucketResult");
  const bool url_encoded = Text(root, "EncodingType") == "url";
  auto decode = [&](std::string s) { return url_encoded ? sigv4::UriDecode(s) : s; };
  ListPage page;
  page.truncated = Text(root, "IsTruncated") == "true";
  page.next_continuation_token = Text(root, "NextContinuationToken");
  if (page.truncated && page.next_continuation_token.empty()) {
    return Unavailable("S3 list: truncated page without NextContinuationToken");
  }
  for (pugi::xml_node c : root.children("Contents")) {
    ObjectInfo info;
    info.key = decode(Text(c, "Key"));
    if (!ParseU64(Text(c, "Size"), info.size)) return Unavailable("S3 list: bad Size for key " + info.key);
    info.etag = Text(c, "ETag");
    info.last_modified = Text(c, "LastModified");
    page.objects.push_back(std::move(info));
  }
  for (pugi::xml_node p : root.children("CommonPrefixes")) page.common_prefixes.push_back(decode(Text(p, "Prefix")));
  return page;
}

Result<std::string> ParseUploadId(std::string_view body) {
  pugi::xml_document doc;
  if (!Load(doc, body)) return Unavailable("S3 multipart: response is not XML");
  std::string id = Text(doc.child("InitiateMultipartUploadResult"), "UploadId");
  if (id.empty()) return Unavailable("S3 multipart: response has no UploadId");
  return id;
}

Result<PartsPage> ParseListParts(std::string_view body) {
  pugi::xml_document doc;
  if (!Load(doc, body)) return Unavailable("S3 list parts: response is not XML");
  pugi::xml_node root = doc.child("ListPartsResult");
  if (!root) return Unavailable("S3 list parts: response has no ListPartsResult");
  PartsPage page;
  page.truncated = Text(root, "IsTruncated") == "true";
  std::uint64_t marker = 0;
  if (page.truncated && (!ParseU64(Text(root, "NextPartNumberMarker"), marker) || marker == 0 || marker > 10000))
    return Unavailable("S3 list parts: truncated page without a NextPartNumberMarker");
  page.next_marker = static_cast<int>(marker);
  for (pugi::xml_node p : root.children("Part")) {
    UploadedPart part;
    std::uint64_t number = 0;
    if (!ParseU64(Text(p, "PartNumber"), number) || number < 1 || number > 10000)
      return Unavailable("S3 list parts: bad PartNumber");
    part.number = static_cast<int>(number);
    if (!ParseU64(Text(p, "Size"), part.size)) return Unavailable("S3 list parts: bad Size");
    part.etag = Text(p, "ETag");
    part.last_modified = Text(p, "LastModified");
    page.parts.push_back(std::move(part));
  }
  return page;
}

Result<std::string> ParseResultETag(std::string_view body, std::string_view root_name) {
  pugi::xml_document doc;
  if (!Load(doc, body)) return Unavailable("S3 " + std::string(root_name) + ": response is not XML");
  if (pugi::xml_node err = doc.child("Error")) {
    return Unavailable("S3 " + std::string(root_name) + ": " + Text(err, "Code") + ": " + Text(err, "Message"));
  }
  pugi::xml_node root = doc.child(std::string(root_name).c_str());
  if (!root) return Unavailable("S3: response has no " + std::string(root_name));
  return Text(root, "ETag");
}

std::string CompleteMultipartBody(const std::vector<CompletedPart>& parts) {
  std::ostringstream out;
  out << "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">";
  for (const CompletedPart& p : parts) {
    out << "<Part><PartNumber>" << p.number << "</PartNumber><ETag>" << XmlEscape(p.etag) << "</ETag></Part>";
  }
  out << "</CompleteMultipartUpload>";
  return out.str();
}

std::string CreateBucketBody(std::string_view region) {
  if (region.empty() || region == "us-east-1") return "";
  return "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><LocationConstraint>" +
         XmlEscape(region) + "</LocationConstraint></CreateBucketConfiguration>";
}

}  // namespace tcoder::storage
