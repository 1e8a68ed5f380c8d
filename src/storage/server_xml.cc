#include "storage/server_xml.h"

#include <charconv>

#include <pugixml.hpp>

#include "storage/s3_errors.h"

namespace tcoder::storage::server {
namespace {

Status Malformed() {
  return S3Status("MalformedXML",
                  "The XML you provided was not well-formed or did not validate against our published schema.");
}

Result<pugi::xml_node> Root(pugi::xml_document& doc, std::string_view xml, const char* name) {
  const auto parsed = doc.load_buffer(xml.data(), xml.size(), pugi::parse_default & ~pugi::parse_doctype);
  if (!parsed) return Malformed();
  pugi::xml_node root = doc.child(name);
  if (!root) return Malformed();
  return root;
}

}  // namespace

Result<DeleteRequest> ParseDeleteRequest(std::string_view xml) {
  pugi::xml_document doc;
  auto root = Root(doc, xml, "Delete");
  if (!root.ok()) return root.status();
  DeleteRequest out;
  out.quiet = std::string_view(root->child_value("Quiet")) == "true";
  for (pugi::xml_node obj : root->children("Object")) {
    pugi::xml_node key = obj.child("Key");
    if (!key) return Malformed();
    out.keys.emplace_back(key.child_value());
  }
  if (out.keys.empty() || out.keys.size() > 1000) return Malformed();
  return out;
}

Result<std::vector<std::pair<int, std::string>>> ParseCompleteRequest(std::string_view xml) {
  pugi::xml_document doc;
  auto root = Root(doc, xml, "CompleteMultipartUpload");
  if (!root.ok()) return root.status();
  std::vector<std::pair<int, std::string>> parts;
  for (pugi::xml_node part : root->children("Part")) {
    const std::string_view num = part.child_value("PartNumber");
    int n = 0;
    const auto [ptr, ec] = std::from_chars(num.data(), num.data() + num.size(), n);
    if (ec != std::errc() || ptr != num.data() + num.size() || !part.child("ETag")) return Malformed();
    parts.emplace_back(n, part.child_value("ETag"));
  }
  if (parts.empty()) return Malformed();
  return parts;
}

}  // namespace tcoder::storage::server
