#include "storage/object_store.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "common/temp_dir.h"
#include "storage/s3_errors.h"

namespace tcoder::storage::server {
namespace {

namespace fs = std::filesystem;

std::unique_ptr<ObjectStore> OpenStore(const fs::path& root) {
  auto store = ObjectStore::Open(root);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return store.ok() ? std::move(*store) : nullptr;
}

ObjectInfo Put(ObjectStore& store, const std::string& bucket, const std::string& key, std::string_view data) {
  auto w = store.NewWriter("put");
  EXPECT_TRUE(w.ok());
  EXPECT_TRUE(w->Write(data).ok());
  auto info = store.Commit(std::move(*w), bucket, key, PutOptions{"text/plain", {{"a", "b"}}, std::nullopt});
  EXPECT_TRUE(info.ok()) << info.status().ToString();
  return info.ok() ? *info : ObjectInfo{};
}

std::string Body(ObjectStore& store, const std::string& bucket, const std::string& key) {
  auto r = store.Read(bucket, key);
  if (!r.ok()) return "<" + r.status().message() + ">";
  std::string out(r->info.size, '\0');
  EXPECT_EQ(::pread(r->fd.get(), out.data(), out.size(), 0), static_cast<ssize_t>(out.size()));
  return out;
}

std::vector<fs::path> FilesUnder(const fs::path& root) {
  std::vector<fs::path> out;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (e.is_regular_file()) out.push_back(e.path());
  }
  return out;
}

TEST(ObjectStore, PutReadOverwriteDelete) {
  auto dir = TempDir::Create("store");
  auto store = OpenStore(dir->path());
  ASSERT_TRUE(store->CreateBucket("b-1").ok());
  const ObjectInfo first = Put(*store, "b-1", "k", "one");
  EXPECT_EQ(first.etag, "f97c5d29941bfb1b2fdab0874906ab82");  // md5("one")
  EXPECT_EQ(Body(*store, "b-1", "k"), "one");
  Put(*store, "b-1", "k", "second");
  EXPECT_EQ(Body(*store, "b-1", "k"), "second");
  EXPECT_EQ(FilesUnder(dir->path() / "buckets" / "b-1" / "objects").size(), 2u);  // one body + one sidecar
  ASSERT_TRUE(store->Delete("b-1", "k").ok());
  EXPECT_EQ(FailureOf(store->Head("b-1", "k").status()).code, "NoSuchKey");
  EXPECT_TRUE(FilesUnder(dir->path() / "buckets" / "b-1" / "objects").empty());
}

TEST(ObjectStore, HostileKeysStayInsideTheBucketAndRoundTrip) {
  auto dir = TempDir::Create("store");
  const fs::path root = dir->path() / "root";
  auto store = OpenStore(root);
  ASSERT_TRUE(store->CreateBucket("bkt").ok());
  const std::vector<std::string> keys = {"../../escape", "/abs", "a//b", "%2F..%2F", " sp ace ", "ünï/cødé", "."};
  for (const auto& k : keys) Put(*store, "bkt", k, k);
  for (const auto& k : keys) EXPECT_EQ(Body(*store, "bkt", k), k);
  for (const auto& e : fs::recursive_directory_iterator(dir->path())) {
    EXPECT_TRUE(e.path().string().starts_with((root / "buckets" / "bkt").string()) || e.is_directory() ||
                e.path().string().starts_with((root / "tmp").string()))
        << e.path();
  }
  // Reopening rebuilds the index from the sidecars.
  store.reset();
  store = OpenStore(root);
  for (const auto& k : keys) EXPECT_EQ(Body(*store, "bkt", k), k);
}

TEST(ObjectStore, UncommittedWritersAndOrphansVanish) {
  auto dir = TempDir::Create("store");
  auto store = OpenStore(dir->path());
  ASSERT_TRUE(store->CreateBucket("bkt").ok());
  {
    auto w = store->NewWriter("put");
    ASSERT_TRUE(w->Write("partial").ok());
  }  // dropped without Commit
  EXPECT_TRUE(FilesUnder(dir->path() / "tmp").empty());
  auto w = store->NewWriter("put");
  ASSERT_TRUE(w->Write("left by a crash").ok());
  Put(*store, "bkt", "kept", "x");
  const fs::path shard = dir->path() / "buckets" / "bkt" / "objects" / KeyHash("kept").substr(0, 2);
  { std::ofstream(shard / (KeyHash("kept") + ".deadbeef.data")) << "orphan body"; }
  w->Disown();
  store.reset();
  store = OpenStore(dir->path());
  EXPECT_TRUE(FilesUnder(dir->path() / "tmp").empty());
  EXPECT_EQ(FilesUnder(shard).size(), 2u);
  EXPECT_EQ(Body(*store, "bkt", "kept"), "x");
}

TEST(ObjectStore, ListWithPrefixDelimiterAndPages) {
  auto dir = TempDir::Create("store");
  auto store = OpenStore(dir->path());
  ASSERT_TRUE(store->CreateBucket("bkt").ok());
  for (const char* k : {"a/1", "a/2", "b", "c/x/1", "c/y", "d"}) Put(*store, "bkt", k, "v");
  auto r = store->List("bkt", ListOptions{"", "/", "", 1000});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->prefixes, (std::vector<std::string>{"a/", "c/"}));
  ASSERT_EQ(r->objects.size(), 2u);
  EXPECT_EQ(r->objects[0].key, "b");
  // Pages of two, following `last`.
  std::vector<std::string> seen;
  std::string after;
  for (int page = 0; page < 10; ++page) {
    auto p = store->List("bkt", ListOptions{"", "/", after, 2});
    ASSERT_TRUE(p.ok());
    for (const auto& pre : p->prefixes) seen.push_back(pre);
    for (const auto& o : p->objects) seen.push_back(o.key);
    if (!p->truncated) break;
    after = p->last;
  }
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, (std::vector<std::string>{"a/", "b", "c/", "d"}));
  auto c = store->List("bkt", ListOptions{"c/", "/", "", 1000});
  EXPECT_EQ(c->prefixes, (std::vector<std::string>{"c/x/"}));
  EXPECT_EQ(c->objects.size(), 1u);
}

TEST(ObjectStore, BucketRules) {
  auto dir = TempDir::Create("store");
  auto store = OpenStore(dir->path());
  EXPECT_EQ(FailureOf(store->CreateBucket("..")).code, "InvalidBucketName");
  EXPECT_EQ(FailureOf(store->CreateBucket("UPPER")).code, "InvalidBucketName");
  EXPECT_EQ(FailureOf(store->CreateBucket("192.168.1.1")).code, "InvalidBucketName");
  ASSERT_TRUE(store->CreateBucket("ok-bucket").ok());
  EXPECT_EQ(FailureOf(store->CreateBucket("ok-bucket")).code, "BucketAlreadyOwnedByYou");
  Put(*store, "ok-bucket", "k", "v");
  EXPECT_EQ(FailureOf(store->DeleteBucket("ok-bucket")).code, "BucketNotEmpty");
  ASSERT_TRUE(store->Delete("ok-bucket", "k").ok());
  EXPECT_TRUE(store->DeleteBucket("ok-bucket").ok());
  EXPECT_FALSE(store->BucketExists("ok-bucket"));
  EXPECT_FALSE(fs::exists(dir->path() / "buckets" / "ok-bucket"));
}

TEST(ObjectStore, Utf8Check) {
  EXPECT_TRUE(IsUtf8("plain"));
  EXPECT_TRUE(IsUtf8("ünï cødé ✓ 𝄞"));
  EXPECT_FALSE(IsUtf8("\xff"));
  EXPECT_FALSE(IsUtf8("\xc0\xaf"));      // overlong '/'
  EXPECT_FALSE(IsUtf8("\xed\xa0\x80"));  // a surrogate
}

}  // namespace
}  // namespace tcoder::storage::server
