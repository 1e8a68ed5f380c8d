#include "control/multipart_plan.h"

#include <gtest/gtest.h>

namespace tcoder::control {
namespace {

constexpr std::uint64_t kMiB = 1ull << 20;

TEST(MultipartPlan, PartsCoverTheFileExactlyAndOnlyTheLastIsShort) {
  const MultipartPlan plan = PlanParts(1288490188, 16 * kMiB);
  EXPECT_EQ(plan.part_size, 16 * kMiB);
  EXPECT_EQ(plan.part_count, 77);
  std::uint64_t total = 0;
  for (int n = 1; n <= plan.part_count; ++n) {
    total += plan.PartLength(n);
    if (n < plan.part_count) {
      EXPECT_EQ(plan.PartLength(n), plan.part_size);
    }
  }
  EXPECT_EQ(total, plan.size);
  EXPECT_EQ(plan.PartLength(0), 0u);
  EXPECT_EQ(plan.PartLength(78), 0u);
  const MultipartPlan exact = PlanParts(32 * kMiB, 16 * kMiB);
  EXPECT_EQ(exact.part_count, 2);
  EXPECT_EQ(exact.PartLength(2), 16 * kMiB);
  EXPECT_EQ(PlanParts(1, 16 * kMiB).part_count, 1);
}

TEST(MultipartPlan, PartSizeNeverUnderFiveMiBAndGrowsPastTenThousandParts) {
  EXPECT_EQ(PlanParts(100 * kMiB, 1 * kMiB).part_size, 5 * kMiB);
  const MultipartPlan huge = PlanParts(5ull << 40, 16 * kMiB);  // 5 TiB, S3's largest object
  EXPECT_LE(huge.part_count, kMaxParts);
  EXPECT_EQ(huge.part_size % kMiB, 0u);
  EXPECT_GE(huge.part_size * kMaxParts, huge.size);
}

TEST(MultipartPlan, ChoosesByTheThresholdUnlessTheClientSays) {
  EXPECT_EQ(std::get<bool>(ChooseMultipart(std::nullopt, 200 * kMiB, 100 * kMiB)), true);
  EXPECT_EQ(std::get<bool>(ChooseMultipart(std::nullopt, 50 * kMiB, 100 * kMiB)), false);
  EXPECT_EQ(std::get<bool>(ChooseMultipart(true, 50 * kMiB, 100 * kMiB)), true);
  EXPECT_EQ(std::get<bool>(ChooseMultipart(false, 200 * kMiB, 100 * kMiB)), false);
  EXPECT_EQ(std::get<bool>(ChooseMultipart(std::nullopt, 6ull << 30, 100ull << 30)), true);  // over one PUT's limit
  EXPECT_EQ(std::get<bool>(ChooseMultipart(std::nullopt, 0, 100 * kMiB)), false);            // size unknown
  const auto refused = ChooseMultipart(false, 6ull << 30, 100 * kMiB);
  ASSERT_TRUE(std::holds_alternative<ApiError>(refused));
  EXPECT_EQ(std::get<ApiError>(refused).status, 400);
  EXPECT_EQ(std::get<ApiError>(refused).details["field"], "multipart");
  const auto no_size = ChooseMultipart(true, 0, 100 * kMiB);
  ASSERT_TRUE(std::holds_alternative<ApiError>(no_size));
  EXPECT_EQ(std::get<ApiError>(no_size).details["field"], "size");
}

std::vector<storage::UploadedPart> Listed(const MultipartPlan& plan) {
  std::vector<storage::UploadedPart> parts;
  for (int n = 1; n <= plan.part_count; ++n)
    parts.push_back({n, plan.PartLength(n), "\"e" + std::to_string(n) + "\"", ""});
  return parts;
}

TEST(MultipartPlan, CheckPartsCompletesWithEveryPartInOrder) {
  const MultipartPlan plan = PlanParts(12 * kMiB, 5 * kMiB);
  std::vector<storage::UploadedPart> listed = Listed(plan);
  std::swap(listed[0], listed[2]);
  auto parts = CheckParts(plan, listed, {{2, "e2"}});  // quotes ignored
  ASSERT_TRUE((std::holds_alternative<std::vector<storage::CompletedPart>>(parts)));
  const auto& done = std::get<std::vector<storage::CompletedPart>>(parts);
  ASSERT_EQ(done.size(), 3u);
  EXPECT_EQ(done[0].number, 1);
  EXPECT_EQ(done[2].etag, "\"e3\"");
}

TEST(MultipartPlan, CheckPartsNamesWhatIsMissingOrWrong) {
  const MultipartPlan plan = PlanParts(12 * kMiB, 5 * kMiB);
  std::vector<storage::UploadedPart> listed = Listed(plan);
  listed.erase(listed.begin() + 1);
  const auto missing = std::get<ApiError>(CheckParts(plan, listed, {}));
  EXPECT_EQ(missing.message, "1 part missing");
  EXPECT_EQ(missing.details["missing"], nlohmann::json::array({2}));

  listed = Listed(plan);
  listed[1].size = 100;
  const auto short_part = std::get<ApiError>(CheckParts(plan, listed, {}));
  EXPECT_EQ(short_part.details["partNumber"], 2);
  EXPECT_NE(short_part.message.find("has 100 bytes"), std::string::npos);

  const auto etag = std::get<ApiError>(CheckParts(plan, Listed(plan), {{3, "\"other\""}}));
  EXPECT_EQ(etag.details["partNumber"], 3);

  const auto none = std::get<ApiError>(CheckParts(PlanParts(200 * kMiB, 16 * kMiB), {}, {}));
  EXPECT_EQ(none.message, "13 parts missing");
}

TEST(MultipartPlan, PartNumbersAreBoundedAndUnique) {
  const MultipartPlan plan = PlanParts(50 * kMiB, 5 * kMiB);
  EXPECT_EQ(std::get<std::vector<int>>(ParsePartNumbers(R"({"partNumbers":[3,1,10]})", plan)),
            (std::vector<int>{3, 1, 10}));
  for (const char* bad :
       {R"({"partNumbers":[11]})", R"({"partNumbers":[0]})", R"({"partNumbers":[1,1]})", R"({"partNumbers":[]})",
        R"({"partNumbers":"1"})", R"({"partNumbers":[1.5]})", "[1]", "not json", "{}"}) {
    EXPECT_TRUE(std::holds_alternative<ApiError>(ParsePartNumbers(bad, plan))) << bad;
  }
}

TEST(MultipartPlan, CompleteBodyMayNameETags) {
  EXPECT_TRUE((std::get<std::map<int, std::string>>(ParseCompleteBody("")).empty()));
  EXPECT_TRUE((std::get<std::map<int, std::string>>(ParseCompleteBody("{}")).empty()));
  auto etags = std::get<std::map<int, std::string>>(ParseCompleteBody(R"({"parts":[{"partNumber":2,"etag":"x"}]})"));
  EXPECT_EQ(etags.at(2), "x");
  for (const char* bad : {R"({"parts":{}})", R"({"parts":[{"partNumber":0,"etag":"x"}]})",
                          R"({"parts":[{"partNumber":1}]})", "[]", "nope"}) {
    EXPECT_TRUE(std::holds_alternative<ApiError>(ParseCompleteBody(bad))) << bad;
  }
}

}  // namespace
}  // namespace tcoder::control
