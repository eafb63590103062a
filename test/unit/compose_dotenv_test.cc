// The env-file format, with compose-go's quirks.
#include "compose/dotenv.h"

#include <gtest/gtest.h>

namespace deliveryhook::compose {
namespace {

Lookup From(Environment environment) {
  return [environment](const std::string& name) -> std::optional<std::string> {
    auto it = environment.find(name);
    if (it == environment.end()) return std::nullopt;
    return it->second;
  };
}

Environment Parse(std::string_view text, Environment lookup = {}) {
  Result<Environment> parsed = ParseDotEnv(text, From(std::move(lookup)));
  EXPECT_TRUE(parsed.ok()) << parsed.error();
  return parsed.ok() ? *parsed : Environment{};
}

TEST(DotEnvTest, UnquotedValues) {
  Environment env = Parse(
      "# comment\n"
      "A=1\n"
      "export B=two words  # trailing comment\n"
      "F: yaml style\n"
      "G=a#b\n"
      "K=  spaced  \n"
      "Q=\n"
      "W=crlf\r\n");
  EXPECT_EQ(env, (Environment{{"A", "1"}, {"B", "two words"}, {"F", "yaml style"}, {"G", "a#b"},
                              {"K", "spaced"}, {"Q", ""}, {"W", "crlf"}}));
}

TEST(DotEnvTest, QuotedValues) {
  Environment env = Parse(
      "A=1\n"
      "C=\"dq $A \\n tab\\t \\\" \\$A \\\\ end\" # c\n"
      "D='sq $A \\n'\n"
      "H=\"multi\nline\"\n"
      "P=\"\"\n"
      "S=\"x\\'y\"\n"
      "U=\"octal \\0101\"\n");
  EXPECT_EQ(env.at("C"), "dq 1 \n tab\t \" $A \\ end");
  EXPECT_EQ(env.at("D"), "sq $A \\n");
  EXPECT_EQ(env.at("H"), "multi\nline");
  EXPECT_EQ(env.at("P"), "");
  EXPECT_EQ(env.at("S"), "x\\'y");
  EXPECT_EQ(env.at("U"), "octal A");
}

TEST(DotEnvTest, SubstitutesFromLookupThenEarlierKeys) {
  Environment env = Parse("A=file\nB=${A}\nC=$SHADOWED\nSHADOWED=late\nD=${NOPE:-def}\nE=$$A\n",
                          {{"A", "process"}, {"SHADOWED", "process"}});
  EXPECT_EQ(env.at("A"), "file");     // the file's own value is kept...
  EXPECT_EQ(env.at("B"), "process");  // ...but lookups ask the environment first
  EXPECT_EQ(env.at("C"), "process");
  EXPECT_EQ(env.at("D"), "def");
  EXPECT_EQ(env.at("E"), "$A");
}

TEST(DotEnvTest, BareKeysInherit) {
  Environment env = Parse("I\nMISSING\nJ=1\n", {{"I", "inherited"}});
  EXPECT_EQ(env, (Environment{{"I", "inherited"}, {"J", "1"}}));
  // compose-go quirk: a last line without `=` or newline is a value with an empty key.
  EXPECT_EQ(Parse("BARE"), (Environment{{"", "BARE"}}));
}

TEST(DotEnvTest, KeyCharacters) {
  EXPECT_EQ(Parse("M.N-O[1]=dots\n").at("M.N-O[1]"), "dots");
  EXPECT_EQ(Parse("\xEF\xBB\xBF" "BOM=1\n").at("BOM"), "1");
}

TEST(DotEnvTest, Errors) {
  Result<Environment> parsed = ParseDotEnv("A=1\nR='it''s'\n", From({}));
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().message(), "line 2: unexpected character \"'\" in variable name \"'s'\"");

  parsed = ParseDotEnv("A=1\nB=\"open\nstill\n", From({}));
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().message(), "line 4: unterminated quoted value \"open");

  parsed = ParseDotEnv("A B=1\n", From({}));
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().message(), "line 1: key cannot contain a space");
}

}  // namespace
}  // namespace deliveryhook::compose

namespace deliveryhook::compose {
namespace {

TEST(RawEnvTest, LinesAsDockerRunEnvFileReadsThem) {
  Lookup lookup = [](const std::string& name) -> std::optional<std::string> {
    if (name == "HOME") return std::string("/home/tester");
    return std::nullopt;
  };
  Result<Environment> parsed =
      ParseRawEnv("\xEF\xBB\xBF  A=  spaced  \r\nB=\"q $HOME\"\n\n# c\nHOME\nNOPE\nC=a=b", lookup);
  ASSERT_TRUE(parsed.ok()) << parsed.error();
  EXPECT_EQ(*parsed, (Environment{{"A", "  spaced  "}, {"B", "\"q $HOME\""}, {"HOME", "/home/tester"}, {"C", "a=b"}}));
  EXPECT_EQ(ParseRawEnv("=x\n", lookup).error().message(), "no variable name on line '=x'");
  EXPECT_EQ(ParseRawEnv("A B=1\n", lookup).error().message(), "variable 'A B' contains whitespaces");
}

}  // namespace
}  // namespace deliveryhook::compose
