#include "control/webhook_target.h"

#include <gtest/gtest.h>

namespace tcoder::control {
namespace {

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
