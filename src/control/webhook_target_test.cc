#include "control/webhook_target.h"

#include <gtest/gtest.h>

namespace tcoder::control {
namespace {

TEST(WebhookTarget, InternalAddressesAreRecognised) {
  for (const char* ip : {"127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1",
                         "0.0.0.0", "::1", "::", "fe80::1", "fd00::1", "::ffff:127.0.0.1", "224.0.0.1", "bogus"})
    EXPECT_TRUE(IsInternalAddress(ip)) << ip;
  for (const char* ip : {"8.8.8.8", "1.1.1.1", "172.32.0.1", "2606:4700::1111"})
    EXPECT_FALSE(IsInternalAddress(ip)) << ip;
}

TEST(WebhookTarget, LoopbackIsRefusedUnlessAllowed) {
  auto r = ResolveWebhookTarget("http://127.0.0.1:9/hook", false);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kPermissionDenied);
  EXPECT_EQ(ResolveWebhookTarget("http://localhost:9/hook", false).status().code(), Code::kPermissionDenied);
  auto ok = ResolveWebhookTarget("http://127.0.0.1:9/hook", true);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->address, "127.0.0.1");
  EXPECT_EQ(ok->port, 9);
  EXPECT_EQ(ResolveWebhookTarget("http://[::1]:8080/x", false).status().code(), Code::kPermissionDenied);
  EXPECT_EQ(ResolveWebhookTarget("file:///etc/passwd", true).status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace tcoder::control
