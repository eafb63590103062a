// Variable substitution: every operator, nesting, $$ and compose's errors.
#include "compose/template.h"

#include <gtest/gtest.h>

#include <map>

#include "compose/interpolation.h"
#include "compose/yaml_reader.h"

namespace deliveryhook::compose {
namespace {

const std::map<std::string, std::string> kEnvironment = {
    {"A", "1"}, {"EMPTY", ""}, {"NAME", "web"}, {"A_B", "ab"}};

Lookup TestLookup() {
  return [](const std::string& name) -> std::optional<std::string> {
    auto it = kEnvironment.find(name);
    if (it == kEnvironment.end()) return std::nullopt;
    return it->second;
  };
}

std::string Sub(std::string_view text) {
  SubstituteResult result = Substitute(text, TestLookup());
  if (auto* error = std::get_if<TemplateError>(&result)) return "ERROR: " + error->detail;
  return std::get<std::string>(result);
}

struct Case {
  const char* input;
  const char* expected;
};

// Expectations checked against compose 2.40.3 (`docker compose config`).
TEST(TemplateTest, Substitutes) {
  const Case cases[] = {
      {"plain", "plain"},
      {"$A", "1"},
      {"${A}", "1"},
      {"$UNSET", ""},
      {"${UNSET}", ""},
      {"$$A", "$A"},
      {"$${A}", "${A}"},
      {"$$", "$"},
      {"a $ b", "a $ b"},
      {"a $1 b", "a $1 b"},
      {"x$-", "x$-"},
      {"trailing $", "trailing $"},
      {"${A}}", "1}"},
      {"$A_B-${A}_b", "ab-1_b"},
      {"${UNSET:-def}", "def"},
      {"${EMPTY:-def}", "def"},
      {"${A:-def}", "1"},
      {"${UNSET-def}", "def"},
      {"${EMPTY-def}", ""},
      {"${A:+alt}", "alt"},
      {"${EMPTY:+alt}", ""},
      {"${UNSET:+alt}", ""},
      {"${A+s}-${EMPTY+t}", "s-t"},
      {"${UNSET+s}", ""},
      {"${A:?}", "1"},
      {"${A?}", "1"},
      {"${EMPTY?msg}", ""},
      {"${A:-a:-b}", "1"},
      {"${UNSET-a?b}", "a?b"},
      {"x${A:-${B:-c}}d", "x1d"},
      {"${UNSET:-${NAME:-x}}", "web"},
      {"${UNSET:-${UNSET2:-deep}}", "deep"},
      {"${A:+x${UNSET:-y}}", "xy"},
      {"x${A:-a}b}", "x1b}"},
      {"${A-{x}}y", "1y"},
      {"${B:-${A:?x}}", "1"},
      {"é$A", "é1"},
  };
  for (const Case& c : cases) EXPECT_EQ(Sub(c.input), c.expected) << c.input;
}

TEST(TemplateTest, RequiredVariables) {
  EXPECT_EQ(Sub("${UNSET:?tag must be set}"), "ERROR: required variable UNSET is missing a value: tag must be set");
  EXPECT_EQ(Sub("${EMPTY:?no}"), "ERROR: required variable EMPTY is missing a value: no");
  EXPECT_EQ(Sub("${UNSET?}"), "ERROR: required variable UNSET is missing a value");
  EXPECT_EQ(Sub("${UNSET?a-b}"), "ERROR: required variable UNSET is missing a value: a-b");
  // compose-go 2.9 substitutes the default before looking at the variable.
  EXPECT_EQ(Sub("${A:-${UNSET:?x}}"), "ERROR: required variable UNSET is missing a value: x");
  EXPECT_EQ(Sub("${UNSET:+${OTHER:?x}}"), "ERROR: required variable OTHER is missing a value: x");
}

TEST(TemplateTest, InvalidTemplates) {
  for (const char* input : {"x${", "x${}", "x${A B}", "${A:x}", "${1}"}) {
    SubstituteResult result = Substitute(input, TestLookup());
    ASSERT_TRUE(std::holds_alternative<TemplateError>(result)) << input;
    EXPECT_EQ(std::get<TemplateError>(result).kind, TemplateError::Kind::kInvalid) << input;
    EXPECT_EQ(std::get<TemplateError>(result).detail, input);
  }
}

TEST(InterpolationTest, WordsErrorsLikeCompose) {
  Result<YamlNode> root = ReadYaml(
      "services:\n  web:\n    image: \"nginx:${TAG:?tag must be set}\"\n", "compose.yaml");
  ASSERT_TRUE(root.ok());
  Status status = InterpolateTree(*root, TestLookup());
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().message(),
            "error while interpolating services.web.image: required variable TAG is missing a value: tag must be set");

  root = ReadYaml("services:\n  web:\n    environment: [\"A=${B\"]\n", "compose.yaml");
  ASSERT_TRUE(root.ok());
  status = InterpolateTree(*root, TestLookup());
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().message(),
            "invalid interpolation format for services.web.environment.[].\n"
            "You may need to escape any $ with another $.\nA=${B");
}

TEST(InterpolationTest, LeavesKeysAndTypedScalarsAlone) {
  Result<YamlNode> root = ReadYaml("$A: ${A}\nn: 5\nq: '${NAME}'\n", "compose.yaml");
  ASSERT_TRUE(root.ok());
  ASSERT_TRUE(InterpolateTree(*root, TestLookup()).ok());
  EXPECT_EQ(root->entries[0].key, "$A");
  EXPECT_EQ(root->entries[0].value.text, "1");
  EXPECT_EQ(root->entries[1].value.kind, YamlNode::Kind::kInt);
  EXPECT_EQ(root->entries[2].value.text, "web");
}

}  // namespace
}  // namespace deliveryhook::compose
