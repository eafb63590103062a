// The loader against golden output of the real compose binaries.
//
// test/data/compose/<case>/expected.json was written by
// test/data/compose/mint_goldens.py from `docker compose config --format
// json` / `config --hash` of compose 2.40.3 and 2.26.1 (see that script);
// the tests compare the canonical JSON and the config hash of every service,
// and the networks and volumes, for both releases.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "compose/json_value.h"
#include "unit/compose_test_support.h"

namespace deliveryhook::compose {
namespace {

using namespace ::deliveryhook::compose::testing;

const ComposeVersion kV2_40_3{2, 40, 3};
const ComposeVersion kV2_26_1{2, 26, 1};

// The hash compose computes over a canonical service JSON (section "config
// hash" of the reference): build, pull_policy, scale, deploy.replicas always
// dropped; depends_on and profiles dropped by 2.40.3.
std::string ReferenceHash(const std::string& canonical_json, const ComposeVersion& version) {
  Result<Json> json = ParseJson(canonical_json);
  for (const char* key : {"build", "pull_policy", "scale"}) json->Erase(key);
  if (Json* deploy = json->Find("deploy")) deploy->Erase("replicas");
  if (version >= ComposeVersion{2, 29, 3}) json->Erase("depends_on");
  if (version >= ComposeVersion{2, 30, 2}) json->Erase("profiles");
  return Sha256(EncodeGoJson(*json));
}

class GoldenTest : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenTest, MatchesCompose) {
  const std::string name = GetParam();
  TempDir temp;
  LoadOptions options = PrepareFixture(name, temp);
  std::string dir = options.working_dir;
  std::string parent = fs::path(dir).parent_path().string();
  auto paths = [&](const std::string& text) { return ReplaceAll(ReplaceAll(text, "@DIR@", dir), "@PARENT@", parent); };
  Result<Project> project = LoadProject(options);
  ASSERT_TRUE(project.ok()) << project.error();

  rapidjson::Document expected;
  expected.Parse(ReadText(FixtureDir(name) + "/expected.json").c_str());
  ASSERT_FALSE(expected.HasParseError());
  EXPECT_EQ(project->name, expected["project"].GetString());

  const auto& services = expected["services"];
  EXPECT_EQ(project->services.size(), services.MemberCount());
  for (auto it = services.MemberBegin(); it != services.MemberEnd(); ++it) {
    std::string service_name = it->name.GetString();
    SCOPED_TRACE(name + "/" + service_name);
    const Service* service = project->FindService(service_name);
    ASSERT_NE(service, nullptr);
    const auto& json = it->value["json"];
    const auto& hash = it->value["hash"];
    std::string want = paths(json["2.40.3"].GetString());
    EXPECT_EQ(service->canonical_json, want);
    for (const ComposeVersion& version : {kV2_40_3, kV2_26_1}) {
      std::string key = version.ToString();
      const auto& minted = hash[key.c_str()];
      std::string want_hash = minted.IsString()
                                  ? minted.GetString()
                                  : ReferenceHash(paths(json[key.c_str()].GetString()), version);
      EXPECT_EQ(ServiceConfigHash(*service, version), want_hash) << key;
    }
  }
  for (const char* kind : {"networks", "volumes"}) {
    const auto& resources = expected[kind];
    size_t count = std::string(kind) == "networks" ? project->networks.size() : project->volumes.size();
    EXPECT_EQ(count, resources.MemberCount()) << kind;
    for (auto it = resources.MemberBegin(); it != resources.MemberEnd(); ++it) {
      std::string key = it->name.GetString();
      std::string actual = std::string(kind) == "networks"
                               ? (project->networks.count(key) ? project->networks.at(key).canonical_json : "")
                               : (project->volumes.count(key) ? project->volumes.at(key).canonical_json : "");
      EXPECT_EQ(actual, it->value.GetString()) << kind << "." << key;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Compose, GoldenTest,
                         ::testing::Values("minimal", "wordpress", "env_file_label", "all_keys", "realistic",
                                           "merge", "dotenv", "interpolation", "update_order", "yaml_merge",
                                           "volume_options", "include", "extends", "tags",
                                           "merge_rules", "extensions", "network_merge", "service_keys",
                                           "service_keys_more"));

}  // namespace
}  // namespace deliveryhook::compose
