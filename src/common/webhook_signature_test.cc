#include "common/webhook_signature.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "support/test_env.h"

namespace tcoder {
namespace {

// The Standard Webhooks reference vector from the shared vectors.
struct Vector {
  std::string secret;
  WebhookHeaders headers;
  std::string body;
  std::int64_t timestamp = 0;
};

Vector LoadVector() {
  std::ifstream in(testing::SharedDir() / "vectors" / "webhooks.json");
  EXPECT_TRUE(in.good()) << "missing vectors/webhooks.json";
  const nlohmann::json j = nlohmann::json::parse(in);
  Vector v{.secret = j.at("secret"),
           .headers = {.id = j.at("webhook-id"),
                       .timestamp = j.at("webhook-timestamp"),
                       .signature = j.at("webhook-signature")},
           .body = j.at("body")};
  v.timestamp = std::stoll(v.headers.timestamp);
  return v;
}

WebhookSigner SignerFor(const std::string& secret) {
  auto signer = WebhookSigner::FromSecret(secret);
  EXPECT_TRUE(signer.ok()) << signer.status().ToString();
  return std::move(signer).value();
}

void ExpectRefused(const Result<VerifiedWebhook>& r, std::string_view why) {
  ASSERT_FALSE(r.ok()) << "accepted, expected: " << why;
  EXPECT_EQ(r.status().code(), Code::kUnauthenticated);
  EXPECT_NE(r.status().message().find(why), std::string::npos) << r.status().message();
}

TEST(WebhookSignature, ReferenceVectorVerifiesAtItsTimestamp) {
  const Vector v = LoadVector();
  auto r = SignerFor(v.secret).Verify(v.headers, v.body, v.timestamp);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->id, v.headers.id);
  EXPECT_EQ(r->timestamp, 1614265330);
}

TEST(WebhookSignature, SigningReproducesTheReferenceVector) {
  const Vector v = LoadVector();
  auto h = SignerFor(v.secret).Sign(v.headers.id, v.timestamp, v.body);
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_EQ(h->signature, v.headers.signature);
  EXPECT_EQ(h->timestamp, v.headers.timestamp);
  EXPECT_EQ(h->id, v.headers.id);
}

TEST(WebhookSignature, SecretWithoutPrefixIsTheSameKey) {
  const Vector v = LoadVector();
  const WebhookSigner bare = SignerFor(v.secret.substr(6));
  EXPECT_TRUE(bare.Verify(v.headers, v.body, v.timestamp).ok());
}

TEST(WebhookSignature, ToleranceIsFiveMinutesEitherWay) {
  const Vector v = LoadVector();
  const WebhookSigner s = SignerFor(v.secret);
  EXPECT_TRUE(s.Verify(v.headers, v.body, v.timestamp + 300).ok());
  EXPECT_TRUE(s.Verify(v.headers, v.body, v.timestamp - 300).ok());
  ExpectRefused(s.Verify(v.headers, v.body, v.timestamp + 301), "too old");
  ExpectRefused(s.Verify(v.headers, v.body, v.timestamp - 301), "future");
}

TEST(WebhookSignature, TamperedBodyIdOrTimestampIsRefused) {
  const Vector v = LoadVector();
  const WebhookSigner s = SignerFor(v.secret);
  ExpectRefused(s.Verify(v.headers, R"({"test": 2432232315})", v.timestamp), "no matching");
  WebhookHeaders other_id = v.headers;
  other_id.id = "msg_p5jXN8AQM9LWM0D4loKWxJeK";
  ExpectRefused(s.Verify(other_id, v.body, v.timestamp), "no matching");
  WebhookHeaders other_ts = v.headers;
  other_ts.timestamp = "1614265331";
  ExpectRefused(s.Verify(other_ts, v.body, v.timestamp), "no matching");
}

TEST(WebhookSignature, WrongSecretIsRefused) {
  const Vector v = LoadVector();
  const WebhookSigner other = SignerFor(NewWebhookSecret());
  ExpectRefused(other.Verify(v.headers, v.body, v.timestamp), "no matching");
}

TEST(WebhookSignature, AnyV1EntryOfAListMayMatch) {
  const Vector v = LoadVector();
  const WebhookSigner s = SignerFor(v.secret);
  WebhookHeaders h = v.headers;
  h.signature = "v1,AAAAbm90IHRoZSByaWdodCBvbmU= v1a,c29tZXRoaW5nIGVsc2U= " + v.headers.signature;
  EXPECT_TRUE(s.Verify(h, v.body, v.timestamp).ok());
  h.signature = "v1,AAAAbm90IHRoZSByaWdodCBvbmU= v2," + v.headers.signature.substr(3);
  ExpectRefused(s.Verify(h, v.body, v.timestamp), "no matching");
}

TEST(WebhookSignature, MissingHeadersAreRefused) {
  const Vector v = LoadVector();
  const WebhookSigner s = SignerFor(v.secret);
  for (int missing = 0; missing < 3; ++missing) {
    WebhookHeaders h = v.headers;
    (missing == 0 ? h.id : missing == 1 ? h.timestamp : h.signature).clear();
    ExpectRefused(s.Verify(h, v.body, v.timestamp), "missing");
  }
}

TEST(WebhookSignature, GarbageHeadersAreRefusedClearly) {
  const Vector v = LoadVector();
  const WebhookSigner s = SignerFor(v.secret);
  for (const char* ts :
       {"abc", "-1614265330", "+1614265330", " 1614265330", "1614265330 ", "16142653.30", "99999999999999999999"}) {
    WebhookHeaders h = v.headers;
    h.timestamp = ts;
    ExpectRefused(s.Verify(h, v.body, v.timestamp), "malformed webhook-timestamp");
  }
  for (const char* id : {"msg with space", "msg.dot", "msg\nnewline"}) {
    WebhookHeaders h = v.headers;
    h.id = id;
    ExpectRefused(s.Verify(h, v.body, v.timestamp), "malformed webhook-id");
  }
  for (const char* sig : {"garbage", "v1", "v1,", ",,,", "v1,!!!!"}) {
    WebhookHeaders h = v.headers;
    h.signature = sig;
    ExpectRefused(s.Verify(h, v.body, v.timestamp), "no matching");
  }
  WebhookHeaders huge = v.headers;
  huge.signature = std::string(5000, 'v') + " " + v.headers.signature;
  ExpectRefused(s.Verify(huge, v.body, v.timestamp), "too long");
}

TEST(WebhookSignature, BadSecretsAreRejected) {
  EXPECT_EQ(WebhookSigner::FromSecret("whsec_not base64!").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(WebhookSigner::FromSecret("").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(WebhookSigner::FromSecret("whsec_c2hvcnQ=").status().code(), Code::kInvalidArgument);  // "short"
}

TEST(WebhookSignature, NewSecretsAreStandardFormAndDistinct) {
  const std::string a = NewWebhookSecret();
  const std::string b = NewWebhookSecret();
  EXPECT_TRUE(a.starts_with("whsec_"));
  EXPECT_EQ(a.size(), 6u + 32u);  // 24 bytes of base64
  EXPECT_NE(a, b);
  const WebhookSigner s = SignerFor(a);
  auto h = s.Sign("msg_1", 1700000000, "{}");
  ASSERT_TRUE(h.ok());
  EXPECT_TRUE(s.Verify(*h, "{}", 1700000000).ok());
  ExpectRefused(SignerFor(b).Verify(*h, "{}", 1700000000), "no matching");
}

TEST(WebhookSignature, SigningRefusesIdsThatWouldBeAmbiguous) {
  const WebhookSigner s = SignerFor(NewWebhookSecret());
  EXPECT_EQ(s.Sign("msg.1", 1700000000, "{}").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(s.Sign("", 1700000000, "{}").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(s.Sign("msg_1", -5, "{}").status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace tcoder
