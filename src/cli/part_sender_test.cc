#include "cli/part_sender.h"

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include <gtest/gtest.h>

namespace tcoder::cli {
namespace {

// A store of parts behind fake presigned URLs "u<n>#<generation>".
struct FakeStore {
  std::mutex mu;
  std::map<int, std::pair<std::uint64_t, std::uint64_t>> stored;  // part -> (offset, length)
  std::map<int, int> puts;
  std::map<int, int> fail_first;  // part -> transient failures before it takes it
  std::set<int> refuse;           // parts answered 400
  std::set<std::string> expired;  // URLs answered 403
  int generation = 0;
  std::atomic<int> in_flight{0}, most_in_flight{0};
  std::vector<std::vector<int>> url_requests;

  Result<PutAnswer> Put(const std::string& url, std::uint64_t offset, std::uint64_t length,
                        const UploadProgress& progress) {
    const int now = ++in_flight;
    for (int m = most_in_flight; now > m && !most_in_flight.compare_exchange_weak(m, now);) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    progress(length / 2, length);
    --in_flight;
    const int n = std::stoi(url.substr(1, url.find('#') - 1));
    std::lock_guard lock(mu);
    ++puts[n];
    if (expired.count(url)) return PutAnswer{403, "AccessDenied", "storage refused the upload: HTTP 403"};
    if (refuse.count(n)) return PutAnswer{400, "InvalidArgument", "storage refused the upload: HTTP 400"};
    if (fail_first[n] > 0) {
      --fail_first[n];
      if (n % 2 == 0) return Unavailable("upload failed: connection reset");
      return PutAnswer{503, "SlowDown", "storage refused the upload: HTTP 503 SlowDown"};
    }
    stored[n] = {offset, length};
    return PutAnswer{200, "", ""};
  }

  FreshUrls Fresh() {
    return [this](const std::vector<int>& numbers) -> Result<std::map<int, std::string>> {
      std::lock_guard lock(mu);
      url_requests.push_back(numbers);
      ++generation;
      std::map<int, std::string> urls;
      for (int n : numbers) urls[n] = "u" + std::to_string(n) + "#" + std::to_string(generation);
      return urls;
    };
  }
  std::map<int, std::string> First(int count) {
    std::map<int, std::string> urls;
    for (int n = 1; n <= count; ++n) urls[n] = "u" + std::to_string(n) + "#0";
    return urls;
  }
};

PartSenderOptions Options(FakeStore& store, int parallel = 4) {
  PartSenderOptions o;
  o.parallel = parallel;
  o.backoff = std::chrono::milliseconds(1);
  o.put = [&store](const std::string& url, std::uint64_t off, std::uint64_t len, const UploadProgress& p) {
    return store.Put(url, off, len, p);
  };
  return o;
}

std::vector<int> All(int count) {
  std::vector<int> v;
  for (int n = 1; n <= count; ++n) v.push_back(n);
  return v;
}

TEST(PartSender, EveryPartGoesOnceAtItsOffsetWithAtMostParallelInFlight) {
  FakeStore store;
  const PartLayout layout{10 * 100 + 7, 100, 11};
  PartSender sender("unused", layout, store.First(11), store.Fresh(), Options(store, 3));
  std::uint64_t last = 0;
  bool monotonic_end = false;
  auto sent = sender.Send(All(11), 0, [&](std::uint64_t done, std::uint64_t total) {
    EXPECT_LE(done, total);
    last = done;
    monotonic_end = done == total;
  });
  ASSERT_TRUE(sent.ok()) << sent.status().ToString();
  EXPECT_EQ(sent->parts, 11);
  EXPECT_EQ(sent->bytes, layout.size);
  EXPECT_EQ(last, layout.size);
  EXPECT_TRUE(monotonic_end);
  ASSERT_EQ(store.stored.size(), 11u);
  EXPECT_EQ(store.stored[11], std::make_pair(std::uint64_t{1000}, std::uint64_t{7}));
  EXPECT_EQ(store.stored[4], std::make_pair(std::uint64_t{300}, std::uint64_t{100}));
  for (const auto& [n, count] : store.puts) EXPECT_EQ(count, 1) << "part " << n;
  EXPECT_LE(store.most_in_flight.load(), 3);
  EXPECT_TRUE(store.url_requests.empty());
}

TEST(PartSender, OnlyTheGivenPartsAreSentAndTheOthersCountAsDone) {
  FakeStore store;
  const PartLayout layout{500, 100, 5};
  PartSender sender("unused", layout, store.First(5), store.Fresh(), Options(store));
  std::uint64_t first = 0;
  auto sent = sender.Send({2, 5}, 300, [&](std::uint64_t done, std::uint64_t) { first = first ? first : done; });
  ASSERT_TRUE(sent.ok());
  EXPECT_EQ(sent->parts, 2);
  EXPECT_EQ(sent->bytes, 200u);
  EXPECT_GE(first, 300u);
  EXPECT_EQ(store.puts.size(), 2u);
  EXPECT_FALSE(sender.Send({6}, 0, nullptr).ok());
}

TEST(PartSender, ATransientFailureIsRetriedForThatPartAlone) {
  FakeStore store;
  store.fail_first[2] = 2;  // a reset connection twice
  store.fail_first[3] = 1;  // a 503 once
  PartSender sender("unused", {400, 100, 4}, store.First(4), store.Fresh(), Options(store));
  auto sent = sender.Send(All(4), 0, nullptr);
  ASSERT_TRUE(sent.ok()) << sent.status().ToString();
  EXPECT_EQ(store.puts[1], 1);
  EXPECT_EQ(store.puts[2], 3);
  EXPECT_EQ(store.puts[3], 2);
  EXPECT_EQ(store.puts[4], 1);
}

TEST(PartSender, APartFailingEveryTimeStopsTheUploadWithTheStoresAnswer) {
  FakeStore store;
  store.fail_first[2] = 100;
  PartSender sender("unused", {400, 100, 4}, store.First(4), store.Fresh(), Options(store, 1));
  auto sent = sender.Send(All(4), 0, nullptr);
  ASSERT_FALSE(sent.ok());
  EXPECT_NE(sent.status().message().find("part 2"), std::string::npos) << sent.status().ToString();
  EXPECT_EQ(store.puts[2], 5);
  EXPECT_EQ(store.puts.count(3), 0u) << "one worker: nothing after the failed part";

  FakeStore refusing;
  refusing.refuse.insert(1);
  PartSender once("unused", {100, 100, 1}, refusing.First(1), refusing.Fresh(), Options(refusing));
  auto refused = once.Send({1}, 0, nullptr);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refusing.puts[1], 1) << "a 400 is not retried";
  EXPECT_NE(refused.status().message().find("HTTP 400"), std::string::npos);
}

TEST(PartSender, AnExpiredUrlIsRenewedOnceAndPartsPastTheGivenOnesAreAskedFor) {
  FakeStore store;
  store.expired.insert("u2#0");
  PartSender sender("unused", {2500, 100, 25}, store.First(10), store.Fresh(), Options(store, 1));
  auto sent = sender.Send(All(25), 0, nullptr);
  ASSERT_TRUE(sent.ok()) << sent.status().ToString();
  EXPECT_EQ(store.stored.size(), 25u);
  EXPECT_EQ(store.puts[2], 2);
  ASSERT_FALSE(store.url_requests.empty());
  EXPECT_EQ(store.url_requests[0].front(), 2);
  EXPECT_EQ(store.url_requests[0].size(), 24u) << "one request renews part 2 and signs every part still to send";

  FakeStore stale;
  for (int g = 0; g < 3; ++g) stale.expired.insert("u1#" + std::to_string(g));
  PartSender twice("unused", {100, 100, 1}, stale.First(1), stale.Fresh(), Options(stale));
  auto refused = twice.Send({1}, 0, nullptr);
  EXPECT_FALSE(refused.ok()) << "a fresh URL refused too is not renewed again";
  EXPECT_EQ(stale.puts[1], 2);
}

}  // namespace
}  // namespace tcoder::cli
