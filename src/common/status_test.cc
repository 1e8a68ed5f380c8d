#include "common/status.h"

#include <gtest/gtest.h>

#include <cerrno>

namespace tcoder {
namespace {

TEST(Status, DefaultIsOk) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.ToString(), "ok");
}

TEST(Status, ErrorCarriesCodeAndMessage) {
  Status s = NotFound("no such job");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), Code::kNotFound);
  EXPECT_EQ(s.ToString(), "not_found: no such job");
  EXPECT_EQ(s.WithContext("GET").message(), "GET: no such job");
}

TEST(Status, ErrnoMapping) {
  EXPECT_EQ(ErrnoStatus("open x", ENOENT).code(), Code::kNotFound);
  EXPECT_EQ(ErrnoStatus("open x", EACCES).code(), Code::kPermissionDenied);
  EXPECT_EQ(ErrnoStatus("write", ENOSPC).code(), Code::kResourceExhausted);
  EXPECT_NE(ErrnoStatus("open x", ENOENT).message().find("open x: "), std::string::npos);
}

TEST(Result, HoldsValueOrStatus) {
  Result<int> good = 42;
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 42);
  EXPECT_TRUE(good.status().ok());
  Result<int> bad = InvalidArgument("nope");
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Code::kInvalidArgument);
}

TEST(ResultDeathTest, ValueOfErrorAborts) {
  Result<int> bad = InvalidArgument("nope");
  EXPECT_DEATH((void)bad.value(), "Result::value");
}

TEST(StatusDeathTest, CheckCrashesWithMessage) { EXPECT_DEATH(TCODER_CHECK(1 + 1 == 3, "arithmetic"), "arithmetic"); }

}  // namespace
}  // namespace tcoder
