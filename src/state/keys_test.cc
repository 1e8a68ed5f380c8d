#include "state/keys.h"

#include <gtest/gtest.h>

namespace tcoder::state {
namespace {

TEST(Keys, EveryKeyCarriesTheHashTag) {
  Keys keys;
  EXPECT_EQ(keys.prefix(), "{tcoder}:");
  EXPECT_EQ(keys.Job("j_1"), "{tcoder}:job:j_1");
  EXPECT_EQ(keys.Queue(), "{tcoder}:queue");
  EXPECT_EQ(keys.Events(), "{tcoder}:events");
  EXPECT_EQ(keys.Input("tcoder-input", "a b/../c"), "{tcoder}:input:tcoder-input/a b/../c");
  EXPECT_EQ(keys.StatusIndex("running"), "{tcoder}:status:running");
  EXPECT_EQ(keys.Webhook("msg_1"), "{tcoder}:webhook:msg_1");
  EXPECT_EQ(keys.WebhooksDue(), "{tcoder}:webhooks:due");
  EXPECT_EQ(keys.ReportSeen("msg_2"), "{tcoder}:report-seen:msg_2");
  EXPECT_EQ(keys.ControlPlane("cp_1"), "{tcoder}:control-plane:cp_1");
}

TEST(Keys, DeploymentPrefixIsConfigurable) {
  auto keys = Keys::ForDeployment("staging-2");
  ASSERT_TRUE(keys.ok());
  EXPECT_EQ(keys->Machine("m_1"), "{staging-2}:machine:m_1");
}

TEST(Keys, RejectsPrefixesThatWouldBreakTheHashTag) {
  for (const char* bad : {"", "a}b", "{x", "with space", "a:b"}) {
    EXPECT_FALSE(Keys::ForDeployment(bad).ok()) << bad;
  }
  EXPECT_FALSE(Keys::ForDeployment(std::string(65, 'a')).ok());
}

}  // namespace
}  // namespace tcoder::state
