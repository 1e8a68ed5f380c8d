// `tcoder token` as a user runs it: the printed token passes (or fails) the
// edge's /premium/ rule, carries its ttl, and is signed with the secret found
// by flag, environment, config file or the data dir, in that order.
#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>
#include <nlohmann/json.hpp>

#include "common/crypto.h"
#include "common/file_util.h"
#include "common/process.h"
#include "common/secrets.h"
#include "common/temp_dir.h"
#include "edge/jwt.h"
#include "support/test_env.h"

namespace tcoder {
namespace {

constexpr std::string_view kPremiumPath = "/premium/job1/master.m3u8";

struct TokenRun {
  int code = -1;
  std::string token;  // stdout without the newline
  std::string err;
};

class TokenCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    auto t = TempDir::Create("token-test");
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    tmp_ = std::make_unique<TempDir>(std::move(t).value());
  }

  std::filesystem::path data_dir() const { return tmp_->path() / "data"; }

  // Runs `tcoder token ARGS --data-dir <tmp>` in an environment holding only
  // `env` (and the sanitizers' settings).
  TokenRun Token(std::vector<std::string> args, std::vector<std::pair<std::string, std::string>> env = {}) {
    ProcessSpec spec;
    spec.argv = {testing::TcoderBinary().string(), "token", "--data-dir", data_dir().string()};
    spec.argv.insert(spec.argv.end(), args.begin(), args.end());
    spec.clear_env = true;
    spec.env = std::move(env);
    for (const char* name : {"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"}) {
      if (const char* v = std::getenv(name)) spec.env.emplace_back(name, v);
    }
    auto r = RunProcess(spec, RunOptions{.deadline = std::chrono::seconds(30)});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return {};
    TokenRun out{.code = r->exit.code, .token = r->out, .err = r->err};
    if (out.token.ends_with('\n')) out.token.pop_back();
    return out;
  }

  std::unique_ptr<TempDir> tmp_;
};

nlohmann::json Claims(const std::string& token) {
  const std::size_t a = token.find('.');
  const std::size_t b = token.rfind('.');
  auto payload = crypto::Base64UrlDecode(token.substr(a + 1, b - a - 1));
  EXPECT_TRUE(payload.has_value()) << token;
  return payload ? nlohmann::json::parse(*payload) : nlohmann::json();
}

bool Allowed(const std::string& token, std::string_view secret) {
  return edge::AuthorizeRequest(kPremiumPath, "", "Bearer " + token, "", secret, std::time(nullptr)).allowed;
}

TEST_F(TokenCommand, PremiumTokenOpensPremiumPaths) {
  const TokenRun r = Token({"--premium", "--jwt-secret", "flag-secret"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(Allowed(r.token, "flag-secret"));
  EXPECT_FALSE(Allowed(r.token, "another-secret"));
  EXPECT_EQ(Claims(r.token).at("is_premium"), true);
}

TEST_F(TokenCommand, PlainTokenIsDeniedOnPremiumPaths) {
  const TokenRun r = Token({"--jwt-secret", "flag-secret"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_FALSE(Allowed(r.token, "flag-secret"));
  EXPECT_EQ(Claims(r.token).at("is_premium"), false);
}

TEST_F(TokenCommand, TtlBecomesTheExpClaim) {
  const std::time_t before = std::time(nullptr);
  const TokenRun r = Token({"--premium", "--ttl", "90m", "--jwt-secret", "s"});
  const std::time_t after = std::time(nullptr);
  ASSERT_EQ(r.code, 0) << r.err;
  const nlohmann::json claims = Claims(r.token);
  const std::int64_t iat = claims.at("iat");
  EXPECT_GE(iat, before);
  EXPECT_LE(iat, after);
  EXPECT_EQ(claims.at("exp").get<std::int64_t>() - iat, 5400);
  // Valid until exp, refused from then on.
  EXPECT_TRUE(edge::AuthorizePremium(r.token, "s", iat + 5399).allowed);
  EXPECT_FALSE(edge::AuthorizePremium(r.token, "s", iat + 5400).allowed);

  const TokenRun fallback = Token({"--premium", "--jwt-secret", "s"});
  ASSERT_EQ(fallback.code, 0) << fallback.err;
  const nlohmann::json c = Claims(fallback.token);
  EXPECT_EQ(c.at("exp").get<std::int64_t>() - c.at("iat").get<std::int64_t>(), 3600);  // 1h by default
}

TEST_F(TokenCommand, SecretComesFromFlagThenEnvThenConfigThenDataDir) {
  auto secrets = LoadOrCreateSecrets(data_dir());
  ASSERT_TRUE(secrets.ok()) << secrets.status().ToString();
  const TokenRun from_dir = Token({"--premium"});
  ASSERT_EQ(from_dir.code, 0) << from_dir.err;
  EXPECT_TRUE(Allowed(from_dir.token, secrets->jwt_secret));

  ASSERT_TRUE(WriteFileAtomic(data_dir() / "tcoder.conf", "[token]\njwt-secret = conf-secret\n").ok());
  const TokenRun from_conf = Token({"--premium"});
  ASSERT_EQ(from_conf.code, 0) << from_conf.err;
  EXPECT_TRUE(Allowed(from_conf.token, "conf-secret"));

  const TokenRun from_env = Token({"--premium"}, {{"TCODER_JWT_SECRET", "env-secret"}});
  ASSERT_EQ(from_env.code, 0) << from_env.err;
  EXPECT_TRUE(Allowed(from_env.token, "env-secret"));

  const TokenRun from_flag = Token({"--premium", "--jwt-secret", "flag-secret"}, {{"TCODER_JWT_SECRET", "env-secret"}});
  ASSERT_EQ(from_flag.code, 0) << from_flag.err;
  EXPECT_TRUE(Allowed(from_flag.token, "flag-secret"));
}

TEST_F(TokenCommand, NoSecretAnywhereIsAClearError) {
  const TokenRun r = Token({"--premium"});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(r.token.empty());
  EXPECT_NE(r.err.find("--jwt-secret"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(data_dir())) << "token must not create secrets";
}

TEST_F(TokenCommand, CorruptSecretsFileIsReported) {
  std::filesystem::create_directories(data_dir());
  ASSERT_TRUE(WriteFileAtomic(SecretsPath(data_dir()), "{not json", 0600).ok());
  const TokenRun r = Token({"--premium"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("corrupt"), std::string::npos) << r.err;
}

TEST_F(TokenCommand, BadTtlIsRefused) {
  for (const char* ttl : {"0", "abc", "-5m"}) {
    const TokenRun r = Token({"--premium", "--ttl", ttl, "--jwt-secret", "s"});
    EXPECT_NE(r.code, 0) << ttl;
    EXPECT_TRUE(r.token.empty()) << ttl;
    EXPECT_FALSE(r.err.empty()) << ttl;
  }
}

}  // namespace
}  // namespace tcoder
