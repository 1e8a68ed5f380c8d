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

}  // namespace
}  // namespace tcoder::storage
