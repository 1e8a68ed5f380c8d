// state::RedisMux against real redis-servers: many coroutines on several io
// threads share one pipelined connection and each gets its own replies; error
// replies fail only their call; scripts load on NOSCRIPT; a server that goes
// away answers kUnavailable and the mux reconnects when it is back; TLS.
#include <utility>  // Boost 1.74's awaitable.hpp needs it first with GCC 12

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include "common/crypto.h"
#include "state/redis_mux.h"
#include "support/redis_server.h"
#include "support/test_certs.h"

namespace tcoder::state {
namespace {

namespace asio = boost::asio;
using tcoder::testing::RedisServer;

// Runs `spawn(io)` then the io_context on `threads` threads until every
// coroutine it started has ended.
template <typename Spawn>
void RunOn(int threads, Spawn spawn) {
  asio::io_context io(threads);
  spawn(io);
  std::vector<std::thread> pool;
  for (int i = 0; i < threads; ++i) pool.emplace_back([&] { io.run(); });
  for (auto& t : pool) t.join();
}

// How many connections the server holds named `name`.
int ConnectionsNamed(const std::string& url, const std::string& name) {
  auto admin = RedisClient::Connect(url);
  TCODER_CHECK(admin.ok(), admin.status().ToString());
  auto list = (*admin)->Command({"CLIENT", "LIST"});
  TCODER_CHECK(list.ok(), list.status().ToString());
  int n = 0;
  for (size_t at = list->str.find(" name=" + name + " "); at != std::string::npos;
       at = list->str.find(" name=" + name + " ", at + 1))
    ++n;
  return n;
}

TEST(RedisMux, ConcurrentCallersEachGetTheirOwnRepliesOverOneConnection) {
  auto server = RedisServer::Start();
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  RedisOptions options;
  options.client_name = "tcoder-mux-test";
  RedisMux mux((*server)->url(), options);
  constexpr int kCallers = 32, kCalls = 200;
  const std::string prefix = "mux:" + crypto::RandomToken(6) + ":";
  std::atomic<int> wrong{0}, failed{0}, done{0};
  std::atomic<int> peak_connections{0};
  RunOn(4, [&](asio::io_context& io) {
    for (int c = 0; c < kCallers; ++c) {
      asio::co_spawn(
          io,
          [&, c]() -> Task<void> {
            const std::string key = prefix + std::to_string(c);
            for (int i = 1; i <= kCalls; ++i) {
              const Argv incr{"INCR", key};
              auto r = co_await mux.Command(incr);
              if (!r.ok())
                ++failed;
              else if (r->integer != i)
                ++wrong;  // another caller's reply, or one out of order
            }
            if (++done == kCallers / 2) peak_connections = ConnectionsNamed((*server)->url(), "tcoder-mux-test");
          },
          asio::detached);
    }
  });
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(done.load(), kCallers);
  EXPECT_EQ(peak_connections.load(), 1);
  auto check = RedisClient::Connect((*server)->url());
  ASSERT_TRUE(check.ok());
  auto last = (*check)->Command({"GET", prefix + "7"});
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last->str, std::to_string(kCalls));
}

TEST(RedisMux, AnErrorReplyFailsOnlyItsOwnCallAndScriptsLoadOnNoscript) {
  auto server = RedisServer::Start();
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  RedisMux mux((*server)->url());
  const LuaScript script{"mux_echo_test", "return ARGV[1] .. redis.call('INCR', KEYS[1])"};
  const std::string key = "mux:" + crypto::RandomToken(6);
  std::vector<Result<RedisValue>> got(4, Internal("not answered"));
  const std::vector<RedisCall> calls = {
      RedisCall::Command({"SET", key + ":s", "text"}), RedisCall::Command({"INCR", key + ":s"}),
      RedisCall::Script(script, {key}, {"n="}), RedisCall::Command({"GET", key + ":s"})};
  RunOn(1, [&](asio::io_context& io) {
    // Started together: usually one batch, the bad call amid good ones.
    for (size_t i = 0; i < calls.size(); ++i)
      asio::co_spawn(
          io, [&, i]() -> Task<void> { got[i] = co_await mux.Run(calls[i]); }, asio::detached);
  });
  ASSERT_TRUE(got[0].ok()) << got[0].status().ToString();
  EXPECT_EQ(got[1].status().code(), Code::kInternal);  // ERR value is not an integer
  ASSERT_TRUE(got[2].ok()) << got[2].status().ToString();
  EXPECT_EQ(got[2]->str, "n=1");
  ASSERT_TRUE(got[3].ok()) << got[3].status().ToString();
  EXPECT_EQ(got[3]->str, "text");
  // The same four in one batch for certain (one write, replies in order).
  auto admin = RedisClient::Connect((*server)->url());
  ASSERT_TRUE(admin.ok());
  auto batch = (*admin)->Batch(calls);
  ASSERT_EQ(batch.size(), 4u);
  EXPECT_TRUE(batch[0].ok());
  EXPECT_EQ(batch[1].status().code(), Code::kInternal);
  ASSERT_TRUE(batch[2].ok()) << batch[2].status().ToString();
  EXPECT_EQ(batch[2]->str, "n=2");
  ASSERT_TRUE(batch[3].ok());
  EXPECT_EQ(batch[3]->str, "text");
  // The server forgets its scripts: the next run loads it again.
  ASSERT_TRUE((*admin)->Command({"SCRIPT", "FLUSH"}).ok());
  Result<RedisValue> again = Internal("not answered");
  const RedisCall rerun = RedisCall::Script(script, {key}, {"n="});
  RunOn(1, [&](asio::io_context& io) {
    asio::co_spawn(
        io, [&]() -> Task<void> { again = co_await mux.Run(rerun); }, asio::detached);
  });
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->str, "n=3");
}

TEST(RedisMux, AServerGoneAnswersUnavailableAndTheMuxReconnectsWhenItIsBack) {
  auto server = RedisServer::Start();
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  RedisMux mux((*server)->url());
  auto call = [&](Argv argv) {
    Result<RedisValue> r = Internal("not answered");
    RunOn(1, [&](asio::io_context& io) {
      asio::co_spawn(
          io, [&]() -> Task<void> { r = co_await mux.Command(argv); }, asio::detached);
    });
    return r;
  };
  ASSERT_TRUE(call({"SET", "mux:k", "1"}).ok());
  ASSERT_TRUE((*server)->Kill().ok());
  EXPECT_EQ(call({"GET", "mux:k"}).status().code(), Code::kUnavailable);
  ASSERT_TRUE((*server)->Restart().ok());
  Result<RedisValue> back = Internal("not answered");
  for (int i = 0; i < 100; ++i) {  // the reconnect backs off up to 2 s
    back = call({"GET", "mux:k"});
    if (back.ok()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->str, "1");  // from the AOF
}

TEST(RedisMux, CallsTravelOverVerifiedTls) {
  auto certs = tcoder::testing::TestCerts::Create();
  ASSERT_TRUE(certs.ok()) << certs.status().ToString();
  RedisServer::Options o;
  o.tls = RedisServer::Options::Tls{(*certs)->server_cert(), (*certs)->server_key(), (*certs)->ca(), false, true};
  auto server = RedisServer::Start(o);
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  RedisOptions options;
  options.tls.ca_file = (*certs)->ca().string();
  RedisMux mux("rediss://127.0.0.1:" + std::to_string((*server)->tls_port()), options);
  std::atomic<int> ok{0};
  RunOn(2, [&](asio::io_context& io) {
    for (int c = 0; c < 8; ++c) {
      asio::co_spawn(
          io,
          [&]() -> Task<void> {
            const Argv ping{"PING"};
            auto r = co_await mux.Command(ping);
            if (r.ok() && r->str == "PONG") ++ok;
          },
          asio::detached);
    }
  });
  EXPECT_EQ(ok.load(), 8);
}

}  // namespace
}  // namespace tcoder::state
