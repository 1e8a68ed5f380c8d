#include "http/url_parts.h"

#include <gtest/gtest.h>

namespace tcoder::http {
namespace {

TEST(UrlParts, SplitsSchemeHostAndPort) {
  auto u = ParseUrl("HTTPS://Example.com/a/b?x=1");
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(u->scheme, "https");
  EXPECT_EQ(u->host, "Example.com");
  EXPECT_EQ(u->port, 443);
  u = ParseUrl("http://[::1]:8080/");
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->port, 8080);
  u = ParseUrl("gopher://127.0.0.1/x");  // any scheme parses; callers check it
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(u->scheme, "gopher");
}

TEST(UrlParts, TheRedactedFormKeepsNoSecrets) {
  auto u = ParseUrl("https://user:secret@example.com:8443/v/a.mp4?X-Amz-Signature=abc#t=1");
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(u->redacted, "https://example.com:8443/v/a.mp4");
}

TEST(UrlParts, RefusesWhatIsNotAnAbsoluteUrl) {
  for (const char* bad : {"not a url", "", "/relative/path", "http://exa mple.com/"}) {
    EXPECT_EQ(ParseUrl(bad).status().code(), Code::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace tcoder::http
