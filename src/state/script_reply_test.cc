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

TEST(ScriptReply, IntegerArgumentsParseStrictly) {
  auto r = ParseScriptReply(Arr({Str("ok"), Int(-7), Str("1764671234567"), Str("12x"), Str(""), Str(" 3")}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->int_arg(0).value(), -7);
  EXPECT_EQ(r->int_arg(1).value(), 1764671234567);
  for (size_t bad : {2, 3, 4, 5}) {
    auto v = r->int_arg(bad);
    ASSERT_FALSE(v.ok()) << bad;
    EXPECT_EQ(v.status().code(), Code::kInternal);
  }
}

TEST(ParseInteger, MalformedRepliesAreStatusesNotExceptions) {
  EXPECT_EQ(ParseInteger("42", "n").value(), 42);
  EXPECT_EQ(ParseInteger("-1", "n").value(), -1);
  for (const char* bad : {"", "abc", "4.5", "1e3", "+1", "99999999999999999999", "7 "}) {
    auto v = ParseInteger(bad, "stats pending");
    ASSERT_FALSE(v.ok()) << bad;
    EXPECT_EQ(v.status().code(), Code::kInternal) << bad;
    EXPECT_NE(v.status().message().find("stats pending"), std::string::npos);
  }
  EXPECT_EQ(ParseIntegerOrZero("", "n").value(), 0);
  EXPECT_FALSE(ParseIntegerOrZero("x", "n").ok());
}

}  // namespace
}  // namespace tcoder::state
