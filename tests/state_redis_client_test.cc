// state::RedisClient against real redis-servers: TLS (server and client
// certificates, host names, wrong ports), ACL users, unix sockets. Every
// connection runs the calls the state layer makes: a command, EVALSHA, a
// pipeline and a blocking pop.
#include <gtest/gtest.h>

#include <thread>

#include "common/file_util.h"
#include "common/process.h"
#include "common/temp_dir.h"

#include "common/crypto.h"
#include "state/access_check.h"
#include "state/queue.h"
#include "state/redis_client.h"
#include "support/redis_sentinels.h"
#include "support/redis_server.h"
#include "support/test_certs.h"
#include "support/test_env.h"

namespace tcoder::state {
namespace {

using tcoder::testing::RedisSentinels;
using tcoder::testing::RedisServer;
using tcoder::testing::TestCerts;

// The calls the state layer relies on, over `client`.
void ExpectWorks(RedisClient& client) {
  auto pong = client.Command({"PING"});
  ASSERT_TRUE(pong.ok()) << pong.status().ToString();
  EXPECT_EQ(pong->str, "PONG");
  const LuaScript script{"echo_test", "return ARGV[1] .. redis.call('INCR', KEYS[1])"};
  const std::string key = "t:" + crypto::RandomToken(8);
  auto ran = client.Eval(script, {key}, {"n="});
  ASSERT_TRUE(ran.ok()) << ran.status().ToString();
  EXPECT_EQ(ran->str, "n=1");
  auto piped = client.Pipeline({{"INCR", key}, {"INCR", key}, {"GET", key}});
  ASSERT_TRUE(piped.ok()) << piped.status().ToString();
  ASSERT_EQ(piped->size(), 3u);
  EXPECT_EQ((*piped)[2].str, "3");
  auto popped = client.BlockingCommand({"BLPOP", key + ":empty", "0.05"}, std::chrono::milliseconds(50));
  ASSERT_TRUE(popped.ok()) << popped.status().ToString();
  EXPECT_TRUE(popped->is_nil());
  const std::string big(300 * 1024, 'x');  // many TLS records each way
  ASSERT_TRUE(client.Command({"SET", key + ":big", big}).ok());
  auto back = client.Command({"GET", key + ":big"});
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->str, big);
}

class RedisClientTls : public ::testing::Test {
 protected:
  void Start(bool require_client_cert, bool dns_only = false) {
    auto certs = TestCerts::Create(dns_only);
    ASSERT_TRUE(certs.ok()) << certs.status().ToString();
    certs_ = std::move(*certs);
    RedisServer::Options o;
    o.tls = RedisServer::Options::Tls{certs_->server_cert(), certs_->server_key(), certs_->ca(), require_client_cert};
    auto server = RedisServer::Start(o);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
  }
  std::string TlsUrl(const std::string& host = "127.0.0.1") const {
    return "rediss://" + host + ":" + std::to_string(server_->tls_port());
  }
  RedisOptions WithCa(const std::filesystem::path& ca) const {
    RedisOptions o;
    o.tls.ca_file = ca.string();
    return o;
  }

  std::unique_ptr<TestCerts> certs_;
  std::unique_ptr<RedisServer> server_;
};

TEST_F(RedisClientTls, VerifiedConnectionCarriesEveryKindOfCall) {
  Start(false);
  auto client = RedisClient::Connect(TlsUrl(), WithCa(certs_->ca()));
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  ExpectWorks(**client);
  auto by_name = RedisClient::Connect(TlsUrl("localhost"), WithCa(certs_->ca()));
  ASSERT_TRUE(by_name.ok()) << by_name.status().ToString();
  ExpectWorks(**by_name);
}

TEST_F(RedisClientTls, AnUntrustedCertificateIsRefusedUnlessInsecure) {
  Start(false);
  auto refused = RedisClient::Connect(TlsUrl(), WithCa(certs_->other_ca()));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Code::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("not accepted"), std::string::npos) << refused.status().ToString();
  EXPECT_NE(refused.status().message().find("--redis-ca-file"), std::string::npos) << refused.status().ToString();
  auto system = RedisClient::Connect(TlsUrl());  // the system's CAs never signed a test CA
  EXPECT_FALSE(system.ok());
  RedisOptions insecure;
  insecure.tls.insecure = true;
  auto client = RedisClient::Connect(TlsUrl(), insecure);
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  ExpectWorks(**client);
}

TEST_F(RedisClientTls, TheHostNameMustMatchTheCertificate) {
  Start(false, /*dns_only=*/true);  // the certificate names localhost, not 127.0.0.1
  auto by_ip = RedisClient::Connect(TlsUrl("127.0.0.1"), WithCa(certs_->ca()));
  ASSERT_FALSE(by_ip.ok());
  EXPECT_EQ(by_ip.status().code(), Code::kInvalidArgument) << by_ip.status().ToString();
  auto by_name = RedisClient::Connect(TlsUrl("localhost"), WithCa(certs_->ca()));
  ASSERT_TRUE(by_name.ok()) << by_name.status().ToString();
  ExpectWorks(**by_name);
}

TEST_F(RedisClientTls, AClientCertificateIsSentWhenGiven) {
  Start(/*require_client_cert=*/true);
  auto without = RedisClient::Connect(TlsUrl(), WithCa(certs_->ca()));
  if (without.ok()) {  // TLS 1.3: the server refuses after the handshake, at the first command
    EXPECT_FALSE((*without)->Command({"PING"}).ok());
  }
  RedisOptions o = WithCa(certs_->ca());
  o.tls.cert_file = certs_->client_cert().string();
  o.tls.key_file = certs_->client_key().string();
  auto with = RedisClient::Connect(TlsUrl(), o);
  ASSERT_TRUE(with.ok()) << with.status().ToString();
  ExpectWorks(**with);
  o.tls.key_file.clear();
  auto half = RedisClient::Connect(TlsUrl(), o);
  ASSERT_FALSE(half.ok());
  EXPECT_NE(half.status().message().find("--redis-key-file"), std::string::npos) << half.status().ToString();
}

TEST_F(RedisClientTls, TheWrongSchemeForAPortSaysSo) {
  Start(false);
  auto tls_to_plain =
      RedisClient::Connect("rediss://127.0.0.1:" + std::to_string(server_->port()), WithCa(certs_->ca()));
  ASSERT_FALSE(tls_to_plain.ok());  // the plaintext server waits for a command's end: a timeout
  EXPECT_NE(tls_to_plain.status().message().find("TLS port"), std::string::npos) << tls_to_plain.status().ToString();
  auto plain_to_tls = RedisClient::Connect("redis://127.0.0.1:" + std::to_string(server_->tls_port()));
  Status s = plain_to_tls.ok() ? (*plain_to_tls)->Command({"PING"}).status() : plain_to_tls.status();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("rediss://"), std::string::npos) << s.ToString();
}

TEST(RedisClientAcl, AUserAuthenticatesAndIsHeldToItsPermissions) {
  RedisServer::Options o;
  o.extra_args = {"--user", "app", "on", ">app-pw", "~t:*", "+@all", "-flushall"};
  auto server = RedisServer::Start(o);
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  const std::string where = "127.0.0.1:" + std::to_string((*server)->port());
  auto client = RedisClient::Connect("redis://app:app-pw@" + where);
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  ExpectWorks(**client);
  auto whoami = (*client)->Command({"ACL", "WHOAMI"});
  ASSERT_TRUE(whoami.ok()) << whoami.status().ToString();
  EXPECT_EQ(whoami->str, "app");
  auto denied = (*client)->Command({"FLUSHALL"});
  ASSERT_FALSE(denied.ok());
  // A refusal after start is the deployment's fault: a server error to callers, named.
  EXPECT_EQ(denied.status().code(), Code::kInternal) << denied.status().ToString();
  EXPECT_NE(denied.status().message().find("NOPERM"), std::string::npos) << denied.status().ToString();
  auto other_key = (*client)->Command({"GET", "elsewhere"});
  EXPECT_EQ(other_key.status().code(), Code::kInternal) << other_key.status().ToString();
  EXPECT_NE(other_key.status().message().find("docs/operations.md"), std::string::npos);
  auto wrong = RedisClient::Connect("redis://app:nope@" + where);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().code(), Code::kUnauthenticated);
  EXPECT_NE(wrong.status().message().find("user app"), std::string::npos) << wrong.status().ToString();
  EXPECT_EQ(wrong.status().message().find("nope"), std::string::npos) << "the password never appears";
}

// A password rotated under running components: calls fail as an outage
// (kUnavailable, retried), never as the caller's credentials, and work again
// once the server takes the password again.
TEST(RedisClientAcl, CredentialsRefusedOnAReconnectAreAnOutage) {
  RedisServer::Options o;
  o.extra_args = {"--user", "app", "on", ">pw", "~*", "+@all"};
  auto server = RedisServer::Start(o);
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  auto admin = RedisClient::Connect((*server)->url());
  ASSERT_TRUE(admin.ok()) << admin.status().ToString();
  auto client = RedisClient::Connect("redis://app:pw@127.0.0.1:" + std::to_string((*server)->port()));
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  ASSERT_TRUE((*admin)->Command({"ACL", "SETUSER", "app", "resetpass", ">rotated"}).ok());
  ASSERT_TRUE((*admin)->Command({"CLIENT", "KILL", "USER", "app"}).ok());
  Status refused;
  for (int i = 0; i < 3 && refused.message().find("credentials") == std::string::npos; ++i) {
    refused = (*client)->Command({"PING"}).status();
    EXPECT_EQ(refused.code(), Code::kUnavailable) << refused.ToString();
    std::this_thread::sleep_for(std::chrono::milliseconds(2100));  // past the reconnect backoff
  }
  EXPECT_NE(refused.message().find("refuses tcoder's credentials"), std::string::npos) << refused.ToString();
  EXPECT_EQ(refused.message().find(">pw"), std::string::npos);
  ASSERT_TRUE((*admin)->Command({"ACL", "SETUSER", "app", ">pw"}).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  auto back = (*client)->Command({"PING"});
  EXPECT_TRUE(back.ok()) << back.status().ToString();
}

TEST(RedisClientAcl, TheAccessCheckNamesWhatAUserLacks) {
  RedisServer::Options o;
  o.extra_args = {"--user", "noscripts", "on", ">pw", "~*",           "+@all", "-evalsha",
                  "--user", "otherkeys", "on", ">pw", "~elsewhere:*", "+@all"};
  auto server = RedisServer::Start(o);
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  const std::string where = "@127.0.0.1:" + std::to_string((*server)->port());
  for (const char* user : {"noscripts", "otherkeys"}) {
    auto client = RedisClient::Connect(std::string("redis://") + user + ":pw" + where);
    ASSERT_TRUE(client.ok()) << client.status().ToString();
    Status s = CheckAccess(**client, Keys());
    EXPECT_EQ(s.code(), Code::kPermissionDenied) << user << ": " << s.ToString();
    EXPECT_NE(s.message().find("docs/operations.md"), std::string::npos) << s.ToString();
  }
  auto full = RedisClient::Connect("redis://127.0.0.1:" + std::to_string((*server)->port()));
  ASSERT_TRUE(full.ok());
  EXPECT_TRUE(CheckAccess(**full, Keys()).ok());
}

// GET `key`, once more if the connection was closed (sentinel kills a promoted
// replica's clients); "" on any other outcome.
std::string Get(RedisClient& client, const std::string& key) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto r = client.Command({"GET", key});
    if (r.ok()) return r->str;
  }
  return "";
}

TEST(RedisClientSentinel, TheMasterIsFoundAndFoundAgainAfterAFailover) {
  auto master = RedisServer::Start();
  ASSERT_TRUE(master.ok()) << master.status().ToString();
  auto replica = RedisServer::StartReplicaOf((*master)->port());
  ASSERT_TRUE(replica.ok()) << replica.status().ToString();
  auto sentinel = RedisSentinels::Start({.master_port = (*master)->port()});
  ASSERT_TRUE(sentinel.ok()) << sentinel.status().ToString();
  const int dead = tcoder::testing::FreePort();  // the first sentinel listed is down
  const std::string url = "redis+sentinel://127.0.0.1:" + std::to_string(dead) +
                          ",127.0.0.1:" + std::to_string((*sentinel)->ports()[0]) + "/mymaster";
  auto client = RedisClient::Connect(url);
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  EXPECT_EQ((*client)->endpoint().port, (*master)->port());
  ExpectWorks(**client);
  ASSERT_TRUE((*client)->Command({"SET", "t:before", "1"}).ok());

  // The replica has what was written before the master dies.
  auto direct = RedisClient::Connect((*replica)->url());
  ASSERT_TRUE(direct.ok());
  const auto synced_by = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (Get(**direct, "t:before") != "1" && std::chrono::steady_clock::now() < synced_by) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE((*master)->Kill().ok());

  // Calls fail while there is no master, then reach the promoted replica.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(45);
  Status last;
  bool written = false;
  while (!written && std::chrono::steady_clock::now() < deadline) {
    auto r = (*client)->Command({"SET", "t:after", "2"});
    written = r.ok();
    if (!written) {
      last = r.status();
      EXPECT_EQ(last.code(), Code::kUnavailable) << last.ToString();
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }
  ASSERT_TRUE(written) << "no master after 45 s: " << last.ToString();
  EXPECT_EQ((*client)->endpoint().port, (*replica)->port());
  EXPECT_EQ(Get(**direct, "t:after"), "2");
  EXPECT_EQ(Get(**direct, "t:before"), "1");
  ExpectWorks(**client);
}

TEST(RedisClientSentinel, NoSentinelKnowingTheMasterIsUnavailable) {
  auto master = RedisServer::Start();
  ASSERT_TRUE(master.ok());
  auto sentinel = RedisSentinels::Start({.master_port = (*master)->port()});
  ASSERT_TRUE(sentinel.ok()) << sentinel.status().ToString();
  auto client =
      RedisClient::Connect("redis+sentinel://127.0.0.1:" + std::to_string((*sentinel)->ports()[0]) + "/other");
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.status().code(), Code::kUnavailable);
  EXPECT_NE(client.status().message().find("knows no master other"), std::string::npos) << client.status().ToString();
}

TEST(RedisClientUnix, ASocketPathCarriesEveryKindOfCall) {
  auto dir = TempDir::Create("tcoder-redis-sock-");
  ASSERT_TRUE(dir.ok());
  RedisServer::Options o;
  o.unix_socket = dir->path() / "redis.sock";
  auto server = RedisServer::Start(o);
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  auto client = RedisClient::Connect("unix://" + o.unix_socket.string());
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  ExpectWorks(**client);
}

// A server restarted with a large dataset answers LOADING until it has read
// it: the start-up check waits for it instead of stopping the component.
TEST(AccessCheck, WaitsForAServerStillLoadingItsDataset) {
  RedisServer::Options o;
  // 200 us per key when loading (20,000 keys take seconds), answering clients
  // every KiB loaded, as a large dataset does every 2 MiB.
  o.extra_args = {"--key-load-delay", "200", "--loading-process-events-interval-bytes", "1024"};
  auto server = RedisServer::Start(o);
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  auto fill = RedisClient::Connect((*server)->url());
  ASSERT_TRUE(fill.ok());
  for (int batch = 0; batch < 20; ++batch) {
    std::vector<Argv> sets;
    for (int i = 0; i < 1000; ++i) sets.push_back({"SET", "k" + std::to_string(batch * 1000 + i), "v"});
    ASSERT_TRUE((*fill)->Pipeline(sets).ok());
  }
  ASSERT_TRUE((*fill)->Command({"BGREWRITEAOF"}).ok());  // an RDB base: every key is loaded one by one
  for (int i = 0; i < 100; ++i) {
    auto info = (*fill)->Command({"INFO", "persistence"});
    ASSERT_TRUE(info.ok());
    if (info->str.find("aof_rewrite_in_progress:0") != std::string::npos &&
        info->str.find("aof_rewrite_scheduled:0") != std::string::npos)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const int port = (*server)->port();
  ASSERT_TRUE((*server)->Stop().ok());
  ProcessSpec spec;  // the same server again, by hand: RedisServer would wait for the load itself
  spec.argv = {"redis-server",
               "--port",
               std::to_string(port),
               "--bind",
               "127.0.0.1",
               "--dir",
               (*server)->dir().string(),
               "--appendonly",
               "yes",
               "--save",
               "",
               "--key-load-delay",
               "200",
               "--loading-process-events-interval-bytes",
               "1024"};
  spec.stdout_mode = StdStream::kNull;
  spec.stderr_mode = StdStream::kNull;
  auto again = Subprocess::Spawn(spec);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  ASSERT_TRUE(tcoder::testing::WaitForPort(port, std::chrono::seconds(10)));
  auto client = RedisClient::Connect((*server)->url());
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  auto early = (*client)->Command({"PING"});
  ASSERT_FALSE(early.ok()) << "the server was not loading";
  EXPECT_NE(early.status().message().find("LOADING"), std::string::npos) << early.status().ToString();
  const Status impatient = CheckAccess(**client, Keys(), std::chrono::milliseconds(300));
  EXPECT_NE(impatient.message().find("LOADING"), std::string::npos) << impatient.ToString();  // a limit, not a hang
  const Status waited = CheckAccess(**client, Keys());
  EXPECT_TRUE(waited.ok()) << waited.ToString();
  auto count = (*client)->Command({"DBSIZE"});
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(count->integer, 20000);
  again->Terminate(std::chrono::seconds(10));
}

// Replies of every shape, nested ones included: an error anywhere in a reply
// fails the call; empty and nil arrays stay what they are.
TEST(RedisClientReplies, NestedShapesAndNestedErrorsComeThroughWhole) {
  auto server = RedisServer::Start();
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  auto client = RedisClient::Connect((*server)->url());
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  auto nested = (*client)->Command({"EVAL", "return {1, {'a', {}, {2, 'b'}}, 'c'}", "0"});
  ASSERT_TRUE(nested.ok()) << nested.status().ToString();
  ASSERT_EQ(nested->elements.size(), 3u);
  EXPECT_EQ(nested->elements[0].integer, 1);
  const RedisValue& inner = nested->elements[1];
  ASSERT_EQ(inner.elements.size(), 3u);
  EXPECT_EQ(inner.elements[0].str, "a");
  EXPECT_TRUE(inner.elements[1].is_array());
  EXPECT_TRUE(inner.elements[1].elements.empty());
  EXPECT_EQ(inner.elements[2].elements[1].str, "b");
  EXPECT_EQ(nested->elements[2].str, "c");
  auto failed = (*client)->Command({"EVAL", "return {1, {2, {err='NESTED boom'}}}", "0"});
  EXPECT_EQ(failed.status().code(), Code::kInternal);
  EXPECT_NE(failed.status().message().find("NESTED boom"), std::string::npos) << failed.status().ToString();
  auto nil_array = (*client)->BlockingCommand({"BLPOP", "no-such-list", "0.01"}, std::chrono::milliseconds(10));
  ASSERT_TRUE(nil_array.ok()) << nil_array.status().ToString();
  EXPECT_TRUE(nil_array->is_nil());
  auto status = (*client)->Command({"SET", "k", "v"});
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->type, RedisValue::Type::kStatus);
  EXPECT_EQ(status->str, "OK");
  // The connection is still in step after the error reply.
  auto after = (*client)->Command({"GET", "k"});
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->str, "v");
}

}  // namespace
}  // namespace tcoder::state
