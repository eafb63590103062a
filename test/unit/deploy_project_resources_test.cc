// The networks and volumes a deploy creates: compose's exact create bodies
// and labels, what is left alone, what fails before anything changes, and
// where the creation falls in a whole deploy.
#include "deploy/project_resources.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "compose_test_support.h"
#include "deliveryhook/deploy/deployer.h"
#include "fake_engine_api.h"

namespace deliveryhook::deploy {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using compose::testing::TempDir;
using compose::testing::WriteText;
using deliveryhook::testing::RecordingEngine;

constexpr char kFullFile[] = R"(services:
  web:
    image: reg/app:v1
    networks: [front]
    volumes: [data:/data]
networks:
  front:
    driver: bridge
    driver_opts:
      com.docker.network.bridge.enable_icc: "true"
    ipam:
      driver: default
      config:
        - subnet: 172.28.0.0/16
          ip_range: 172.28.5.0/24
          gateway: 172.28.5.254
          aux_addresses:
            host1: 172.28.1.5
    internal: true
    attachable: true
    enable_ipv6: false
    labels:
      team: web
volumes:
  data:
    driver: local
    driver_opts:
      type: tmpfs
      device: tmpfs
    labels:
      backup: nightly
)";

class ProjectResourcesTest : public ::testing::Test {
 protected:
  compose::Project Load(const std::string& yaml, const std::string& project = "app") {
    WriteText(temp_.path() / "compose.yaml", yaml);
    compose::LoadOptions options;
    options.config_files = {(temp_.path() / "compose.yaml").string()};
    options.working_dir = temp_.path().string();
    options.project_name = project;
    auto loaded = compose::LoadProject(options);
    EXPECT_TRUE(loaded) << loaded.error().message();
    return std::move(*loaded);
  }
  static ResourceLabelInputs Labels(compose::ComposeVersion version, const std::string& project = "app") {
    return {project, version.ToString(), version};
  }

  TempDir temp_;
  RecordingEngine engine_;
};

TEST_F(ProjectResourcesTest, HashesAreComposesNetworkAndVolumeHash) {
  // Vectors from labels compose 2.34.0 and 2.40.3 wrote.
  compose::Project build = Load("services:\n  web:\n    image: x\n    volumes: [postgres_data:/d]\n"
                                "volumes:\n  postgres_data:\n",
                                "build");
  EXPECT_EQ(build.networks.at("default").canonical_json, R"({"name":"build_default","ipam":{}})");
  EXPECT_EQ(compose::NetworkConfigHash(build.networks.at("default")),
            "15dcad421ebb3df3e2e53dc0cb00938a0f4cbeafec99e5c95e4143e67cb2ce91");
  compose::Project docker = Load("services:\n  web:\n    image: x\n    volumes: [postgres_data:/d]\n"
                                 "volumes:\n  postgres_data:\n",
                                 "docker");
  EXPECT_EQ(compose::VolumeConfigHash(docker.volumes.at("postgres_data")),
            "fc9c3243864dd27a923dba18ebe0743bc1bd63150910bb22573d03430e222307");
}

TEST_F(ProjectResourcesTest, NetworkBodyIsComposes240) {
  compose::Project project = Load(kFullFile);
  const compose::Network& front = project.networks.at("front");
  const std::string hash = compose::NetworkConfigHash(front);
  EXPECT_EQ(NetworkCreateBody(front, Labels({2, 40, 3}), "1.41"),
            R"({"Driver":"bridge","Scope":"","EnableIPv6":false,)"
            R"("IPAM":{"Driver":"default","Options":null,"Config":[{"Subnet":"172.28.0.0/16",)"
            R"("IPRange":"172.28.5.0/24","Gateway":"172.28.5.254","AuxiliaryAddresses":{"host1":"172.28.1.5"}}]},)"
            R"("Internal":true,"Attachable":true,"Ingress":false,"ConfigOnly":false,"ConfigFrom":null,)"
            R"("Options":{"com.docker.network.bridge.enable_icc":"true"},)"
            R"("Labels":{"com.docker.compose.config-hash":")" + hash + R"(",)"
            R"("com.docker.compose.network":"front","com.docker.compose.project":"app",)"
            R"("com.docker.compose.version":"2.40.3","team":"web"},)"
            R"("Name":"app_front","CheckDuplicate":true})");
}

TEST_F(ProjectResourcesTest, Compose226PutsNoHashOnNetworksNorVolumes) {
  compose::Project project = Load(kFullFile);
  const std::string network = NetworkCreateBody(project.networks.at("front"), Labels({2, 26, 1}), "1.44");
  EXPECT_EQ(network.find("config-hash"), std::string::npos);
  EXPECT_EQ(network.find("CheckDuplicate"), std::string::npos);  // API 1.44 dropped it
  EXPECT_EQ(VolumeCreateBody(project.volumes.at("data"), Labels({2, 26, 1})),
            R"({"Driver":"local","DriverOpts":{"device":"tmpfs","type":"tmpfs"},)"
            R"("Labels":{"backup":"nightly","com.docker.compose.project":"app",)"
            R"("com.docker.compose.version":"2.26.1","com.docker.compose.volume":"data"},"Name":"app_data"})");
}

TEST_F(ProjectResourcesTest, TheHashLabelsCameWith231And232) {
  compose::Project project =
      Load("services:\n  web:\n    image: x\n    volumes: [data:/d]\nvolumes:\n  data:\n");
  const std::string network_hash = compose::NetworkConfigHash(project.networks.at("default"));
  const std::string volume_hash = compose::VolumeConfigHash(project.volumes.at("data"));
  EXPECT_EQ(NetworkCreateBody(project.networks.at("default"), Labels({2, 31, 0}), "1.41"),
            R"({"Driver":"","Scope":"","IPAM":null,"Internal":false,"Attachable":false,"Ingress":false,)"
            R"("ConfigOnly":false,"ConfigFrom":null,"Options":null,"Labels":{"com.docker.compose.config-hash":")" +
                network_hash +
                R"(","com.docker.compose.network":"default","com.docker.compose.project":"app",)"
                R"("com.docker.compose.version":"2.31.0"},"Name":"app_default","CheckDuplicate":true})");
  EXPECT_EQ(VolumeCreateBody(project.volumes.at("data"), Labels({2, 31, 0})).find("config-hash"),
            std::string::npos);
  EXPECT_EQ(VolumeCreateBody(project.volumes.at("data"), Labels({2, 32, 0})),
            R"({"Labels":{"com.docker.compose.config-hash":")" + volume_hash +
                R"(","com.docker.compose.project":"app","com.docker.compose.version":"2.32.0",)"
                R"("com.docker.compose.volume":"data"},"Name":"app_data"})");
}

TEST_F(ProjectResourcesTest, PlansOnlyWhatIsMissing) {
  compose::Project project = Load(
      "services:\n  web:\n    image: x\n    networks: [default, front]\n"
      "    volumes: [data:/d, cache:/c, ./conf:/conf]\nnetworks:\n  front:\n"
      "volumes:\n  data:\n  cache:\n");
  engine_.AddNetwork("app_default", R"({"com.docker.compose.network":"default"})");
  engine_.AddVolume("app_cache");
  auto plan = PlanProjectResources(engine_, project, *project.FindService("web"), Labels({2, 40, 3}));
  ASSERT_TRUE(plan) << plan.error().message();
  ASSERT_EQ(plan->networks.size(), 1u);
  EXPECT_EQ(plan->networks[0].name, "app_front");
  ASSERT_EQ(plan->volumes.size(), 1u);
  EXPECT_EQ(plan->volumes[0].name, "app_data");
  EXPECT_THAT(engine_.calls(), ElementsAre("InspectNetwork app_default", "InspectNetwork app_front",
                                           "InspectVolume app_data", "InspectVolume app_cache"));
  ASSERT_TRUE(CreateProjectResources(engine_, *plan, {}));
  const auto calls = engine_.calls();
  EXPECT_EQ(calls[4], "CreateNetwork " + plan->networks[0].body);
  EXPECT_EQ(calls[5], "CreateVolume " + plan->volumes[0].body);
}

TEST_F(ProjectResourcesTest, ANetworkModeServiceNeedsNoNetwork) {
  compose::Project project = Load("services:\n  web:\n    image: x\n    network_mode: host\n");
  auto plan = PlanProjectResources(engine_, project, *project.FindService("web"), Labels({2, 40, 3}));
  ASSERT_TRUE(plan);
  EXPECT_THAT(plan->networks, IsEmpty());
  EXPECT_THAT(engine_.calls(), IsEmpty());
}

TEST_F(ProjectResourcesTest, MissingExternalResourcesFailWithComposesMessage) {
  compose::Project project = Load(
      "services:\n  web:\n    image: x\n    networks: [edge]\n    volumes: [shared:/s]\n"
      "networks:\n  edge:\n    external: true\n    name: proxy_edge\n"
      "volumes:\n  shared:\n    external: true\n");
  auto network = PlanProjectResources(engine_, project, *project.FindService("web"), Labels({2, 40, 3}));
  ASSERT_FALSE(network);
  EXPECT_EQ(network.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(network.error().message(), "network proxy_edge declared as external, but could not be found");
  engine_.AddNetwork("proxy_edge");  // external: no compose labels needed
  auto volume = PlanProjectResources(engine_, project, *project.FindService("web"), Labels({2, 40, 3}));
  ASSERT_FALSE(volume);
  EXPECT_EQ(volume.error().message(), "external volume \"shared\" not found");
  engine_.AddVolume("shared");
  auto plan = PlanProjectResources(engine_, project, *project.FindService("web"), Labels({2, 40, 3}));
  ASSERT_TRUE(plan);
  EXPECT_THAT(plan->networks, IsEmpty());
  EXPECT_THAT(plan->volumes, IsEmpty());
}

TEST_F(ProjectResourcesTest, ANetworkOfAnotherKeyIsRefusedAsComposeRefusesIt) {
  compose::Project project =
      Load("services:\n  web:\n    image: x\n    networks: [front]\nnetworks:\n  front:\n    name: shared\n");
  engine_.AddNetwork("shared", R"({"com.docker.compose.network":"back"})");
  auto plan = PlanProjectResources(engine_, project, *project.FindService("web"), Labels({2, 40, 3}));
  ASSERT_FALSE(plan);
  EXPECT_EQ(plan.error().message(),
            "network shared was found but has incorrect label com.docker.compose.network set to \"back\" "
            "(expected: \"front\")");
}

TEST_F(ProjectResourcesTest, AFailedCreateEndsTheCreation) {
  compose::Project project = Load(kFullFile);
  auto plan = PlanProjectResources(engine_, project, *project.FindService("web"), Labels({2, 40, 3}));
  ASSERT_TRUE(plan);
  engine_.FailOn("CreateNetwork " + plan->networks[0].body,
                 Error(ErrorCode::kConflict, "Pool overlaps with other one on this address space", 409));
  auto created = CreateProjectResources(engine_, *plan, {});
  ASSERT_FALSE(created);
  EXPECT_EQ(created.error().message(),
            "failed to create network app_front: Pool overlaps with other one on this address space");
  EXPECT_EQ(engine_.calls().back().rfind("CreateNetwork ", 0), 0u);  // no volume after it
}

// Through a whole deploy: the inspection comes before the pull, the creation
// right before the new container; a missing external network changes nothing.
class DeployCreatesResourcesTest : public ProjectResourcesTest {
 protected:
  Result<DeployOutcome> Deploy(const std::string& yaml) {
    WriteText(temp_.path() / "compose.yaml", yaml);
    engine_.AddContainer({"aaaaaaaaaaaa0000", "app-web-1", "sha256:old", true, "", "reg/app:v1"});
    engine_.SetLabels("aaaaaaaaaaaa0000",
                          {{"com.docker.compose.project", "app"},
                           {"com.docker.compose.service", "web"},
                           {"com.docker.compose.version", "2.40.3"},
                           {"com.docker.compose.container-number", "1"},
                           {"com.docker.compose.oneoff", "False"},
                           {"com.docker.compose.project.working_dir", temp_.path().string()},
                           {"com.docker.compose.project.config_files", (temp_.path() / "compose.yaml").string()}});
    engine_.SetTag("reg/app:v1", "sha256:new");
    Deployer deployer(engine_, {.settle_time = std::chrono::milliseconds(0)});
    return deployer.Deploy({.container_id = "aaaaaaaaaaaa0000", .container_name = "app-web-1"},
                           Action::kPull, {});
  }
  std::size_t IndexOf(std::string_view prefix) {
    const auto calls = engine_.calls();
    auto it = std::find_if(calls.begin(), calls.end(), [&](const auto& c) { return c.rfind(prefix, 0) == 0; });
    return static_cast<std::size_t>(it - calls.begin());
  }
};

TEST_F(DeployCreatesResourcesTest, CreatesThemRightBeforeTheNewContainer) {
  auto outcome = Deploy("services:\n  web:\n    image: reg/app:v1\n    networks: [front]\n"
                        "    volumes: [data:/data]\nnetworks:\n  front:\nvolumes:\n  data:\n");
  ASSERT_TRUE(outcome) << outcome.error().message();
  EXPECT_LT(IndexOf("InspectNetwork app_front"), IndexOf("PullImage"));
  EXPECT_LT(IndexOf("PullImage"), IndexOf("CreateNetwork"));
  EXPECT_LT(IndexOf("CreateNetwork"), IndexOf("CreateVolume"));
  EXPECT_LT(IndexOf("CreateVolume"), IndexOf("CreateContainer"));
}

TEST_F(DeployCreatesResourcesTest, AMissingExternalNetworkChangesNothing) {
  auto outcome = Deploy("services:\n  web:\n    image: reg/app:v1\n    networks: [edge]\n"
                        "networks:\n  edge:\n    external: true\n");
  ASSERT_FALSE(outcome);
  EXPECT_EQ(outcome.error().message(), "network edge declared as external, but could not be found");
  EXPECT_EQ(IndexOf("PullImage"), engine_.calls().size());
  EXPECT_EQ(IndexOf("Create"), engine_.calls().size());
  EXPECT_THAT(engine_.Containers(), ElementsAre("app-web-1 aaaaaaaaaaaa0000 running"));
}

}  // namespace
}  // namespace deliveryhook::deploy
