#include "state/script_reply.h"

#include <gtest/gtest.h>

namespace tcoder::state {
namespace {

RedisValue Str(std::string s) { return {RedisValue::Type::kString, 0, std::move(s), {}}; }
RedisValue Int(std::int64_t i) { return {RedisValue::Type::kInteger, i, "", {}}; }
RedisValue Arr(std::vector<RedisValue> v) { return {RedisValue::Type::kArray, 0, "", std::move(v)}; }

TEST(ScriptReply, ParsesOutcomeAndArguments) {
  auto r = ParseScriptReply(Arr({Str("ok"), Str("j_1"), Int(42)}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->outcome, "ok");
  EXPECT_EQ(r->arg(0), "j_1");
  EXPECT_EQ(r->arg(1), "42");
  EXPECT_EQ(r->arg(7), "");
  EXPECT_TRUE(RefusalStatus(*r, "job j_1").ok());
}

TEST(ScriptReply, RejectsMalformedReplies) {
  EXPECT_FALSE(ParseScriptReply(Str("ok")).ok());
  EXPECT_FALSE(ParseScriptReply(Arr({})).ok());
  EXPECT_FALSE(ParseScriptReply(Arr({Int(1)})).ok());
}

TEST(ScriptReply, RefusalsBecomeStatuses) {
  EXPECT_EQ(RefusalStatus({"not_found", {}}, "job x").code(), Code::kNotFound);
  const Status stale = RefusalStatus({"stale", {"pending"}}, "job x");
  EXPECT_EQ(stale.code(), Code::kConflict);
  EXPECT_NE(stale.message().find("stale fencing token"), std::string::npos);
  EXPECT_EQ(RefusalStatus({"conflict", {"job is already completed"}}, "job x").code(), Code::kConflict);
  EXPECT_EQ(RefusalStatus({"invalid", {"bad"}}, "job x").code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace tcoder::state
