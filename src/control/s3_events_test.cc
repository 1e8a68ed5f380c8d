#include "control/s3_events.h"

#include <gtest/gtest.h>

namespace tcoder::control {
namespace {

TEST(S3Events, ParsesMinioRecordsWithEncodedKeys) {
  auto r = ParseStorageEvents(R"({"EventName":"s3:ObjectCreated:Put","Key":"tcoder-input/uploads/j_1/a b.mp4",
    "Records":[{"eventName":"s3:ObjectCreated:Put","eventTime":"2026-01-01T00:00:00Z",
    "s3":{"bucket":{"name":"tcoder-input"},"object":{"key":"uploads/j_1/a+b%2Bc.mp4","size":42,"eTag":"abc"}}}]})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->created.size(), 1u);
  EXPECT_EQ(r->created[0].bucket, "tcoder-input");
  EXPECT_EQ(r->created[0].key, "uploads/j_1/a b+c.mp4");
  EXPECT_EQ(r->created[0].size, 42u);
  EXPECT_EQ(r->created[0].etag, "abc");
  EXPECT_EQ(r->created[0].event_name, "ObjectCreated:Put");
}

TEST(S3Events, IgnoresNonCreateEvents) {
  auto r = ParseStorageEvents(R"({"Records":[{"eventName":"ObjectRemoved:Delete","s3":{}}]})");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->created.empty());
  EXPECT_EQ(r->ignored, 1);
}

TEST(S3Events, ParsesR2MessagesAsIs) {
  auto r = ParseStorageEvents(R"([{"account":"x","bucket":"tcoder-input","action":"CompleteMultipartUpload",
    "object":{"key":"uploads/j_1/a+b.mp4","size":7,"eTag":"e-2"},"eventTime":"2026-01-01T00:00:00Z"},
    {"account":"x","bucket":"tcoder-input","action":"DeleteObject","object":{"key":"k"}}])");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->created.size(), 1u);
  EXPECT_EQ(r->created[0].key, "uploads/j_1/a+b.mp4");  // R2 keys are not encoded
  EXPECT_EQ(r->created[0].event_name, "ObjectCreated:CompleteMultipartUpload");
  EXPECT_EQ(r->ignored, 1);
}

TEST(S3Events, RefusesGarbage) {
  EXPECT_FALSE(ParseStorageEvents("nope").ok());
  EXPECT_FALSE(ParseStorageEvents(R"({"hello":1})").ok());
  EXPECT_FALSE(ParseStorageEvents(R"({"Records":[{"eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"b"},
    "object":{"key":"bad%zz"}}}]})")
                   .ok());
}

}  // namespace
}  // namespace tcoder::control
