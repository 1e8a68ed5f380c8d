#include "http/fake_transport.h"

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "common/file_util.h"
#include "common/temp_dir.h"

namespace tcoder::http {
namespace {

TEST(FakeTransport, RecordsWhatWouldBeSentAndAnswersInOrder) {
  TempDir dir = std::move(TempDir::Create("fake-transport-test").value());
  ASSERT_TRUE(WriteFileAtomic(dir.path() / "f", "0123456789").ok());
  FakeTransport fake;
  fake.Reply(503);
  fake.Fail(Unavailable("connection refused"));
  HttpRequest req{.method = "PUT", .url = "http://h/k", .headers = {{"X-A", "1"}}};
  req.body_file = dir.path() / "f";
  req.body_offset = 2;
  req.body_length = 5;
  EXPECT_EQ(fake.Send(req).value().status, 503);
  EXPECT_EQ(fake.Send(req).status().code(), Code::kUnavailable);
  EXPECT_EQ(fake.Send(req).status().code(), Code::kInternal);  // nothing queued: a test bug
  ASSERT_EQ(fake.count(), 3u);
  EXPECT_EQ(fake.requests()[0].body, "23456");
  EXPECT_EQ(fake.requests()[0].Header("x-a"), "1");
}

TEST(FakeTransport, DeliversASuccessfulBodyToTheRequestsSink) {
  FakeTransport fake;
  fake.SetHandler([](const HttpRequest&) -> Result<HttpResponse> {
    HttpResponse r;
    r.status = 200;
    r.body = "payload";
    return r;
  });
  HttpRequest req{.method = "GET", .url = "http://h/"};
  std::string seen;
  req.on_body = [&](std::string_view piece) {
    seen.append(piece);
    return true;
  };
  auto resp = fake.Send(req);
  ASSERT_TRUE(resp.ok());
  EXPECT_EQ(seen, "payload");
  EXPECT_EQ(resp->body_bytes, 7u);
  req.on_body = nullptr;
  req.max_body_bytes = 3;
  EXPECT_EQ(fake.Send(req).status().code(), Code::kTooLarge);
}

}  // namespace
}  // namespace tcoder::http
