// Go value formats, YAML scalar typing and shell-word splitting.
#include <gtest/gtest.h>

#include "compose/go_format.h"
#include "compose/json_value.h"
#include "compose/shellwords.h"
#include "compose/yaml_reader.h"

namespace deliveryhook::compose {
namespace {

std::string Sprint(std::string_view yaml_value) {
  Result<YamlNode> root = ReadYaml("v: " + std::string(yaml_value), "test.yaml");
  EXPECT_TRUE(root.ok());
  return ScalarToString(root->entries[0].value);
}

// Checked against compose 2.40.3 (environment values).
TEST(GoFormatTest, ScalarsAsComposePrintsThem) {
  const std::pair<const char*, const char*> cases[] = {
      {"0755", "493"},   {"1_000", "1000"}, {"1e3", "1000"},    {".5", "0.5"},      {"0x1F", "31"},
      {"+1", "1"},       {"1.50", "1.5"},   {"yes", "yes"},     {"0o17", "15"},     {"1e21", "1e+21"},
      {"123456789012", "123456789012"},     {".inf", "+Inf"},   {"-0", "0"},        {"0.000001", "1e-06"},
      {"0.0000001", "1e-07"},               {"3.0e-5", "3e-05"}, {"False", "false"}, {"0b101", "5"},
      {"12e", "12e"},    {"'1.0'", "1.0"},  {"\"true\"", "true"}, {"1.0", "1"},
  };
  for (const auto& [yaml, expected] : cases) EXPECT_EQ(Sprint(yaml), expected) << yaml;
}

TEST(GoFormatTest, Float32Json) {
  EXPECT_EQ(FormatJsonFloat32(1.5f), "1.5");
  EXPECT_EQ(FormatJsonFloat32(0.25f), "0.25");
  EXPECT_EQ(FormatJsonFloat32(0.0001f), "0.0001");
  EXPECT_EQ(FormatJsonFloat32(0.1f), "0.1");
  EXPECT_EQ(FormatJsonFloat32(1e-7f), "1e-7");
  EXPECT_EQ(FormatJsonFloat32(2.0f), "2");
}

TEST(GoFormatTest, Durations) {
  const std::pair<const char*, const char*> cases[] = {
      {"30s", "30s"},   {"90s", "1m30s"},   {"1m", "1m0s"},       {"1h", "1h0m0s"},   {"1500ms", "1.5s"},
      {"500ms", "500ms"}, {"1h2m3s", "1h2m3s"}, {"1d", "24h0m0s"}, {"1w", "168h0m0s"}, {"1.5s", "1.5s"},
      {"10us", "10\xC2\xB5s"}, {"100ns", "100ns"}, {"0", "0s"},     {"2m30.5s", "2m30.5s"},
  };
  for (const auto& [input, expected] : cases) {
    std::optional<int64_t> nanos = ParseDuration(input);
    ASSERT_TRUE(nanos.has_value()) << input;
    EXPECT_EQ(FormatDuration(*nanos), expected) << input;
  }
  EXPECT_FALSE(ParseDuration("10").has_value());
  EXPECT_FALSE(ParseDuration("1x").has_value());
}

TEST(GoFormatTest, RamInBytes) {
  EXPECT_EQ(ParseRamInBytes("512m"), 536870912);
  EXPECT_EQ(ParseRamInBytes("1g"), 1073741824);
  EXPECT_EQ(ParseRamInBytes("64k"), 65536);
  EXPECT_EQ(ParseRamInBytes("256M"), 268435456);
  EXPECT_EQ(ParseRamInBytes("1.5GiB"), 1610612736);
  EXPECT_EQ(ParseRamInBytes("1024"), 1024);
  EXPECT_EQ(ParseRamInBytes("10 mb"), 10485760);
  EXPECT_FALSE(ParseRamInBytes("lots").has_value());
}

TEST(GoJsonTest, EscapesLikeGo) {
  Json value = Json::Struct();
  value.Set("s", Json::String("<a & b>\"\\\n\t\x01/\xE2\x80\xA8\xFF"));
  Json map = Json::Map();
  map.Set("z", Json::Int(1));
  map.Set("a", Json::Null());
  value.Set("m", map);
  value.Set("e", Json::Array());
  EXPECT_EQ(EncodeGoJson(value),
            R"({"s":"\u003ca \u0026 b\u003e\"\\\n\t\u0001/\u2028\ufffd","m":{"a":null,"z":1},"e":[]})");
}

TEST(GoJsonTest, RoundTripsKeepingOrderAndNumbers) {
  const std::string text = R"({"z":1.50,"a":{"y":[true,null,"\u003c"]},"cpus":0.0001})";
  Result<Json> parsed = ParseJson(text);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(EncodeGoJson(*parsed), text);
  EXPECT_FALSE(ParseJson("{\"a\":").ok());
}

TEST(YamlReaderTest, TypesTagsLinesAndMergeKeys) {
  Result<YamlNode> root = ReadYaml(
      "x-base: &base\n"
      "  a: 1\n"
      "  b: base\n"
      "svc:\n"
      "  <<: *base\n"
      "  b: own\n"
      "  n:\n"
      "  q: \"1\"\n"
      "  r: !reset []\n",
      "compose.yaml");
  ASSERT_TRUE(root.ok());
  const YamlNode* svc = root->Find("svc");
  ASSERT_NE(svc, nullptr);
  EXPECT_EQ(svc->Find("a")->kind, YamlNode::Kind::kInt);
  EXPECT_EQ(svc->Find("b")->text, "own");
  EXPECT_TRUE(svc->Find("n")->IsNull());
  EXPECT_EQ(svc->Find("q")->kind, YamlNode::Kind::kString);
  EXPECT_EQ(svc->Find("r")->tag, "!reset");
  EXPECT_EQ(root->entries[1].key_line, 4);
  EXPECT_EQ(svc->entries[0].key_line, 6);  // own keys first, merged ones after

  Result<YamlNode> broken = ReadYaml("a: [1, 2\nb: 3\n", "compose.yaml");
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(broken.error().message().rfind("compose.yaml:", 0), 0u);
}

// The merge-key cases go-yaml v3 (and so compose) handles, as `docker
// compose config` printed them (see test/data/compose/yaml_merge too).
TEST(YamlReaderTest, MergeKeysAtAnyDepth) {
  Result<YamlNode> root = ReadYaml(
      "x-restart: &restart\n"
      "  restart: unless-stopped\n"
      "  pull_policy: always\n"
      "x-base: &base\n"
      "  <<: *restart\n"
      "  image: app\n"
      "x-a: &a {image: a, user: ay, restart: always}\n"
      "x-b: &b {image: b}\n"
      "svc:\n"
      "  <<: *base\n"
      "two:\n"
      "  restart: \"no\"\n"
      "  <<: [*b, *a]\n"
      "labels:\n"
      "  <<: *a\n"
      "  user: !reset null\n",
      "compose.yaml");
  ASSERT_TRUE(root.ok()) << root.error();
  const YamlNode* svc = root->Find("svc");
  ASSERT_NE(svc->Find("restart"), nullptr);  // a merge inside a merged mapping
  EXPECT_EQ(svc->Find("restart")->text, "unless-stopped");
  EXPECT_EQ(svc->Find("pull_policy")->text, "always");
  const YamlNode* two = root->Find("two");
  EXPECT_EQ(two->Find("restart")->text, "no");  // own key, written before the merge
  EXPECT_EQ(two->Find("image")->text, "b");     // the first merged mapping wins
  EXPECT_EQ(two->Find("user")->text, "ay");
  // A !reset key stays first, and the merged value of the same key follows.
  const YamlNode* labels = root->Find("labels");
  ASSERT_EQ(labels->entries.size(), 4u);
  EXPECT_EQ(labels->entries[0].key, "user");
  EXPECT_EQ(labels->entries[0].value.tag, "!reset");
  EXPECT_EQ(labels->entries[2].key, "user");
  EXPECT_EQ(labels->entries[2].value.text, "ay");
}

TEST(YamlReaderTest, RejectsWhatGoYamlRejects) {
  Result<YamlNode> duplicate = ReadYaml("services:\n  s:\n    image: a\n    image: b\n", "compose.yaml");
  ASSERT_FALSE(duplicate.ok());
  EXPECT_EQ(duplicate.error().message(), "compose.yaml:4: mapping key \"image\" already defined at line 3");
  Result<YamlNode> two_documents = ReadYaml("a: 1\n---\nb: 2\n", "compose.yaml");
  ASSERT_FALSE(two_documents.ok());
  EXPECT_EQ(two_documents.error().message(),
            "compose.yaml:3: a second YAML document in one compose file is not supported by delivery-hook yet");
  EXPECT_TRUE(ReadYaml("---\na: 1\n", "compose.yaml").ok());
  EXPECT_TRUE(ReadYaml("", "compose.yaml").ok());
  Result<YamlNode> scalar_merge = ReadYaml("a:\n  <<: 3\n", "compose.yaml");
  ASSERT_FALSE(scalar_merge.ok());
  EXPECT_EQ(scalar_merge.error().message(),
            "compose.yaml:2: map merge requires map or sequence of maps as the value");
}

TEST(ShellWordsTest, SplitsAsGoShellwords) {
  using Words = std::vector<std::string>;
  const std::pair<const char*, Words> cases[] = {
      {"sh -c \"echo hi\"", {"sh", "-c", "echo hi"}},
      {"a\\ b 'c d' \"\"", {"a b", "c d", ""}},
      {"echo a && echo b", {"echo", "a"}},
      {"echo 'a && b' | wc", {"echo", "a && b"}},
      {"cmd 2>/dev/null", {"cmd"}},
      {"  spaced   out  ", {"spaced", "out"}},
      {"x\\ty", {"x\ty"}},
      {"echo $(date) ok", {"echo", "$(date)", "ok"}},
      {"'it'\"'\"'s'", {"it's"}},
      {"", {}},
  };
  for (const auto& [line, expected] : cases) {
    Result<std::vector<std::string>> words = SplitShellWords(line);
    ASSERT_TRUE(words.ok()) << line;
    EXPECT_EQ(*words, expected) << line;
  }
  for (const char* bad : {"'open", "\"open", "trailing\\", "echo (x)"}) {
    Result<std::vector<std::string>> words = SplitShellWords(bad);
    ASSERT_FALSE(words.ok()) << bad;
    EXPECT_EQ(words.error().message(), "invalid command line string");
  }
}

}  // namespace
}  // namespace deliveryhook::compose
