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

// Each format as the store sends it, keys encoded as it encodes them.
TEST(S3Events, EveryFormatDecodesItsKeysAsItsSenderEncodesThem) {
  // AWS S3: form-URL-encoded, '+' is a space, UTF-8 percent-encoded.
  auto aws =
      ParseStorageEvents(R"({"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","eventName":"ObjectCreated:Put",
    "s3":{"bucket":{"name":"tcoder-input"},"object":{"key":"uploads/j_1/my+clip+%2B+caf%C3%A9.mp4","size":9,"eTag":"\"e\""}}}]})");
  ASSERT_TRUE(aws.ok()) << aws.status().ToString();
  EXPECT_EQ(aws->created.at(0).key, "uploads/j_1/my clip + caf\u00e9.mp4");
  EXPECT_EQ(aws->created.at(0).etag, "e");
  // MinIO: '/' escaped as %2F.
  auto minio = ParseStorageEvents(R"({"EventName":"s3:ObjectCreated:CompleteMultipartUpload","Records":[{
    "eventName":"s3:ObjectCreated:CompleteMultipartUpload","s3":{"bucket":{"name":"tcoder-input"},
    "object":{"key":"uploads%2Fj_1%2Fa%20b.mp4","size":5}}}]})");
  ASSERT_TRUE(minio.ok()) << minio.status().ToString();
  EXPECT_EQ(minio->created.at(0).key, "uploads/j_1/a b.mp4");
  EXPECT_EQ(minio->created.at(0).event_name, "ObjectCreated:CompleteMultipartUpload");
  // EventBridge: keys as they are.
  auto bridge = ParseStorageEvents(R"({"version":"0","id":"c9888434","detail-type":"Object Created","source":"aws.s3",
    "account":"123","time":"2026-12-04T10:00:00Z","region":"eu-west-1","resources":["arn:aws:s3:::tcoder-input"],
    "detail":{"version":"0","bucket":{"name":"tcoder-input"},"object":{"key":"uploads/j_1/a+b:c.mp4","size":198,
    "etag":"4af9-12"},"reason":"CompleteMultipartUpload"}})");
  ASSERT_TRUE(bridge.ok()) << bridge.status().ToString();
  EXPECT_EQ(bridge->created.at(0).key, "uploads/j_1/a+b:c.mp4");
  EXPECT_EQ(bridge->created.at(0).size, 198u);
  EXPECT_EQ(bridge->created.at(0).etag, "4af9-12");
  EXPECT_EQ(bridge->created.at(0).event_name, "ObjectCreated:CompleteMultipartUpload");
  EXPECT_EQ(bridge->created.at(0).event_time, "2026-12-04T10:00:00Z");
  auto deleted = ParseStorageEvents(R"({"detail-type":"Object Deleted","source":"aws.s3","detail":{}})");
  ASSERT_TRUE(deleted.ok());
  EXPECT_TRUE(deleted->created.empty());
  EXPECT_EQ(deleted->ignored, 1);
  EXPECT_FALSE(ParseStorageEvents(R"({"detail-type":"Object Created","source":"aws.s3","detail":{}})").ok());
  // R2: raw keys, the three creating actions.
  auto r2 = ParseStorageEvents(R"({"account":"a","bucket":"tcoder-input","action":"CopyObject",
    "object":{"key":"uploads/j_1/100% a+b.mp4","size":3,"eTag":"x"},"copySource":{"bucket":"b","object":"o"}})");
  ASSERT_TRUE(r2.ok()) << r2.status().ToString();
  EXPECT_EQ(r2->created.at(0).key, "uploads/j_1/100% a+b.mp4");
  EXPECT_EQ(r2->created.at(0).event_name, "ObjectCreated:Copy");
  // S3's test event when a notification is configured: ignored.
  auto test = ParseStorageEvents(R"({"Service":"Amazon S3","Event":"s3:TestEvent","Time":"2026-12-04T10:00:00.000Z",
    "Bucket":"tcoder-input","RequestId":"5582815E1AEA5ADF","HostId":"8cLeGAmw"})");
  ASSERT_TRUE(test.ok());
  EXPECT_TRUE(test->created.empty());
  EXPECT_EQ(test->ignored, 1);
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
