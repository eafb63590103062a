// The create body for the service keys beyond the basics, from the
// canonical JSON compose 2.40.3 printed for test/data/compose/service_keys
// (`config --format json`), against the fields compose's getCreateConfigs /
// getDeployResources set (pkg/compose/create.go at v2.40.3).
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "deploy/container_spec.h"

namespace deliveryhook::deploy {
namespace {

constexpr char kApp[] =
    R"({"annotations":{"b":"two","com.example.a":"1"},"attach":false,"blkio_config":{"weight":300,"weight_device":[{"Path":"/dev/sda","Weight":400}],"device_read_bps":[{"Path":"/dev/sda","Rate":"12582912"}],"device_write_iops":[{"Path":"/dev/sda","Rate":"30"}]},"cgroup_parent":"/mygroup","cgroup":"private","cpu_count":2,"cpu_percent":50,"cpu_period":100000,"cpu_quota":50000,"cpu_rt_period":1000,"cpu_rt_runtime":500,"cpuset":"0","cpu_shares":512,"command":null,"depends_on":{"db":{"condition":"service_started","restart":true,"required":true}},"device_cgroup_rules":["c 1:3 mr","a 7:* rmw"],"devices":[{"source":"/dev/null","target":"/dev/mynull","permissions":"rwm"},{"source":"/dev/zero","target":"/dev/zero","permissions":"rwm"},{"source":"/dev/urandom","target":"/dev/ur","permissions":"r"}],"dns_opt":["use-vc","ndots:2"],"dns_search":["example.org"],"domainname":"example.org","entrypoint":null,"external_links":["other_container","ext:alias"],"group_add":["audio","1001"],"image":"busybox:1.36","ipc":"shareable","isolation":"default","links":["db","db:database"],"mem_reservation":"33554432","memswap_limit":"1073741824","mem_swappiness":"10","mac_address":"02:42:ac:11:65:43","networks":{"default":null},"oom_kill_disable":true,"oom_score_adj":-500,"pids_limit":100,"pull_policy":"missing","runtime":"runc","security_opt":["no-new-privileges:true","label=disable"],"shm_size":"67108864","stdin_open":true,"stop_grace_period":"1m30s","storage_opt":{"size":"1G"},"tty":true,"userns_mode":"host","uts":"host","volumes_from":["db","db:ro","container:somecontainer:rw"]})";

constexpr char kLimits[] =
    R"({"command":null,"deploy":{"replicas":1,"resources":{"limits":{"cpus":0.5,"memory":"52428800","pids":20},"reservations":{"cpus":0.25,"memory":"20971520","devices":[{"capabilities":["gpu"],"driver":"nvidia","count":1},{"capabilities":["gpu","utility"],"device_ids":["0","3"]},{"capabilities":["x"],"driver":"cdi","device_ids":["vendor.com/class=x"],"options":{"k":"v"}}]}},"restart_policy":{"condition":"on-failure","delay":"5s","max_attempts":3,"window":"2m0s"},"placement":{}},"entrypoint":null,"image":"busybox:1.36","networks":{"default":null},"pull_policy":"always"})";

std::string Compact(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return buffer.GetString();
}

class ServiceKeysSpecTest : public ::testing::Test {
 protected:
  void SetUp() override {
    project_.name = "service_keys";
    project_.working_dir = "/srv/p";
    project_.networks["default"] = {"default", "service_keys_default", false, "{}"};
    service_.name = "app";
    service_.image = "busybox:1.36";
    input_.project = &project_;
    input_.service = &service_;
    input_.container_name = "service_keys-app-1";
    input_.api_version = "1.41";
    input_.compose_version = {2, 40, 3};
    input_.service_container_ids = {{"db", "dbid"}};
    input_.service_container_names = {{"db", {"service_keys-db-1"}}};
  }

  rapidjson::Document Build(const char* canonical) {
    service_.canonical_json = canonical;
    auto spec = BuildContainerSpec(input_);
    EXPECT_TRUE(spec.ok()) << (spec.ok() ? "" : spec.error().message());
    rapidjson::Document body;
    body.Parse(spec.ok() ? spec->create_body.c_str() : "{}");
    return body;
  }

  compose::Project project_;
  compose::Service service_;
  ContainerSpecInput input_;
};

TEST_F(ServiceKeysSpecTest, ConfigKeys) {
  auto body = Build(kApp);
  EXPECT_EQ(std::string(body["Domainname"].GetString()), "example.org");
  EXPECT_TRUE(body["Tty"].GetBool());
  EXPECT_TRUE(body["OpenStdin"].GetBool());
  // API 1.41: the container-wide MAC address.
  EXPECT_EQ(std::string(body["MacAddress"].GetString()), "02:42:ac:11:65:43");
  EXPECT_EQ(body["StopTimeout"].GetInt(), 90);
}

TEST_F(ServiceKeysSpecTest, NamespacesAndOptions) {
  const auto body = Build(kApp);
  const auto& host = body["HostConfig"];
  EXPECT_EQ(std::string(host["IpcMode"].GetString()), "shareable");
  EXPECT_EQ(std::string(host["UTSMode"].GetString()), "host");
  EXPECT_EQ(std::string(host["UsernsMode"].GetString()), "host");
  EXPECT_EQ(std::string(host["CgroupnsMode"].GetString()), "private");
  EXPECT_EQ(std::string(host["CgroupParent"].GetString()), "/mygroup");
  EXPECT_EQ(std::string(host["Isolation"].GetString()), "default");
  EXPECT_EQ(std::string(host["Runtime"].GetString()), "runc");
  EXPECT_EQ(host["ShmSize"].GetInt64(), 67108864);
  EXPECT_EQ(host["OomScoreAdj"].GetInt(), -500);
  EXPECT_EQ(Compact(host["GroupAdd"]), R"(["audio","1001"])");
  EXPECT_EQ(Compact(host["DnsSearch"]), R"(["example.org"])");
  EXPECT_EQ(Compact(host["DnsOptions"]), R"(["use-vc","ndots:2"])");
  EXPECT_EQ(Compact(host["StorageOpt"]), R"({"size":"1G"})");
  EXPECT_EQ(Compact(host["Annotations"]), R"({"b":"two","com.example.a":"1"})");
  EXPECT_EQ(Compact(host["SecurityOpt"]), R"(["no-new-privileges:true","label=disable"])");
  // compose drops the mode of volumes_from when it resolves the service.
  EXPECT_EQ(Compact(host["VolumesFrom"]), R"(["dbid","dbid","somecontainer"])");
  EXPECT_EQ(Compact(host["Links"]),
            R"(["service_keys-db-1:db","service_keys-db-1:db-1","service_keys-db-1:service_keys-db-1",)"
            R"("service_keys-db-1:database","service_keys-db-1:db-1","service_keys-db-1:service_keys-db-1",)"
            R"("other_container:other_container","ext:alias"])");
  EXPECT_EQ(Compact(body["NetworkingConfig"]["EndpointsConfig"]["service_keys_default"]["Links"]),
            Compact(host["Links"]));
}

TEST_F(ServiceKeysSpecTest, Resources) {
  const auto body = Build(kApp);
  const auto& host = body["HostConfig"];
  EXPECT_EQ(host["MemoryReservation"].GetInt64(), 33554432);
  EXPECT_EQ(host["MemorySwap"].GetInt64(), 1073741824);
  EXPECT_EQ(host["MemorySwappiness"].GetInt64(), 10);
  EXPECT_TRUE(host["OomKillDisable"].GetBool());
  EXPECT_EQ(host["PidsLimit"].GetInt64(), 100);
  EXPECT_EQ(host["CpuCount"].GetInt64(), 2);
  EXPECT_EQ(host["CpuPercent"].GetInt64(), 5000);  // compose's int64(cpu_percent * 100)
  EXPECT_EQ(host["CpuPeriod"].GetInt64(), 100000);
  EXPECT_EQ(host["CpuQuota"].GetInt64(), 50000);
  EXPECT_EQ(host["CpuRealtimePeriod"].GetInt64(), 1000);
  EXPECT_EQ(host["CpuRealtimeRuntime"].GetInt64(), 500);
  EXPECT_EQ(host["CpuShares"].GetInt64(), 512);
  EXPECT_EQ(std::string(host["CpusetCpus"].GetString()), "0");
  EXPECT_EQ(Compact(host["DeviceCgroupRules"]), R"(["c 1:3 mr","a 7:* rmw"])");
  EXPECT_EQ(host["BlkioWeight"].GetInt(), 300);
  EXPECT_EQ(Compact(host["BlkioWeightDevice"]), R"([{"Path":"/dev/sda","Weight":400}])");
  EXPECT_EQ(Compact(host["BlkioDeviceReadBps"]), R"([{"Path":"/dev/sda","Rate":12582912}])");
  EXPECT_EQ(Compact(host["BlkioDeviceWriteIOps"]), R"([{"Path":"/dev/sda","Rate":30}])");
  EXPECT_EQ(Compact(host["Devices"]),
            R"([{"PathOnHost":"/dev/null","PathInContainer":"/dev/mynull","CgroupPermissions":"rwm"},)"
            R"({"PathOnHost":"/dev/zero","PathInContainer":"/dev/zero","CgroupPermissions":"rwm"},)"
            R"({"PathOnHost":"/dev/urandom","PathInContainer":"/dev/ur","CgroupPermissions":"r"}])");
}

TEST_F(ServiceKeysSpecTest, DeployResourcesAndRestartPolicy) {
  const auto body = Build(kLimits);
  const auto& host = body["HostConfig"];
  EXPECT_EQ(host["Memory"].GetInt64(), 52428800);
  EXPECT_EQ(host["NanoCpus"].GetInt64(), 500000000);
  EXPECT_EQ(host["PidsLimit"].GetInt64(), 20);
  EXPECT_EQ(host["MemoryReservation"].GetInt64(), 20971520);
  EXPECT_FALSE(host["OomKillDisable"].GetBool());
  EXPECT_EQ(Compact(host["DeviceRequests"]),
            R"([{"Driver":"nvidia","Count":1,"DeviceIDs":null,"Capabilities":[["gpu"]],"Options":null},)"
            R"({"Driver":"","Count":0,"DeviceIDs":["0","3"],"Capabilities":[["gpu","utility"]],"Options":null},)"
            R"({"Driver":"cdi","Count":0,"DeviceIDs":["vendor.com/class=x"],"Capabilities":[["x"]],"Options":{"k":"v"}}])");
  EXPECT_EQ(Compact(host["RestartPolicy"]), R"({"Name":"on-failure","MaximumRetryCount":3})");
}

TEST_F(ServiceKeysSpecTest, GpusAndCdiDevices) {
  const auto body = Build(
      R"({"command":null,"devices":[{"source":"vendor.com/gpu=0","target":"vendor.com/gpu=0"}],"entrypoint":null,)"
      R"("gpus":[{"count":-1}],"image":"x","networks":{"default":null}})");
  EXPECT_FALSE(body["HostConfig"].HasMember("Devices"));
  EXPECT_EQ(Compact(body["HostConfig"]["DeviceRequests"]),
            R"([{"Driver":"cdi","Count":0,"DeviceIDs":["vendor.com/gpu=0"],"Capabilities":null,"Options":null},)"
            R"({"Driver":"","Count":-1,"DeviceIDs":null,"Capabilities":[["gpu"]],"Options":null}])");
}

TEST_F(ServiceKeysSpecTest, RestartPolicyWords) {
  auto body = Build(R"({"image":"x","deploy":{"resources":{},"restart_policy":{"condition":"any"},"placement":{}},"restart":"no"})");
  EXPECT_EQ(Compact(body["HostConfig"]["RestartPolicy"]), R"({"Name":"always"})");
  body = Build(R"({"image":"x","deploy":{"resources":{},"restart_policy":{"condition":"none"},"placement":{}}})");
  EXPECT_EQ(Compact(body["HostConfig"]["RestartPolicy"]), R"({"Name":"no"})");
}

TEST_F(ServiceKeysSpecTest, SystempathsUnconfinedAndSeccompFile) {
  auto body = Build(R"({"image":"x","security_opt":["systempaths=unconfined","seccomp=unconfined"]})");
  EXPECT_EQ(Compact(body["HostConfig"]["SecurityOpt"]), R"(["seccomp=unconfined"])");
  EXPECT_EQ(Compact(body["HostConfig"]["MaskedPaths"]), "[]");
  EXPECT_EQ(Compact(body["HostConfig"]["ReadonlyPaths"]), "[]");
  service_.canonical_json = R"({"image":"x","security_opt":["seccomp=missing.json"]})";
  auto spec = BuildContainerSpec(input_);
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(spec.error().message(), "opening seccomp profile (missing.json) failed");
}

TEST_F(ServiceKeysSpecTest, SeccompProfileFileIsSentCompacted) {
  char dir_template[] = "/tmp/dh-seccomp-XXXXXX";
  ASSERT_NE(mkdtemp(dir_template), nullptr);
  const std::string dir = dir_template;
  {
    std::ofstream(dir + "/profile.json") << "{\n  \"defaultAction\": \"SCMP_ACT_ALLOW\",\n  \"syscalls\": [ ]\n}\n";
  }
  project_.working_dir = dir;
  auto body = Build(R"({"image":"x","security_opt":["seccomp:profile.json","no-new-privileges"]})");
  EXPECT_EQ(Compact(body["HostConfig"]["SecurityOpt"]),
            R"(["seccomp={\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[]}","no-new-privileges"])");
  std::filesystem::remove_all(dir);
}

TEST_F(ServiceKeysSpecTest, OlderComposeTakesThePrimaryNetworksMacAddress) {
  constexpr char kService[] = R"({"image":"x","mac_address":"02:42:ac:11:65:43","networks":{"default":{"aliases":["a"]}}})";
  EXPECT_EQ(std::string(Build(kService)["MacAddress"].GetString()), "02:42:ac:11:65:43");
  input_.compose_version = {2, 26, 1};
  EXPECT_FALSE(Build(kService).HasMember("MacAddress"));  // compose 2.26.1 drops it
}

TEST_F(ServiceKeysSpecTest, MacAddressMovesToThePrimaryEndpointFromApi144) {
  input_.api_version = "1.44";
  auto body = Build(R"({"image":"x","mac_address":"02:42:ac:11:65:43","networks":{"default":{"priority":1}}})");
  EXPECT_FALSE(body.HasMember("MacAddress"));
  EXPECT_EQ(std::string(body["NetworkingConfig"]["EndpointsConfig"]["service_keys_default"]["MacAddress"].GetString()),
            "02:42:ac:11:65:43");
}

TEST_F(ServiceKeysSpecTest, EndpointKeys) {
  auto body = Build(
      R"({"image":"x","networks":{"default":{"driver_opts":{"a":"b"},"gw_priority":5,"interface_name":"eth7",)"
      R"("link_local_ips":["169.254.1.1"],"mac_address":"02:42:ac:11:65:44"}}})");
  EXPECT_EQ(Compact(body["NetworkingConfig"]["EndpointsConfig"]["service_keys_default"]),
            R"({"Aliases":["service_keys-app-1","app"],"IPAMConfig":{"LinkLocalIPs":["169.254.1.1"]},)"
            R"("MacAddress":"02:42:ac:11:65:44","DriverOpts":{"a":"b","com.docker.network.endpoint.ifname":"eth7"},)"
            R"("GwPriority":5})");
}

TEST_F(ServiceKeysSpecTest, EndpointKeysOfOlderCompose) {
  input_.compose_version = {2, 26, 1};
  auto body = Build(R"({"image":"x","networks":{"default":{"driver_opts":{"a":"b"},"gw_priority":5,"aliases":["y"]}}})");
  EXPECT_EQ(Compact(body["NetworkingConfig"]["EndpointsConfig"]["service_keys_default"]),
            R"({"Aliases":["service_keys-app-1","app","y"],"IPAMConfig":{}})");
}

TEST_F(ServiceKeysSpecTest, FileSecretsAndConfigsAreReadOnlyBinds) {
  project_.secrets["token"] = {"token", "service_keys_token", false, "/srv/p/token.txt", "", "", false, "", "", {}};
  project_.configs["conf"] = {"conf", "service_keys_conf", false, "/srv/p/conf.ini", "", "", false, "", "", {}};
  auto body = Build(
      R"({"configs":[{"source":"conf"},{"source":"conf","target":"etc/conf.ini","mode":"0444"}],"image":"x",)"
      R"("secrets":[{"source":"token","target":"/run/secrets/token"},{"source":"token","target":"/data","uid":"1"},)"
      R"({"source":"token","target":"tok"}],)"
      R"("volumes":[{"type":"volume","target":"/data","volume":{}}]})");
  // The service's own volume at /data wins over the secret.
  EXPECT_EQ(Compact(body["HostConfig"]["Mounts"]),
            R"([{"Type":"volume","Target":"/data","VolumeOptions":{}},)"
            R"({"Type":"bind","Source":"/srv/p/token.txt","Target":"/run/secrets/token","ReadOnly":true,"BindOptions":{}},)"
            R"({"Type":"bind","Source":"/srv/p/token.txt","Target":"/run/secrets/tok","ReadOnly":true,"BindOptions":{}},)"
            R"({"Type":"bind","Source":"/srv/p/conf.ini","Target":"/conf","ReadOnly":true},)"
            R"({"Type":"bind","Source":"/srv/p/conf.ini","Target":"/etc/conf.ini","ReadOnly":true}])");
  input_.compose_version = {2, 26, 1};
  body = Build(R"({"image":"x","secrets":[{"source":"token","target":"/run/secrets/token"}]})");
  EXPECT_EQ(Compact(body["HostConfig"]["Mounts"]),
            R"([{"Type":"bind","Source":"/srv/p/token.txt","Target":"/run/secrets/token","ReadOnly":true}])");
}

TEST_F(ServiceKeysSpecTest, EnvironmentAndContentSourcesAreCopiedIn) {
  project_.environment = {{"TOKEN", "s3cret"}, {"EMPTY", ""}};
  project_.secrets["env"] = {"env", "service_keys_env", false, "", "TOKEN", "", false, "", "", {}};
  project_.secrets["empty"] = {"empty", "service_keys_empty", false, "", "EMPTY", "", false, "", "", {}};
  project_.configs["inline"] = {"inline", "service_keys_inline", false, "", "", "hello\n", true, "", "", {}};
  service_.canonical_json =
      R"({"configs":[{"source":"inline"},{"source":"inline","target":"/etc/x","uid":"7","mode":"0400"}],"image":"x",)"
      R"("secrets":[{"source":"env","target":"/run/secrets/env"},{"source":"env","target":"rel"},)"
      R"({"source":"empty","target":"/run/secrets/empty"}]})";
  auto spec = BuildContainerSpec(input_);
  ASSERT_TRUE(spec.ok()) << spec.error();
  ASSERT_EQ(spec->copy_in.size(), 4u);  // the empty value is skipped, as compose skips it
  EXPECT_EQ(spec->copy_in[0].target, "/run/secrets/env");
  EXPECT_EQ(spec->copy_in[1].target, "/run/secrets/rel");
  EXPECT_EQ(spec->copy_in[2].target, "/inline");
  EXPECT_EQ(spec->copy_in[3].target, "/etc/x");
  EXPECT_FALSE(spec->copy_in[0].copy_uid_gid);
  EXPECT_TRUE(spec->copy_in[3].copy_uid_gid);
  const std::string& tar = spec->copy_in[3].tar;
  ASSERT_EQ(tar.size(), 512u * 2 + 1024u);
  EXPECT_EQ(tar.substr(0, 7), std::string("/etc/x\0", 7));
  EXPECT_EQ(tar.substr(100, 7), "0000400");  // mode
  EXPECT_EQ(tar.substr(108, 7), "0000007");  // uid
  EXPECT_EQ(tar.substr(124, 11), "00000000006");  // size
  EXPECT_EQ(tar.substr(257, 5), "ustar");
  EXPECT_EQ(tar.substr(512, 6), "hello\n");
  EXPECT_EQ(spec->copy_in[0].tar.substr(100, 7), "0000444");  // compose's default mode

  project_.environment.erase("TOKEN");
  auto missing = BuildContainerSpec(input_);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message(),
            "environment variable \"TOKEN\" required by secret \"service_keys_env\" is not set");
}

TEST(SingleFileTarTest, ChecksumIsValid) {
  const std::string tar = SingleFileTar("/run/secrets/a", "x", 0444, 0, 0, 0);
  unsigned sum = 0;
  for (std::size_t i = 0; i < 512; ++i) sum += (i >= 148 && i < 156) ? ' ' : static_cast<unsigned char>(tar[i]);
  EXPECT_EQ(std::strtoul(tar.substr(148, 6).c_str(), nullptr, 8), sum);
}

TEST_F(ServiceKeysSpecTest, Platform) {
  service_.canonical_json = R"({"image":"x","platform":"linux/arm64"})";
  auto spec = BuildContainerSpec(input_);
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(spec->platform, "linux/arm64");
  project_.environment["DOCKER_DEFAULT_PLATFORM"] = "linux/amd64";
  service_.canonical_json = R"({"image":"x"})";
  EXPECT_EQ(BuildContainerSpec(input_)->platform, "linux/amd64");
  input_.api_version = "1.40";  // compose sends no platform before API 1.41
  EXPECT_EQ(BuildContainerSpec(input_)->platform, "");
}

TEST(ResolveVolumesFromTest, ServiceAndContainerReferences) {
  EXPECT_EQ(ResolveVolumesFrom(R"({"image":"a<b","volumes_from":["db:ro","container:c:rw","gone"]})", {{"db", "id1"}}),
            R"({"image":"a\u003cb","volumes_from":["id1","c","gone"]})");
  EXPECT_EQ(ResolveVolumesFrom(R"({"image":"x"})", {}), R"({"image":"x"})");
}

}  // namespace
}  // namespace deliveryhook::deploy
