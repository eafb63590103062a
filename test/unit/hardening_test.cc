// Regression tests for what fuzzing (fuzz/) and the sanitizers found: each
// test names the input that used to crash, hang or blow up.
#include <gtest/gtest.h>

#include <string>

#include "compose/dotenv.h"
#include "compose/template.h"
#include "compose/yaml_reader.h"
#include "engine/dockerignore.h"

namespace deliveryhook {
namespace {

using compose::ReadYaml;
using compose::YamlNode;

// fuzz_compose_loader: a merge key naming the anchor it sits in expanded
// forever (stack overflow).
TEST(HardeningTest, YamlAliasInsideItsOwnAnchorIsAnError) {
  Result<YamlNode> root = ReadYaml(
      "x-base: &base\n"
      "  image: busybox\n"
      "  inner:\n"
      "    <<: *base\n",
      "compose.yaml");
  ASSERT_FALSE(root.ok());
  EXPECT_EQ(root.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(root.error().message().find("compose.yaml:"), std::string::npos) << root.error();
  EXPECT_NE(root.error().message().find("levels deep"), std::string::npos) << root.error();
}

// Nine levels of ten aliases each: 10^9 nodes once expanded.
TEST(HardeningTest, YamlAliasBombIsAnError) {
  std::string yaml = "l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 10; ++i) {
    const std::string prev = "*l" + std::to_string(i - 1);
    yaml += "l" + std::to_string(i) + ": &l" + std::to_string(i) + " [";
    for (int j = 0; j < 10; ++j) yaml += (j ? ", " : "") + prev;
    yaml += "]\n";
  }
  Result<YamlNode> root = ReadYaml(yaml, "compose.yaml");
  ASSERT_FALSE(root.ok());
  EXPECT_NE(root.error().message().find("nodes"), std::string::npos) << root.error();
}

// fuzz_interpolation: yaml-cpp 0.7 loops forever on a document whose root
// node begins with a flow entry; the reader refuses it first.
TEST(HardeningTest, YamlDocumentBeginningWithACommaIsAnError) {
  const std::pair<const char*, const char*> cases[] = {
      {", x\n", "compose.yaml:1: a YAML document cannot begin with ','"},
      {"# c\n\n  &a !t , x\n", "compose.yaml:3: a YAML document cannot begin with ','"},
      {"a: b\n---\n, x\n", "compose.yaml:3: a YAML document cannot begin with ','"},
      {"--- , x\n", "compose.yaml:1: a YAML document cannot begin with ','"},
      {"\xEF\xBB\xBF,ey: , \"${B:-b}\"]\nma\"}\n", "compose.yaml:1: a YAML document cannot begin with ','"},
  };
  for (const auto& [yaml, message] : cases) {
    Result<YamlNode> root = ReadYaml(yaml, "compose.yaml");
    ASSERT_FALSE(root.ok()) << yaml;
    EXPECT_EQ(root.error().message(), message);
  }
  // A comma anywhere else is yaml-cpp's to judge, and a scalar may hold one.
  EXPECT_TRUE(ReadYaml("a: [1, 2]\nb: x, y\nc: |\n  , z\n", "compose.yaml").ok());
}

TEST(HardeningTest, YamlDeepNestingIsAnError) {
  for (const char* open : {"[", "{a: ", "- "}) {
    std::string yaml;
    for (int i = 0; i < 100000; ++i) yaml += open;
    Result<YamlNode> root = ReadYaml(yaml, "compose.yaml");
    EXPECT_FALSE(root.ok()) << open;
  }
  // A compose-sized nesting still loads.
  std::string yaml = "a: ";
  for (int i = 0; i < 100; ++i) yaml += "[";
  for (int i = 0; i < 100; ++i) yaml += "]";
  EXPECT_TRUE(ReadYaml(yaml, "compose.yaml").ok());
}

// fuzz_dockerignore: std::regex recursed once per character of a long path
// (or pattern) and overflowed the stack.
TEST(HardeningTest, DockerignoreLongPathsAndPatternsDoNotOverflowTheStack) {
  auto matcher = engine::PatternMatcher::Create({"a*b", "**/x?y", "!keep*"});
  ASSERT_TRUE(matcher.ok());
  const std::string long_path(100000, 'a');
  EXPECT_FALSE(matcher->MatchesOrParentMatches(long_path));
  EXPECT_FALSE(matcher->MatchesOrParentMatches(std::string(60000, 'x') + "/" + long_path));
  // Up to PATH_MAX the answer is still moby's.
  EXPECT_TRUE(matcher->MatchesOrParentMatches(std::string(4000, 'a') + "b/file"));

  auto too_long = engine::PatternMatcher::Create({std::string(100000, 'a') + "*"});
  ASSERT_FALSE(too_long.ok());
  EXPECT_NE(too_long.error().message().find("longer than"), std::string::npos) << too_long.error();
}

// fuzz_interpolation: ${A:-${A:-...}} nested some thousand times (or that many
// ${A:-x} on one line) recursed once per level and overflowed the stack.
TEST(HardeningTest, DeeplyNestedInterpolationIsAnError) {
  const compose::Lookup lookup = [](const std::string&) { return std::optional<std::string>(); };
  const int levels = 50000;
  std::string nested;
  for (int i = 0; i < levels; ++i) nested += "${A:-";
  nested += "v" + std::string(levels, '}');
  auto result = compose::Substitute(nested, lookup);
  ASSERT_TRUE(std::holds_alternative<compose::TemplateError>(result));
  EXPECT_NE(std::get<compose::TemplateError>(result).detail.find("nested"), std::string::npos);

  std::string chained;
  for (int i = 0; i < levels; ++i) chained += "${A:-x}";
  EXPECT_TRUE(std::holds_alternative<compose::TemplateError>(compose::Substitute(chained, lookup)));

  // What compose files really do still works.
  std::string fine;
  for (int i = 0; i < 50; ++i) fine += "${A:-";
  fine += "v" + std::string(50, '}');
  auto ok = compose::Substitute(fine + "${A:-x}${A:-y}", lookup);
  ASSERT_TRUE(std::holds_alternative<std::string>(ok));
  EXPECT_EQ(std::get<std::string>(ok), "vxy");
}

// fuzz_dotenv (out of memory): each line doubling the variable before it,
// A=$A$A ..., grew to 2^n copies.
TEST(HardeningTest, ExponentialVariableGrowthIsAnError) {
  std::string env = "A=0123456789abcdef\n";
  for (int i = 0; i < 40; ++i) env += "A=${A}${A}\n";
  const compose::Lookup none = [](const std::string&) { return std::optional<std::string>(); };
  auto parsed = compose::ParseDotEnv(env, none);
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.error().message().find("bytes once variables are substituted"), std::string::npos)
      << parsed.error();
  // Sixteen doublings (1 MiB) are still fine.
  std::string fine = "A=0123456789abcdef\n";
  for (int i = 0; i < 15; ++i) fine += "A=${A}${A}\n";
  auto ok = compose::ParseDotEnv(fine, none);
  ASSERT_TRUE(ok.ok()) << ok.error();
  EXPECT_EQ(ok->at("A").size(), 16u << 15);
}

}  // namespace
}  // namespace deliveryhook
