// SigV4 against the AWS signing test suite (shared vectors), header and query forms.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/crypto.h"
#include "storage/sigv4.h"
#include "support/test_env.h"

namespace tcoder::storage::sigv4 {
namespace {

namespace fs = std::filesystem;

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

fs::path VectorDir() { return testing::SharedDir() / "vectors" / "sigv4"; }

struct Case {
  std::string name;
  Request request;
  std::string body;
  SigningParams params;
  std::int64_t expires = 0;
};

// Parses request.txt: "METHOD TARGET HTTP/1.1", headers (folded lines join the previous value), body.
Request ParseRequest(const std::string& text, std::string& body) {
  Request req;
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);
  std::size_t first = line.find(' ');
  std::size_t last = line.rfind(' ');
  req.method = line.substr(0, first);
  std::string target = line.substr(first + 1, last - first - 1);
  std::size_t q = target.find('?');
  req.raw_path = target.substr(0, q);
  if (q != std::string::npos) req.raw_query = target.substr(q + 1);
  while (std::getline(in, line) && !line.empty()) {
    if (line[0] == ' ' || line[0] == '\t') {
      req.headers.back().second += "\n" + line;
      continue;
    }
    std::size_t colon = line.find(':');
    req.headers.emplace_back(line.substr(0, colon), line.substr(colon + 1));
  }
  std::stringstream rest;
  rest << in.rdbuf();
  body = rest.str();
  return req;
}

Case LoadCase(const std::string& name) {
  Case c;
  c.name = name;
  fs::path dir = VectorDir() / name;
  c.request = ParseRequest(ReadFile(dir / "request.txt"), c.body);
  auto ctx = nlohmann::json::parse(ReadFile(dir / "context.json"));
  c.params.credentials.access_key = ctx["credentials"]["access_key_id"];
  c.params.credentials.secret_key = ctx["credentials"]["secret_access_key"];
  c.params.credentials.session_token = ctx["credentials"].value("token", "");
  c.params.region = ctx["region"];
  c.params.service = ctx["service"];
  c.params.normalize_path = ctx["normalize"];
  c.params.add_content_sha256 = ctx["sign_body"];
  c.params.omit_session_token = ctx.value("omit_session_token", false);
  auto now = ParseAmzDate("20150830T123600Z");
  EXPECT_TRUE(now.has_value());
  c.params.now = *now;
  EXPECT_EQ(ctx["timestamp"], "2015-08-30T12:36:00Z") << name;
  c.expires = ctx["expiration_in_seconds"];
  return c;
}

std::vector<std::string> CaseNames() {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(VectorDir())) {
    if (entry.is_directory()) names.push_back(entry.path().filename());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string HeaderValue(const Request& req, std::string_view name) {
  for (const auto& [n, v] : req.headers) {
    if (n == name) return v;
  }
  return "";
}

std::vector<std::string> SplitList(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ';')) out.push_back(item);
  return out;
}

// The Authorization line of header-signed-request.txt.
std::string ExpectedAuthorization(const fs::path& dir) {
  std::istringstream in(ReadFile(dir / "header-signed-request.txt"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("Authorization:", 0) == 0) return line.substr(14);
  }
  return "";
}

TEST(Sigv4Vectors, SuiteIsPresent) { EXPECT_GE(CaseNames().size(), 30u); }

TEST(Sigv4Vectors, HeaderFormMatchesEveryCase) {
  for (const std::string& name : CaseNames()) {
    SCOPED_TRACE(name);
    Case c = LoadCase(name);
    fs::path dir = VectorDir() / name;
    const std::string payload_hash = crypto::Hex(crypto::Sha256(c.body));
    Request req = c.request;
    ASSERT_TRUE(SignRequest(req, c.params, payload_hash).ok());
    const std::string auth = HeaderValue(req, "Authorization");
    EXPECT_EQ(auth, ExpectedAuthorization(dir));

    // Rebuild the intermediate steps from what was signed.
    std::size_t sh = auth.find("SignedHeaders=") + 14;
    std::vector<std::string> signed_headers = SplitList(auth.substr(sh, auth.find(',', sh) - sh));
    const std::string creq = CanonicalRequest(req, signed_headers, payload_hash, c.params.normalize_path);
    EXPECT_EQ(creq, ReadFile(dir / "header-canonical-request.txt"));
    const std::string sts =
        StringToSign("20150830T123600Z", Scope("20150830", c.params.region, c.params.service), creq);
    EXPECT_EQ(sts, ReadFile(dir / "header-string-to-sign.txt"));
    const std::string key = SigningKey(c.params.credentials.secret_key, "20150830", c.params.region, c.params.service);
    EXPECT_EQ(SignatureHex(key, sts), ReadFile(dir / "header-signature.txt"));
  }
}

TEST(Sigv4Vectors, QueryFormMatchesEveryCase) {
  for (const std::string& name : CaseNames()) {
    SCOPED_TRACE(name);
    Case c = LoadCase(name);
    fs::path dir = VectorDir() / name;
    const std::string payload_hash = crypto::Hex(crypto::Sha256(c.body));
    Request req = c.request;
    ASSERT_TRUE(Presign(req, c.params, std::chrono::seconds(c.expires), payload_hash).ok());
    std::string signed_request = ReadFile(dir / "query-signed-request.txt");
    std::string first_line = signed_request.substr(0, signed_request.find('\n'));
    EXPECT_EQ(req.method + " " + req.raw_path + "?" + req.raw_query + " HTTP/1.1", first_line);

    Request unsigned_token = c.request;  // the canonical request as signed: without an omitted token
    SigningParams no_token = c.params;
    if (no_token.omit_session_token) no_token.credentials.session_token.clear();
    ASSERT_TRUE(Presign(unsigned_token, no_token, std::chrono::seconds(c.expires), payload_hash).ok());
    std::string list =
        UriDecode(unsigned_token.raw_query.substr(unsigned_token.raw_query.find("X-Amz-SignedHeaders=") + 20));
    list = list.substr(0, list.find('&'));
    const std::string creq = CanonicalRequest(unsigned_token, SplitList(list), payload_hash, c.params.normalize_path);
    EXPECT_EQ(creq, ReadFile(dir / "query-canonical-request.txt"));
    const std::string sts =
        StringToSign("20150830T123600Z", Scope("20150830", c.params.region, c.params.service), creq);
    EXPECT_EQ(sts, ReadFile(dir / "query-string-to-sign.txt"));
    const std::string key = SigningKey(c.params.credentials.secret_key, "20150830", c.params.region, c.params.service);
    EXPECT_EQ(SignatureHex(key, sts), ReadFile(dir / "query-signature.txt"));
  }
}

TEST(Sigv4Vectors, UnnormalizedCasesKeepThePathAsIs) {
  int unnormalized = 0;
  for (const std::string& name : CaseNames()) {
    Case c = LoadCase(name);
    if (c.params.normalize_path) continue;
    ++unnormalized;
    std::string creq = ReadFile(VectorDir() / name / "header-canonical-request.txt");
    std::string uri = creq.substr(creq.find('\n') + 1);
    uri = uri.substr(0, uri.find('\n'));
    EXPECT_EQ(CanonicalUri(c.request.raw_path, false), uri) << name;
  }
  EXPECT_GE(unnormalized, 7);
}

}  // namespace
}  // namespace tcoder::storage::sigv4
