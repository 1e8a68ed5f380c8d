#include "storage/s3_xml.h"

#include <gtest/gtest.h>

namespace tcoder::storage {
namespace {

TEST(S3Xml, EscapesEveryMarkupCharacter) {
  EXPECT_EQ(XmlEscape(R"(a&b<c>d"e'f)"), "a&amp;b&lt;c&gt;d&quot;e&apos;f");
  EXPECT_EQ(XmlEscape("plain ключ/🎬"), "plain ключ/🎬");
  EXPECT_EQ(XmlElement("Key", "</Key><Evil/>"), "<Key>&lt;/Key&gt;&lt;Evil/&gt;</Key>");
}

TEST(S3Xml, CompletionBodyEscapesETagsAndParsesBack) {
  const std::string body = CompleteMultipartBody({{1, "\"abc\""}, {2, "<x>"}});
  EXPECT_NE(body.find("<ETag>&quot;abc&quot;</ETag>"), std::string::npos);
  EXPECT_NE(body.find("<ETag>&lt;x&gt;</ETag>"), std::string::npos);
  EXPECT_EQ(body.find("<x>"), std::string::npos);
}

TEST(S3Xml, UploadIdParsesAndRejectsDocumentsWithEntities) {
  auto id =
      ParseUploadId("<InitiateMultipartUploadResult><UploadId>u-1&amp;2</UploadId></InitiateMultipartUploadResult>");
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  EXPECT_EQ(*id, "u-1&2");
  const std::string xxe = R"(<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]>)"
                          "<InitiateMultipartUploadResult><UploadId>&e;</UploadId></InitiateMultipartUploadResult>";
  auto bad = ParseUploadId(xxe);
  EXPECT_TRUE(!bad.ok() || bad->find("root:") == std::string::npos);
}

TEST(S3Xml, ListPartsParsesPartsAndRefusesBadPages) {
  auto page = ParseListParts(
      "<ListPartsResult><IsTruncated>true</IsTruncated><NextPartNumberMarker>2</NextPartNumberMarker>"
      "<Part><PartNumber>1</PartNumber><LastModified>2026-12-04T20:00:00.000Z</LastModified>"
      "<ETag>&quot;aa&quot;</ETag><Size>5242880</Size></Part>"
      "<Part><PartNumber>2</PartNumber><ETag>\"bb\"</ETag><Size>7</Size></Part></ListPartsResult>");
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->parts.size(), 2u);
  EXPECT_EQ(page->parts[0].number, 1);
  EXPECT_EQ(page->parts[0].size, 5242880u);
  EXPECT_EQ(page->parts[0].etag, "\"aa\"");
  EXPECT_EQ(page->parts[0].last_modified, "2026-12-04T20:00:00.000Z");
  EXPECT_EQ(page->parts[1].size, 7u);
  EXPECT_TRUE(page->truncated);
  EXPECT_EQ(page->next_marker, 2);

  EXPECT_FALSE(ParseListParts("<ListBucketResult/>").ok());
  EXPECT_FALSE(ParseListParts("<ListPartsResult><Part><PartNumber>0</PartNumber><Size>1</Size></Part>"
                              "</ListPartsResult>")
                   .ok());
  EXPECT_FALSE(ParseListParts("<ListPartsResult><Part><PartNumber>1</PartNumber><Size>-1</Size></Part>"
                              "</ListPartsResult>")
                   .ok());
  EXPECT_FALSE(ParseListParts("<ListPartsResult><IsTruncated>true</IsTruncated></ListPartsResult>").ok());
}

}  // namespace
}  // namespace tcoder::storage
