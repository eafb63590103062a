// deploy.update_config.order: loading it, the deploy keys the hook accepts,
// and the swap order a service gets.
#include <gtest/gtest.h>

#include "compose_test_support.h"
#include "deploy/swap_order.h"

namespace deliveryhook::deploy {
namespace {

using namespace ::deliveryhook::compose::testing;

// Loads `services: {app: <service_yaml>}` and returns app, or the load error.
class SwapOrderTest : public ::testing::Test {
 protected:
  Result<compose::Project> Load(const std::string& service_yaml) {
    WriteText(temp_.path() / "app" / "compose.yaml", "services:\n  app:\n" + service_yaml);
    compose::LoadOptions options;
    options.config_files = {(temp_.path() / "app" / "compose.yaml").string()};
    return compose::LoadProject(options);
  }

  SwapOrderChoice Choose(const std::string& service_yaml) {
    auto project = Load(service_yaml);
    EXPECT_TRUE(project.ok()) << project.error();
    if (!project) return {};
    return ChooseSwapOrder(project->FindService("app")->canonical_json);
  }

  std::string Supported(const std::string& service_yaml) {
    auto project = Load(service_yaml);
    if (!project) return project.error().message();
    auto checked = compose::CheckSupported(*project, *project->FindService("app"));
    return checked ? "ok" : checked.error().message();
  }

  TempDir temp_;
};

constexpr const char* kStartFirst =
    "    image: registry.example/app:1\n"
    "    deploy:\n"
    "      update_config:\n"
    "        order: start-first\n";

TEST_F(SwapOrderTest, StopFirstUnlessTheServiceAsksForStartFirst) {
  EXPECT_EQ(Choose("    image: x\n").order, SwapOrder::kStopFirst);
  EXPECT_EQ(Choose("    image: x\n    deploy:\n      update_config: {}\n").order, SwapOrder::kStopFirst);
  EXPECT_EQ(Choose("    image: x\n    deploy:\n      update_config:\n        order: stop-first\n").order,
            SwapOrder::kStopFirst);
  // rollback_config says how swarm rolls back, not how to update.
  EXPECT_EQ(Choose("    image: x\n    deploy:\n      rollback_config:\n        order: start-first\n").order,
            SwapOrder::kStopFirst);
  SwapOrderChoice start_first = Choose(kStartFirst);
  EXPECT_EQ(start_first.order, SwapOrder::kStartFirst);
  EXPECT_EQ(start_first.fallback_reason, "");
}

TEST_F(SwapOrderTest, StartFirstNeedsServicesThatCanRunTwice) {
  SwapOrderChoice published = Choose(std::string(kStartFirst) + "    ports: [\"127.0.0.1:8080:80\"]\n");
  EXPECT_EQ(published.order, SwapOrder::kStopFirst);
  EXPECT_EQ(published.fallback_reason, "it publishes host port 8080/tcp");
  SwapOrderChoice udp = Choose(std::string(kStartFirst) + "    ports: [\"53:53/udp\"]\n");
  EXPECT_EQ(udp.fallback_reason, "it publishes host port 53/udp");
  SwapOrderChoice host = Choose(std::string(kStartFirst) + "    network_mode: host\n");
  EXPECT_EQ(host.order, SwapOrder::kStopFirst);
  EXPECT_EQ(host.fallback_reason, "it uses the host's network");
  EXPECT_EQ(Choose(std::string(kStartFirst) + "    network_mode: \"service:db\"\n  db:\n    image: db\n")
                .fallback_reason,
            "it shares the network of service:db");
  EXPECT_EQ(Choose(std::string(kStartFirst) + "    networks:\n      front:\n        ipv4_address: 172.30.0.9\n"
                   "networks:\n  front: {}\n")
                .fallback_reason,
            "it has the fixed address 172.30.0.9 on network front");
  // Ports the engine picks (and expose) never clash.
  EXPECT_EQ(Choose(std::string(kStartFirst) + "    ports: [\"80\"]\n    expose: [\"81\"]\n").order,
            SwapOrder::kStartFirst);
}

TEST_F(SwapOrderTest, AnOrderOutsideTheSchemaFailsToLoad) {
  EXPECT_EQ(Supported("    image: x\n    deploy:\n      update_config:\n        order: sideways\n"),
            "services.app.deploy.update_config.order: value must be one of 'start-first', 'stop-first'");
}

TEST_F(SwapOrderTest, DeployIsSupportedForOneReplica) {
  EXPECT_EQ(Supported(kStartFirst), "ok");
  EXPECT_EQ(Supported("    image: x\n    deploy:\n      rollback_config: {order: stop-first}\n"), "ok");
  EXPECT_EQ(Supported("    image: x\n    deploy:\n      update_config: {order: start-first}\n"
                      "      replicas: 2\n"),
            "compose.yaml:4: service \"app\": key \"deploy.replicas\" asks for more than one replica; "
            "delivery-hook recreates one container per service");
  EXPECT_EQ(Supported("    image: x\n    deploy:\n      replicas: 1\n      resources:\n        limits: {memory: 64M}\n"),
            "ok");
  EXPECT_EQ(Supported("    image: x\n    deploy:\n      restart_policy: {condition: any}\n"), "ok");
  EXPECT_EQ(Supported("    image: x\n    deploy:\n      mode: global\n"),
            "compose.yaml:4: service \"app\": key \"deploy.mode\" is not supported by delivery-hook yet");
}

}  // namespace
}  // namespace deliveryhook::deploy
