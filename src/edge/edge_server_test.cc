// EdgeServer over a fake ObjectSource, driven by curl: what it asks storage
// for (cache hits, chunked streaming, ranges) and how it answers failures.
#include "edge/edge_server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>

#include "common/process.h"

namespace tcoder::edge {
namespace {

class FakeSource : public ObjectSource {
 public:
  struct Counters {
    std::atomic<int> heads{0};
    std::atomic<int> reads{0};
  };
  FakeSource(std::map<std::string, std::string> objects, Counters& counters)
      : objects_(std::move(objects)), counters_(counters) {}

  Result<ObjectMeta> Head(std::string_view key) override {
    ++counters_.heads;
    if (unavailable) return Unavailable("store down");
    auto it = objects_.find(std::string(key));
    if (it == objects_.end()) return NotFound("no such key");
    return ObjectMeta{it->second.size(), "\"etag-" + std::to_string(it->second.size()) + "\"", 784111777, ""};
  }

  Result<std::string> Read(std::string_view key, std::optional<ByteSpan> span, std::size_t max_bytes) override {
    const int n = ++counters_.reads;
    if (fail_read_after >= 0 && n > fail_read_after) return Unavailable("store went away");
    auto it = objects_.find(std::string(key));
    if (it == objects_.end()) return NotFound("no such key");
    std::string out = span ? it->second.substr(span->first, span->length()) : it->second;
    if (out.size() > max_bytes) return Status(Code::kTooLarge, "over max_bytes");
    return out;
  }

  std::atomic<bool> unavailable{false};
  std::atomic<int> fail_read_after{-1};

 private:
  std::map<std::string, std::string> objects_;
  Counters& counters_;
};

struct Reply {
  int status = 0;
  std::string head;
  std::string body;
  int curl_code = -1;
  bool Has(std::string_view header_line) const { return head.find(header_line) != std::string::npos; }
};

Reply Fetch(int port, const std::string& path, std::vector<std::string> extra = {}) {
  ProcessSpec spec;
  spec.argv = {"curl", "-s", "-i", "--max-time", "30"};
  spec.argv.insert(spec.argv.end(), extra.begin(), extra.end());
  spec.argv.push_back("http://127.0.0.1:" + std::to_string(port) + path);
  auto r = RunProcess(spec, RunOptions{.deadline = std::chrono::seconds(60), .max_capture = 8 << 20});
  Reply out;
  if (!r.ok()) return out;
  out.curl_code = r->exit.code;
  const std::size_t end = r->out.find("\r\n\r\n");
  out.head = r->out.substr(0, end);
  if (end != std::string::npos) out.body = r->out.substr(end + 4);
  if (out.head.size() > 12) out.status = std::atoi(out.head.c_str() + 9);
  return out;
}

std::string Pattern(std::size_t size) {
  std::string s(size, '\0');
  for (std::size_t i = 0; i < size; ++i) s[i] = static_cast<char>('a' + (i * 7 + i / 251) % 26);
  return s;
}

class EdgeServerTest : public ::testing::Test {
 protected:
  void StartEdge(std::uint64_t cache_bytes = 1 << 20) {
    std::map<std::string, std::string> objects{
        {"public/j/seg.ts", Pattern(5000)}, {"public/j/big.mp4", Pattern(50000)}, {"public/j/index.m3u8", "#EXTM3U\n"}};
    auto source = std::make_unique<FakeSource>(std::move(objects), counters_);
    source_ = source.get();
    EdgeOptions o;
    o.port = 0;
    o.threads = 2;
    o.storage_threads = 2;
    o.jwt_secret = "s";
    o.cache_bytes = cache_bytes;
    o.cache_object_bytes = 10000;
    o.chunk_bytes = 4096;
    o.short_ttl = std::chrono::seconds(0);
    auto edge = EdgeServer::Start(o, std::move(source));
    ASSERT_TRUE(edge.ok()) << edge.status().ToString();
    edge_ = std::move(edge).value();
  }
  int port() const { return edge_->port(); }

  FakeSource::Counters counters_;
  FakeSource* source_ = nullptr;
  std::unique_ptr<EdgeServer> edge_;
};

TEST_F(EdgeServerTest, SmallObjectsAreServedFromTheCacheAfterTheFirstRead) {
  StartEdge();
  const Reply first = Fetch(port(), "/public/j/seg.ts");
  ASSERT_EQ(first.status, 200) << first.head;
  EXPECT_EQ(first.body, Pattern(5000));
  EXPECT_EQ(counters_.heads.load(), 1);
  EXPECT_EQ(counters_.reads.load(), 1);
  const Reply second = Fetch(port(), "/public/j/seg.ts", {"-H", "Range: bytes=10-19"});
  EXPECT_EQ(second.status, 206);
  EXPECT_EQ(second.body, Pattern(5000).substr(10, 10));
  EXPECT_EQ(counters_.heads.load(), 1);
  EXPECT_EQ(counters_.reads.load(), 1);
  EXPECT_EQ(edge_->cache_stats().hits, 1u);
}

TEST_F(EdgeServerTest, PlaylistsExpireFromTheCache) {
  StartEdge();  // short_ttl 0: every playlist request goes back to storage
  EXPECT_EQ(Fetch(port(), "/public/j/index.m3u8").status, 200);
  EXPECT_EQ(Fetch(port(), "/public/j/index.m3u8").status, 200);
  EXPECT_EQ(counters_.heads.load(), 2);
}

TEST_F(EdgeServerTest, LargeObjectsStreamInChunks) {
  StartEdge();
  const Reply r = Fetch(port(), "/public/j/big.mp4");
  ASSERT_EQ(r.status, 200) << r.head;
  EXPECT_TRUE(r.Has("Content-Length: 50000"));
  EXPECT_EQ(r.body, Pattern(50000));
  EXPECT_EQ(counters_.reads.load(), 13);  // ceil(50000 / 4096)
  EXPECT_EQ(edge_->cache_stats().entries, 0u);
}

TEST_F(EdgeServerTest, RangesOfLargeObjectsReadOnlyTheirBytes) {
  StartEdge();
  const Reply r = Fetch(port(), "/public/j/big.mp4", {"-H", "Range: bytes=45000-45009"});
  ASSERT_EQ(r.status, 206) << r.head;
  EXPECT_TRUE(r.Has("Content-Range: bytes 45000-45009/50000"));
  EXPECT_EQ(r.body, Pattern(50000).substr(45000, 10));
  EXPECT_EQ(counters_.reads.load(), 1);
}

TEST_F(EdgeServerTest, WithTheCacheOffSmallObjectsStreamToo) {
  StartEdge(/*cache_bytes=*/0);
  EXPECT_EQ(Fetch(port(), "/public/j/seg.ts").body, Pattern(5000));
  EXPECT_EQ(Fetch(port(), "/public/j/seg.ts").body, Pattern(5000));
  EXPECT_EQ(counters_.heads.load(), 2);
}

TEST_F(EdgeServerTest, StorageDownIs503WithXVia) {
  StartEdge();
  source_->unavailable = true;
  const Reply r = Fetch(port(), "/public/j/seg.ts");
  EXPECT_EQ(r.status, 503);
  EXPECT_TRUE(r.Has("X-Via: tcoder-edge"));
  EXPECT_EQ(r.body.find("store down"), std::string::npos);  // the store's words stay in the log
}

TEST_F(EdgeServerTest, AFailureMidBodyCutsTheResponseShort) {
  StartEdge();
  source_->fail_read_after = 3;
  const Reply r = Fetch(port(), "/public/j/big.mp4");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.curl_code, 0);  // curl sees a short body (18: partial file)
  EXPECT_LT(r.body.size(), 50000u);
  // The edge still serves afterwards.
  source_->fail_read_after = -1;
  EXPECT_EQ(Fetch(port(), "/public/j/seg.ts").status, 200);
}

TEST_F(EdgeServerTest, MissingObjectsAre404) {
  StartEdge();
  const Reply r = Fetch(port(), "/public/j/nope.ts");
  EXPECT_EQ(r.status, 404);
  EXPECT_TRUE(r.Has("X-Via: tcoder-edge"));
}

}  // namespace
}  // namespace tcoder::edge
