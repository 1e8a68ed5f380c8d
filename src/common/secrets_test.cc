#include "common/secrets.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <set>
#include <thread>
#include <vector>

#include "common/crypto.h"
#include "common/file_util.h"
#include "common/temp_dir.h"
#include "common/webhook_signature.h"

namespace tcoder {
namespace {

TempDir MakeTemp() {
  auto t = TempDir::Create("secrets-test");
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  return std::move(t).value();
}

unsigned ModeOf(const std::filesystem::path& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
  return st.st_mode & 07777;
}

std::vector<std::string> Values(const Secrets& s) {
  return {s.api_key, s.s3_access_key, s.s3_secret_key, s.webhook_secret, s.internal_secret, s.jwt_secret};
}

TEST(Secrets, CreatedOncePrivatelyThenReturnedUnchanged) {
  TempDir tmp = MakeTemp();
  const auto dir = tmp.path() / "nested" / ".tcoder";
  auto first = LoadOrCreateSecrets(dir);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(ModeOf(dir), 0700u);
  EXPECT_EQ(ModeOf(SecretsPath(dir)), 0600u);
  auto again = LoadOrCreateSecrets(dir);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(Values(*again), Values(*first));
  auto loaded = LoadSecrets(dir);
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(Values(*loaded), Values(*first));
}

TEST(Secrets, GeneratedValuesHaveTheirFormsAndDiffer) {
  const Secrets s = GenerateSecrets();
  const std::vector<std::string> v = Values(s);
  EXPECT_EQ(std::set<std::string>(v.begin(), v.end()).size(), v.size());
  EXPECT_EQ(s.s3_access_key.size(), 20u);
  for (char c : s.s3_access_key) EXPECT_TRUE(std::isupper(static_cast<unsigned char>(c)) || std::isdigit(c)) << c;
  EXPECT_GE(s.s3_secret_key.size(), 40u);
  EXPECT_GE(s.jwt_secret.size(), 40u);
  for (const std::string& w : {s.webhook_secret, s.internal_secret}) {
    ASSERT_TRUE(w.starts_with("whsec_")) << w;
    auto key = crypto::Base64Decode(w.substr(6));
    ASSERT_TRUE(key.has_value());
    EXPECT_EQ(key->size(), 24u);
    EXPECT_TRUE(WebhookSigner::FromSecret(w).ok());
  }
  EXPECT_NE(Values(GenerateSecrets()), v);
}

TEST(Secrets, LoadWithoutFileIsNotFoundAndCreatesNothing) {
  TempDir tmp = MakeTemp();
  auto r = LoadSecrets(tmp.path() / "absent");
  EXPECT_EQ(r.status().code(), Code::kNotFound);
  EXPECT_FALSE(std::filesystem::exists(tmp.path() / "absent"));
}

TEST(Secrets, CorruptFileIsAnErrorAndIsLeftAlone) {
  const Secrets good = GenerateSecrets();
  std::string missing_field = SerializeSecrets(good);
  missing_field.replace(missing_field.find("\"jwt_secret\""), 5, "\"jXX_");
  std::string bad_webhook = SerializeSecrets(good);
  bad_webhook.replace(bad_webhook.find("whsec_") + 6, 4, "!!!!");
  const std::string corrupt[] = {"",
                                 "{",
                                 "[]",
                                 std::string("\x00\x01garbage", 9),
                                 R"({"version": 1})",
                                 R"({"version": 2, "api_key": "x"})",
                                 missing_field,
                                 bad_webhook,
                                 R"({"version":1,"api_key":7,"s3_access_key":"a","s3_secret_key":"b",)"
                                 R"("webhook_secret":"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw","internal_secret":)"
                                 R"("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw","jwt_secret":"c"})",
                                 SerializeSecrets(Secrets{.api_key = "has space",
                                                          .s3_access_key = "a",
                                                          .s3_secret_key = "b",
                                                          .webhook_secret = good.webhook_secret,
                                                          .internal_secret = good.internal_secret,
                                                          .jwt_secret = "c"})};
  for (const std::string& text : corrupt) {
    TempDir tmp = MakeTemp();
    ASSERT_TRUE(WriteFileAtomic(SecretsPath(tmp.path()), text, 0600).ok());
    auto r = LoadOrCreateSecrets(tmp.path());
    ASSERT_FALSE(r.ok()) << "accepted: " << text;
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
    EXPECT_NE(r.status().message().find("corrupt"), std::string::npos) << r.status().message();
    auto after = ReadFile(SecretsPath(tmp.path()));
    ASSERT_TRUE(after.ok());
    EXPECT_EQ(*after, text) << "the corrupt file was replaced";
  }
}

TEST(Secrets, FileRoundTripsAndIgnoresUnknownFields) {
  const Secrets s = GenerateSecrets();
  std::string text = SerializeSecrets(s);
  text.insert(text.find('{') + 1, "\"comment\": \"kept by hand\",");
  auto parsed = ParseSecrets(text);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(Values(*parsed), Values(s));
}

TEST(Secrets, RacingThreadsAndProcessesAgree) {
  TempDir tmp = MakeTemp();
  const auto dir = tmp.path() / "data";
  // Child processes write the API key they got to a file each.
  std::vector<pid_t> children;
  for (int i = 0; i < 4; ++i) {
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      auto r = LoadOrCreateSecrets(dir);
      const bool ok = r.ok() && WriteFileAtomic(tmp.path() / ("child" + std::to_string(i)), r->api_key).ok();
      ::_exit(ok ? 0 : 1);
    }
    children.push_back(pid);
  }
  std::vector<std::string> keys(8);
  std::vector<std::thread> threads;
  for (std::string& key : keys) {
    threads.emplace_back([&key, &dir] {
      auto r = LoadOrCreateSecrets(dir);
      key = r.ok() ? r->api_key : "error: " + r.status().ToString();
    });
  }
  for (std::thread& t : threads) t.join();
  for (std::size_t i = 0; i < children.size(); ++i) {
    int status = 0;
    ASSERT_EQ(::waitpid(children[i], &status, 0), children[i]);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    auto key = ReadFile(tmp.path() / ("child" + std::to_string(i)));
    ASSERT_TRUE(key.ok());
    keys.push_back(*key);
  }
  auto final = LoadSecrets(dir);
  ASSERT_TRUE(final.ok());
  for (const std::string& key : keys) EXPECT_EQ(key, final->api_key);
}

TEST(Secrets, OverridesReplaceOnlyWhatIsGiven) {
  const Secrets base = GenerateSecrets();
  const Secrets merged = WithOverrides(base, Secrets{.api_key = "from-flag", .jwt_secret = "jwt-from-env"});
  EXPECT_EQ(merged.api_key, "from-flag");
  EXPECT_EQ(merged.jwt_secret, "jwt-from-env");
  EXPECT_EQ(merged.s3_access_key, base.s3_access_key);
  EXPECT_EQ(merged.s3_secret_key, base.s3_secret_key);
  EXPECT_EQ(merged.webhook_secret, base.webhook_secret);
  EXPECT_EQ(merged.internal_secret, base.internal_secret);
}

}  // namespace
}  // namespace tcoder
