#include "deploy/container_spec.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "deploy/compose_labels.h"

namespace deliveryhook::deploy {
namespace {

// What `docker compose config --format json` (2.40.3) printed for this
// service of a project "p" in /srv/p.
constexpr char kWebService[] = R"({
 "cap_add": ["NET_ADMIN"], "cap_drop": ["ALL"], "cpus": 1.5,
 "command": ["sh", "-c", "httpd -f -p 8080 -h /"], "container_name": "my-web",
 "depends_on": {"db": {"condition": "service_started", "required": true}},
 "dns": ["8.8.8.8"], "entrypoint": ["/bin/sh"], "environment": {"A": "1", "B": null},
 "expose": ["3306"], "extra_hosts": ["other=1.2.3.4", "somehost=162.242.195.82"],
 "hostname": "webhost",
 "healthcheck": {"test": ["CMD-SHELL", "wget -q -O- localhost:8080 && true"], "timeout": "1.5s",
                 "interval": "10s", "retries": 3, "start_period": "1m0s"},
 "image": "127.0.0.1:5000/app:latest", "init": true, "labels": {"a": "<&>", "z": "1"},
 "logging": {"driver": "json-file", "options": {"max-size": "10m"}},
 "mem_limit": "536870912",
 "networks": {"default": null, "front": {"aliases": ["frontend"], "ipv4_address": "172.28.0.5"}},
 "ports": [{"mode": "ingress", "host_ip": "127.0.0.1", "target": 8080, "published": "18080", "protocol": "tcp"},
           {"mode": "ingress", "target": 9000, "published": "9000", "protocol": "udp"}],
 "read_only": true, "restart": "unless-stopped", "stop_grace_period": "3s", "stop_signal": "SIGKILL",
 "sysctls": {"net.core.somaxconn": "1024"}, "tmpfs": ["/run:size=64k", "/tmp"],
 "ulimits": {"nofile": {"soft": 20000, "hard": 40000}, "nproc": 65535}, "user": "1000:1000",
 "volumes": [
   {"type": "bind", "source": "/srv/p/conf", "target": "/conf", "read_only": true, "bind": {"create_host_path": true}},
   {"type": "volume", "source": "data", "target": "/data", "volume": {}},
   {"type": "volume", "target": "/anon", "volume": {}},
   {"type": "tmpfs", "target": "/t", "tmpfs": {"size": "1000000"}}],
 "working_dir": "/srv"})";

std::string Compact(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return buffer.GetString();
}

class ContainerSpecTest : public ::testing::Test {
 protected:
  void SetUp() override {
    project_.name = "p";
    project_.working_dir = "/srv/p";
    project_.networks["default"] = {"default", "p_default", false, "{}"};
    project_.networks["front"] = {"front", "p_front", false, "{}"};
    project_.volumes["data"] = {"data", "p_data", false, "{}"};
    service_.name = "web";
    service_.image = "127.0.0.1:5000/app:latest";
    service_.container_name = "my-web";
    service_.canonical_json = kWebService;
    input_.project = &project_;
    input_.service = &service_;
    input_.container_name = "my-web";
    input_.compose_labels = {{"com.docker.compose.project", "p"}, {"a", "overridden?"}};
    input_.api_version = "1.41";
    input_.compose_version = {2, 40, 3};
    input_.old_mounts = {{"volume", "abc123", "/var/lib/docker/volumes/abc123/_data", "/anon"}};
  }

  rapidjson::Document Build() {
    auto spec = BuildContainerSpec(input_);
    EXPECT_TRUE(spec.ok()) << (spec.ok() ? "" : spec.error().message());
    later_ = spec->later_networks;
    rapidjson::Document body;
    body.Parse(spec->create_body.c_str());
    return body;
  }

  compose::Project project_;
  compose::Service service_;
  ContainerSpecInput input_;
  std::vector<LaterNetwork> later_;
};

TEST_F(ContainerSpecTest, ConfigFields) {
  auto body = Build();
  EXPECT_EQ(std::string(body["Image"].GetString()), "127.0.0.1:5000/app:latest");
  EXPECT_EQ(Compact(body["Cmd"]), R"(["sh","-c","httpd -f -p 8080 -h /"])");
  EXPECT_EQ(Compact(body["Entrypoint"]), R"(["/bin/sh"])");
  EXPECT_EQ(Compact(body["Env"]), R"(["A=1","B"])");
  EXPECT_EQ(Compact(body["ExposedPorts"]), R"({"3306":{},"8080/tcp":{},"9000/udp":{}})");
  EXPECT_EQ(std::string(body["Hostname"].GetString()), "webhost");
  EXPECT_EQ(std::string(body["User"].GetString()), "1000:1000");
  EXPECT_EQ(std::string(body["WorkingDir"].GetString()), "/srv");
  EXPECT_EQ(std::string(body["StopSignal"].GetString()), "SIGKILL");
  EXPECT_EQ(body["StopTimeout"].GetInt(), 3);
  EXPECT_EQ(Compact(body["Healthcheck"]),
            R"({"Test":["CMD-SHELL","wget -q -O- localhost:8080 && true"],"Interval":10000000000,)"
            R"("Timeout":1500000000,"StartPeriod":60000000000,"Retries":3})");
  // compose's labels win over the user's.
  EXPECT_EQ(Compact(body["Labels"]),
            R"({"a":"overridden?","com.docker.compose.project":"p","z":"1"})");
}

TEST_F(ContainerSpecTest, HostConfigFields) {
  auto body = Build();
  const auto& host = body["HostConfig"];
  EXPECT_EQ(Compact(host["PortBindings"]),
            R"({"8080/tcp":[{"HostIp":"127.0.0.1","HostPort":"18080"}],)"
            R"("9000/udp":[{"HostIp":"","HostPort":"9000"}]})");
  EXPECT_EQ(Compact(host["Binds"]), R"(["/srv/p/conf:/conf:ro","p_data:/data:rw"])");
  EXPECT_EQ(Compact(host["Mounts"]),
            R"([{"Type":"volume","Source":"abc123","Target":"/anon","VolumeOptions":{}},)"
            R"({"Type":"tmpfs","Target":"/t","TmpfsOptions":{"SizeBytes":1000000}}])");
  EXPECT_EQ(Compact(host["RestartPolicy"]), R"({"Name":"unless-stopped"})");
  EXPECT_EQ(Compact(host["ExtraHosts"]), R"(["other:1.2.3.4","somehost:162.242.195.82"])");
  EXPECT_EQ(Compact(host["Tmpfs"]), R"({"/run":"size=64k","/tmp":""})");
  EXPECT_EQ(Compact(host["LogConfig"]), R"({"Type":"json-file","Config":{"max-size":"10m"}})");
  EXPECT_EQ(Compact(host["Ulimits"]),
            R"([{"Name":"nofile","Hard":40000,"Soft":20000},{"Name":"nproc","Hard":65535,"Soft":65535}])");
  EXPECT_EQ(host["Memory"].GetInt64(), 536870912);
  EXPECT_EQ(host["NanoCpus"].GetInt64(), 1500000000);
  EXPECT_TRUE(host["Init"].GetBool());
  EXPECT_TRUE(host["ReadonlyRootfs"].GetBool());
  EXPECT_EQ(Compact(host["Sysctls"]), R"({"net.core.somaxconn":"1024"})");
}

TEST_F(ContainerSpecTest, OldApiAttachesOneNetworkAtCreate) {
  auto body = Build();
  EXPECT_EQ(std::string(body["HostConfig"]["NetworkMode"].GetString()), "p_default");
  EXPECT_EQ(Compact(body["NetworkingConfig"]),
            R"({"EndpointsConfig":{"p_default":{"Aliases":["my-web","web"]}}})");
  ASSERT_EQ(later_.size(), 1u);
  EXPECT_EQ(later_[0].network, "p_front");
  EXPECT_EQ(later_[0].endpoint_json,
            R"({"Aliases":["my-web","web","frontend"],"IPAMConfig":{"IPv4Address":"172.28.0.5"}})");
}

TEST_F(ContainerSpecTest, CurrentApiAttachesAllNetworksAtCreate) {
  input_.api_version = "1.51";
  auto body = Build();
  EXPECT_TRUE(later_.empty());
  EXPECT_EQ(body["NetworkingConfig"]["EndpointsConfig"].MemberCount(), 2u);
}

TEST_F(ContainerSpecTest, OlderComposeMountsNamedVolumes) {
  input_.compose_version = {2, 26, 1};
  auto body = Build();
  EXPECT_EQ(Compact(body["HostConfig"]["Binds"]), R"(["/srv/p/conf:/conf:ro"])");
  EXPECT_EQ(Compact(body["HostConfig"]["Mounts"][0]),
            R"({"Type":"volume","Source":"p_data","Target":"/data","VolumeOptions":{}})");
}

TEST_F(ContainerSpecTest, NetworkModeOfAnotherService) {
  service_.canonical_json = R"({"image":"x","network_mode":"service:db"})";
  input_.service_container_ids = {{"db", "dbid"}};
  auto body = Build();
  EXPECT_EQ(std::string(body["HostConfig"]["NetworkMode"].GetString()), "container:dbid");
  EXPECT_FALSE(body.HasMember("NetworkingConfig"));
}

TEST(GoDurationTest, ParsesGoDurationStrings) {
  EXPECT_EQ(*ParseGoDuration("1m30s"), 90000000000);
  EXPECT_EQ(*ParseGoDuration("1.5s"), 1500000000);
  EXPECT_EQ(*ParseGoDuration("500ms"), 500000000);
  EXPECT_EQ(*ParseGoDuration("1h0m0s"), 3600000000000);
  EXPECT_EQ(*ParseGoDuration("0"), 0);
  EXPECT_EQ(ParseGoDuration("10x").error().message(), "invalid duration \"10x\"");
}

TEST(NetworkOrderTest, PriorityThenName) {
  EXPECT_EQ(NetworkKeysByPriority(
                R"({"networks":{"b":null,"a":null,"z":{"priority":10}}})"),
            (std::vector<std::string>{"z", "a", "b"}));
  EXPECT_TRUE(NetworkKeysByPriority(R"({"network_mode":"host"})").empty());
}

TEST(ComposeLabelsTest, DependsOnLabel) {
  EXPECT_EQ(DependsOnLabel(R"({"depends_on":{"db":{"condition":"service_healthy","required":true,"restart":true}}})"),
            "db:service_healthy:true");
  EXPECT_EQ(DependsOnLabel(R"({"image":"x"})"), "");
}

}  // namespace
}  // namespace deliveryhook::deploy
