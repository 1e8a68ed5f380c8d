#include "edge/jwt.h"

#include <gtest/gtest.h>
#include <jwt.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "common/crypto.h"
#include "support/test_env.h"

namespace tcoder::edge {
namespace {

// A fixed "now" (Nov 2025): the vectors' exp and nbf are in 2001, 2099, 2100.
constexpr std::time_t kNow = 1763700000;
constexpr std::string_view kSecret = "tcoder-test-secret-0123456789abcdef";

struct Case {
  std::string name, token, path;
  bool allow = false;
};

struct Vectors {
  std::string secret;
  std::vector<Case> cases;
};

Vectors LoadVectors() {
  std::ifstream in(testing::SharedDir() / "vectors" / "jwt.json");
  EXPECT_TRUE(in.good()) << "missing vectors/jwt.json";
  const nlohmann::json j = nlohmann::json::parse(in);
  Vectors v{.secret = j.at("secret"), .cases = {}};
  for (const auto& c : j.at("cases")) {
    v.cases.push_back(
        {.name = c.at("name"), .token = c.at("token"), .path = c.at("path"), .allow = c.at("expect") == "allow"});
  }
  EXPECT_EQ(v.cases.size(), 12u);
  return v;
}

// Every byte as %XX: the query source must URL-decode.
std::string PercentEncodeAll(std::string_view s) {
  std::string out;
  for (unsigned char c : s) out += "%" + crypto::Hex(std::string(1, static_cast<char>(c)));
  return out;
}

// A token built by hand: any header and claims, MACed with HS256.
std::string HandSigned(const nlohmann::json& header, const nlohmann::json& claims, std::string_view secret = kSecret) {
  const std::string signing_input = crypto::Base64Url(header.dump()) + "." + crypto::Base64Url(claims.dump());
  return signing_input + "." + crypto::Base64Url(crypto::HmacSha256(secret, signing_input));
}

std::string Hs256(const nlohmann::json& claims) { return HandSigned({{"alg", "HS256"}, {"typ", "JWT"}}, claims); }

// A token that libjwt itself signs with another HMAC algorithm.
std::string LibjwtSigned(jwt_alg_t alg) {
  jwt_t* jwt = nullptr;
  EXPECT_EQ(jwt_new(&jwt), 0);
  EXPECT_EQ(jwt_add_grant_bool(jwt, "is_premium", 1), 0);
  EXPECT_EQ(
      jwt_set_alg(jwt, alg, reinterpret_cast<const unsigned char*>(kSecret.data()), static_cast<int>(kSecret.size())),
      0);
  char* text = jwt_encode_str(jwt);
  std::string out = text != nullptr ? text : "";
  std::free(text);
  jwt_free(jwt);
  return out;
}

TEST(Jwt, EveryVectorGivesItsVerdictThroughEachSource) {
  const Vectors v = LoadVectors();
  for (const Case& c : v.cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(AuthorizePremium(c.token, v.secret, kNow).allowed, c.allow);
    EXPECT_EQ(AuthorizeRequest(c.path, "token=" + c.token, "", "", v.secret, kNow).allowed, c.allow);
    EXPECT_EQ(AuthorizeRequest(c.path, "a=1&token=" + PercentEncodeAll(c.token), "", "", v.secret, kNow).allowed,
              c.allow);
    EXPECT_EQ(AuthorizeRequest(c.path, "", "Bearer " + c.token, "", v.secret, kNow).allowed, c.allow);
    EXPECT_EQ(AuthorizeRequest(c.path, "", "", c.token, v.secret, kNow).allowed, c.allow);
  }
}

// What libjwt 1.10 does on its own with each vector: it refuses the bad
// signatures, "none" and the relabelled header, but accepts every token whose
// claims are wrong (expired, not yet valid, not premium), so those checks are
// ours. If an upgrade changes this, the comments in jwt.cc need a look.
TEST(Jwt, LibjwtAloneChecksSignaturesButNotClaims) {
  const Vectors v = LoadVectors();
  const std::set<std::string> libjwt_refuses = {"wrong-key", "alg-none", "alg-relabelled", "garbage", "truncated"};
  for (const Case& c : v.cases) {
    jwt_t* jwt = nullptr;
    const int rc = jwt_decode(&jwt, c.token.c_str(), reinterpret_cast<const unsigned char*>(v.secret.data()),
                              static_cast<int>(v.secret.size()));
    jwt_free(jwt);
    EXPECT_EQ(rc != 0, libjwt_refuses.count(c.name) == 1) << c.name;
  }
}

TEST(Jwt, ReasonsNeverContainTheToken) {
  const Vectors v = LoadVectors();
  for (const Case& c : v.cases) {
    const Verdict verdict = AuthorizePremium(c.token, v.secret, kNow);
    EXPECT_FALSE(verdict.reason.empty()) << c.name;
    EXPECT_EQ(verdict.reason.find(c.token), std::string::npos) << c.name;
    const std::string signature = c.token.substr(c.token.rfind('.') + 1);
    if (!signature.empty()) {
      EXPECT_EQ(verdict.reason.find(signature), std::string::npos) << c.name;
    }
  }
}

TEST(Jwt, FirstFoundTokenWinsEvenWhenItIsBad) {
  const Vectors v = LoadVectors();
  const std::string good = v.cases[0].token;
  const std::string bad = v.cases[2].token;  // expired
  const std::string path = "/premium/demo/master.m3u8";
  EXPECT_FALSE(AuthorizeRequest(path, "token=" + bad, "Bearer " + good, good, v.secret, kNow).allowed);
  EXPECT_FALSE(AuthorizeRequest(path, "", "Bearer " + bad, good, v.secret, kNow).allowed);
  EXPECT_TRUE(AuthorizeRequest(path, "token=" + good, "Bearer " + bad, bad, v.secret, kNow).allowed);
  EXPECT_TRUE(AuthorizeRequest(path, "", "Bearer " + good, bad, v.secret, kNow).allowed);
  EXPECT_FALSE(AuthorizeRequest(path, "", "", "", v.secret, kNow).allowed);
}

TEST(Jwt, PublicPathsNeedNoToken) {
  const Vectors v = LoadVectors();
  for (const char* path : {"/public/job1/master.m3u8", "/", "/public/premium/x.ts", "/premiumx/a", "/premium.m3u8"}) {
    EXPECT_TRUE(AuthorizeRequest(path, "", "", "", v.secret, kNow).allowed) << path;
    EXPECT_TRUE(AuthorizeRequest(path, "token=not.a.jwt", "", "", v.secret, kNow).allowed) << path;
  }
}

TEST(Jwt, FindTokenReadsEachSource) {
  EXPECT_EQ(FindToken("token=a.b.c", "", ""), "a.b.c");
  EXPECT_EQ(FindToken("x=1&token=a%2Eb.c&token=other", "", ""), "a.b.c");  // first of repeats
  EXPECT_EQ(FindToken("%74oken=q", "", ""), "q");                          // the name is decoded too
  EXPECT_EQ(FindToken("token=&mytoken=x", "Bearer h", ""), "h");           // empty counts as absent
  EXPECT_EQ(FindToken("token=bad%zz", "Bearer h", ""), "bad%zz");          // undecodable: still found
  EXPECT_EQ(FindToken("", "bearer   h.h.h  ", "x"), "h.h.h");
  EXPECT_EQ(FindToken("", "BEARER\th", "x"), "h");
  EXPECT_EQ(FindToken("", "Basic dXNlcjpwYXNz", "x"), "x");
  EXPECT_EQ(FindToken("", "Bearer", " x "), "x");
  EXPECT_EQ(FindToken("", "Bearerx", ""), std::nullopt);
  EXPECT_EQ(FindToken("tokens=1", "", "  "), std::nullopt);
}

TEST(Jwt, NeedsTokenDecidesSafely) {
  for (const char* path : {"/premium/a.m3u8",
                           "/premium",
                           "/premium/",
                           "//premium/a",
                           "/PREMIUM/a",
                           "/Premium/a",
                           "%2Fpremium/a",
                           "/%70remium/a",
                           "/%2570remium/a",
                           "/premium/../public/a",
                           "/public/../premium/a",
                           "/public/..%2Fpremium/a",
                           "/public/%2E%2E/premium/a",
                           "/./premium/a",
                           "\\premium\\a",
                           "/public\\..\\premium/a",
                           "/../premium/a",
                           "/../public/a",
                           "/premium;x=1/a",
                           "/premium#/../public/a",
                           "/public/%00/a",
                           "/bad%zz",
                           "premium/a",
                           "/public/x/..%252F..%252Fpremium/a",
                           "/premium/a?x=1",
                           "http://edge/premium/a",
                           "*"}) {
    EXPECT_TRUE(NeedsToken(path)) << path;
  }
  for (const char* path : {"/", "", "/public/a.m3u8", "/public/premium/a", "/premiumx/a", "/xpremium/a",
                           "/public/a%25b.ts", "/public/a/../b.ts", "/public/a?premium/x", "/premium.m3u8"}) {
    EXPECT_FALSE(NeedsToken(path)) << path;
  }
}

TEST(Jwt, AlgorithmIsPinnedToHs256) {
  // A correctly signed HS512 or HS384 token passes libjwt; the pin refuses it.
  for (jwt_alg_t alg : {JWT_ALG_HS512, JWT_ALG_HS384}) {
    const std::string token = LibjwtSigned(alg);
    ASSERT_FALSE(token.empty());
    const Verdict v = AuthorizePremium(token, kSecret, kNow);
    EXPECT_FALSE(v.allowed);
    EXPECT_EQ(v.reason, "algorithm must be HS256");
  }
  const std::string hs256 = LibjwtSigned(JWT_ALG_HS256);
  EXPECT_TRUE(AuthorizePremium(hs256, kSecret, kNow).allowed);
  const nlohmann::json claims = {{"is_premium", true}};
  // libjwt alone would take "hs256" (it compares algorithm names ignoring case).
  for (const char* alg : {"hs256", "Hs256", "HS256 ", "RS256", "ES256", "none", "None", "NONE", ""}) {
    EXPECT_FALSE(AuthorizePremium(HandSigned({{"alg", alg}}, claims), kSecret, kNow).allowed) << alg;
  }
  EXPECT_FALSE(AuthorizePremium(HandSigned({{"typ", "JWT"}}, claims), kSecret, kNow).allowed);
  EXPECT_FALSE(AuthorizePremium(HandSigned({{"alg", 256}}, claims), kSecret, kNow).allowed);
  EXPECT_FALSE(AuthorizePremium(HandSigned({{"alg", "HS256"}, {"typ", "JWE"}}, claims), kSecret, kNow).allowed);
  EXPECT_TRUE(AuthorizePremium(HandSigned({{"alg", "HS256"}}, claims), kSecret, kNow).allowed);
  // "none" with an empty signature and no key is what libjwt would take; a key is always given.
  const std::string unsigned_token = crypto::Base64Url(R"({"alg":"none"})") + "." + crypto::Base64Url(claims.dump());
  EXPECT_FALSE(AuthorizePremium(unsigned_token + ".", kSecret, kNow).allowed);
}

TEST(Jwt, ClaimsAreCheckedStrictly) {
  const auto allowed = [](const nlohmann::json& claims) {
    return AuthorizePremium(Hs256(claims), kSecret, kNow).allowed;
  };
  EXPECT_TRUE(allowed({{"is_premium", true}}));
  EXPECT_FALSE(allowed({{"is_premium", 1}}));
  EXPECT_FALSE(allowed({{"is_premium", "true"}}));
  EXPECT_FALSE(allowed({{"is_premium", nullptr}}));
  EXPECT_FALSE(allowed({{"is_premium", nlohmann::json::array({true})}}));
  EXPECT_TRUE(allowed({{"is_premium", true}, {"exp", kNow + 1}}));
  EXPECT_FALSE(allowed({{"is_premium", true}, {"exp", kNow}}));
  EXPECT_TRUE(allowed({{"is_premium", true}, {"exp", kNow + 0.5}}));
  EXPECT_FALSE(allowed({{"is_premium", true}, {"exp", std::to_string(kNow + 1000)}}));
  EXPECT_FALSE(allowed({{"is_premium", true}, {"exp", nullptr}}));
  EXPECT_TRUE(allowed({{"is_premium", true}, {"nbf", kNow}}));
  EXPECT_FALSE(allowed({{"is_premium", true}, {"nbf", kNow + 1}}));
  EXPECT_FALSE(allowed({{"is_premium", true}, {"nbf", "0"}}));
}

TEST(Jwt, MalformedTokensAreDenied) {
  const std::string good = Hs256({{"is_premium", true}});
  ASSERT_TRUE(AuthorizePremium(good, kSecret, kNow).allowed);
  const std::string cases[] = {"",
                               good + std::string(1, '\0') + "junk",
                               good + ".x",
                               good + "=",
                               " " + good,
                               good.substr(0, good.rfind('.')),
                               good.substr(0, good.rfind('.') + 1),
                               "." + good.substr(good.find('.')),
                               "a..b",
                               good + std::string(kMaxTokenLength, 'A'),
                               HandSigned({{"alg", "HS256"}}, nlohmann::json::array({true})),
                               crypto::Base64Url("not json") + "." + crypto::Base64Url("{}") + ".c2ln"};
  for (const std::string& token : cases) EXPECT_FALSE(AuthorizePremium(token, kSecret, kNow).allowed) << token;
  EXPECT_FALSE(AuthorizePremium(good, "", kNow).allowed);
  EXPECT_FALSE(AuthorizePremium(good, "another-secret", kNow).allowed);
}

TEST(Jwt, MintedTokensCarryTheirClaims) {
  auto premium = MintToken(kSecret, true, std::chrono::hours(1), kNow);
  ASSERT_TRUE(premium.ok()) << premium.status().ToString();
  EXPECT_TRUE(AuthorizePremium(*premium, kSecret, kNow).allowed);
  EXPECT_TRUE(AuthorizePremium(*premium, kSecret, kNow + 3599).allowed);
  EXPECT_FALSE(AuthorizePremium(*premium, kSecret, kNow + 3600).allowed);
  EXPECT_FALSE(AuthorizePremium(*premium, "other", kNow).allowed);
  const std::string payload =
      *crypto::Base64UrlDecode(premium->substr(premium->find('.') + 1, premium->rfind('.') - premium->find('.') - 1));
  const nlohmann::json claims = nlohmann::json::parse(payload);
  EXPECT_EQ(claims.at("exp"), kNow + 3600);
  EXPECT_EQ(claims.at("iat"), kNow);
  EXPECT_EQ(claims.at("is_premium"), true);

  auto plain = MintToken(kSecret, false, std::chrono::hours(1), kNow);
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(AuthorizePremium(*plain, kSecret, kNow).allowed);

  EXPECT_EQ(MintToken(kSecret, true, std::chrono::seconds(0), kNow).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(MintToken("", true, std::chrono::hours(1), kNow).status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace tcoder::edge
