// Service volumes in the create body: Binds strings and Mounts exactly as
// compose 2.40.3 (toBindString, bindRequiresMountAPI) and 2.26.1
// (ServiceVolumeConfig.String) send them. The expected values are what
// `docker inspect` showed for containers those releases created from the
// same volumes (HostConfig.Binds / HostConfig.Mounts).
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "deploy/container_spec.h"

namespace deliveryhook::deploy {
namespace {

std::string Compact(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return buffer.GetString();
}

// The volumes as `docker compose config --format json` printed them.
constexpr char kVolumes[] = R"({"image":"x","networks":{"default":null},"volumes":[
  {"type":"bind","source":"/tmp/lp/p2d/","target":"/t1","bind":{"create_host_path":true}},
  {"type":"bind","source":"/tmp/lp//p2d","target":"/t2","bind":{"create_host_path":true}},
  {"type":"volume","source":"db","target":"/var/lib/mysql","bind":{"selinux":"Z"},"volume":{}},
  {"type":"bind","source":"/tmp/lp/p2/x","target":"/y","read_only":true,"bind":{"selinux":"z","create_host_path":true}},
  {"type":"bind","source":"/tmp/lp/p2d/","target":"/t9"},
  {"type":"bind","source":"/q","target":"/q2","bind":{"propagation":"rslave","create_host_path":true}},
  {"type":"bind","source":"/srv/x","target":"/long2","bind":{"selinux":"Z"}},
  {"type":"volume","source":"db","target":"/long"}]})";

class MountsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    project_.name = "lpp2";
    project_.working_dir = "/tmp/lp/p2";
    project_.networks["default"] = {"default", "lpp2_default", false, "{}"};
    project_.volumes["db"] = {"db", "lpp2_db", false, "{}"};
    service_.name = "s";
    service_.image = "x";
    service_.canonical_json = kVolumes;
    input_.project = &project_;
    input_.service = &service_;
    input_.container_name = "lpp2-s-1";
    input_.api_version = "1.41";
  }

  rapidjson::Document Build(compose::ComposeVersion version) {
    input_.compose_version = version;
    auto spec = BuildContainerSpec(input_);
    EXPECT_TRUE(spec.ok()) << (spec.ok() ? "" : spec.error().message());
    rapidjson::Document body;
    body.Parse(spec->create_body.c_str());
    return body;
  }

  compose::Project project_;
  compose::Service service_;
  ContainerSpecInput input_;
};

TEST_F(MountsTest, Compose2_40KeepsSourcesAndRelabels) {
  auto body = Build({2, 40, 3});
  const auto& host = body["HostConfig"];
  EXPECT_EQ(Compact(host["Binds"]),
            R"(["/tmp/lp/p2d/:/t1:rw","/tmp/lp//p2d:/t2:rw","lpp2_db:/var/lib/mysql:rw,Z",)"
            R"("/tmp/lp/p2/x:/y:ro,z","/tmp/lp/p2d/:/t9:rw","lpp2_db:/long:rw"])");
  EXPECT_EQ(Compact(host["Mounts"]),
            R"([{"Type":"bind","Source":"/q","Target":"/q2","BindOptions":{"Propagation":"rslave",)"
            R"("CreateMountpoint":true}},{"Type":"bind","Source":"/srv/x","Target":"/long2","BindOptions":{}}])");
}

TEST_F(MountsTest, Compose2_26BindsOnlyShortSyntax) {
  auto body = Build({2, 26, 1});
  const auto& host = body["HostConfig"];
  EXPECT_EQ(Compact(host["Binds"]),
            R"(["/tmp/lp/p2d/:/t1:rw","/tmp/lp//p2d:/t2:rw","/tmp/lp/p2/x:/y:ro,z","/q:/q2:rw,rslave"])");
  EXPECT_EQ(Compact(host["Mounts"]),
            R"([{"Type":"volume","Source":"lpp2_db","Target":"/var/lib/mysql","VolumeOptions":{}},)"
            R"({"Type":"bind","Source":"/tmp/lp/p2d/","Target":"/t9"},)"
            R"({"Type":"bind","Source":"/srv/x","Target":"/long2","BindOptions":{}},)"
            R"({"Type":"volume","Source":"lpp2_db","Target":"/long"}])");
}

}  // namespace
}  // namespace deliveryhook::deploy
