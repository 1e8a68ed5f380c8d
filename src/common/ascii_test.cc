#include "common/ascii.h"

#include <gtest/gtest.h>

#include <string>

namespace tcoder {
namespace {

TEST(Ascii, TrimRemovesOptionalWhitespaceByDefault) {
  EXPECT_EQ(Trim("  a b\t"), "a b");
  EXPECT_EQ(Trim(" \t"), "");
  EXPECT_EQ(Trim(""), "");
  EXPECT_EQ(Trim("x"), "x");
  EXPECT_EQ(Trim(" x\r\n"), "x\r\n") << "by default only space and tab are trimmed";
}

TEST(Ascii, TrimTakesTheCharactersToRemove) {
  EXPECT_EQ(Trim("\r\n x \n", " \t\r\n"), "x");
  EXPECT_EQ(Trim("--x-", "-"), "x");
}

TEST(Ascii, CharacterClassesAreAsciiOnly) {
  EXPECT_TRUE(IsAsciiAlnum('z') && IsAsciiAlnum('Z') && IsAsciiAlnum('0'));
  EXPECT_FALSE(IsAsciiAlnum('_') || IsAsciiAlnum('\xe9') || IsAsciiAlnum(' '));
  EXPECT_TRUE(IsAsciiDigit('9'));
  EXPECT_FALSE(IsAsciiDigit('a'));
  EXPECT_FALSE(IsAsciiLower('A'));
}

TEST(Ascii, IdentifierChecksLengthAndCharacters) {
  EXPECT_TRUE(IsIdentifier("j_abc-1", 1, 64, "_-"));
  EXPECT_FALSE(IsIdentifier("", 1, 64, "_-"));
  EXPECT_FALSE(IsIdentifier(std::string(65, 'a'), 1, 64, "_-"));
  EXPECT_TRUE(IsIdentifier(std::string(64, 'a'), 1, 64, "_-"));
  EXPECT_FALSE(IsIdentifier("a.b", 1, 64, "_-"));
  EXPECT_TRUE(IsIdentifier("a.b", 1, 64, "_-."));
  EXPECT_FALSE(IsIdentifier("a b", 1, 64, "_-."));
  EXPECT_FALSE(IsIdentifier(std::string_view("a\0b", 3), 1, 64, "_-."));
  EXPECT_FALSE(IsIdentifier("short", 16, 64, "_-"));
}

TEST(Ascii, AsciiLowerLowersOnlyAsciiLetters) {
  EXPECT_EQ(AsciiLower("X-Amz-Date"), "x-amz-date");
  EXPECT_EQ(AsciiLower("\xc3\x89t\xc3\xa9"), "\xc3\x89t\xc3\xa9");
  EXPECT_EQ(AsciiLower(""), "");
}

TEST(Ascii, LastLineIsTheLastNonBlankLineBounded) {
  EXPECT_EQ(LastLine("first\nsecond\n\n  \n"), "second");
  EXPECT_EQ(LastLine("only"), "only");
  EXPECT_EQ(LastLine(" \r\n\t"), "no error message");
  EXPECT_EQ(LastLine("a\n" + std::string(400, 'x')).size(), 300u);
  EXPECT_EQ(LastLine("a\nbcdef", 3), "bcd");
}

}  // namespace
}  // namespace tcoder
