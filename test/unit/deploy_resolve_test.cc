// Deployer::Resolve by project and service while a deploy is in progress:
// the containers under temporary swap names are not the service's.
#include <gtest/gtest.h>

#include "deliveryhook/deploy/deployer.h"
#include "deliveryhook/engine/client.h"
#include "fake_daemon/fake_engine.h"

namespace deliveryhook::deploy {
namespace {

const std::string kOldId = "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789";
const std::string kNewId = "1234567890ab1234567890ab1234567890ab1234567890ab1234567890abcdef";
constexpr const char* kLabels =
    R"("com.docker.compose.project":"shop","com.docker.compose.service":"web",)"
    R"("com.docker.compose.oneoff":"False","com.docker.compose.container-number":"1",)"
    R"("com.docker.compose.project.config_files":"/srv/shop/compose.yaml",)"
    R"("com.docker.compose.project.working_dir":"/srv/shop")";

std::string Summary(const std::string& id, const std::string& name) {
  return R"({"Id":")" + id + R"(","Names":["/)" + name + R"("],"State":"running","Labels":{)" +
         kLabels + "}}";
}

class ResolveTest : public ::testing::Test {
 protected:
  void List(std::vector<std::string> summaries) {
    std::string body = "[";
    for (std::size_t i = 0; i < summaries.size(); ++i) body += (i ? "," : "") + summaries[i];
    body += "]";
    engine_.On("GET", "/v1.51/containers/json", [body](const auto&, auto& res) {
      testing::FakeEngine::Json(res, 200, body);
    });
  }
  void Inspectable(const std::string& id, const std::string& name) {
    const std::string body = R"({"Id":")" + id + R"(","Name":"/)" + name +
                             R"(","Image":"sha256:1","State":{"Status":"running","Running":true},)"
                             R"("Config":{"Labels":{)" + kLabels + "}}}";
    for (const std::string& key : {id, name}) {
      engine_.On("GET", "/v1.51/containers/" + key + "/json",
                 [body](const auto&, auto& res) { testing::FakeEngine::Json(res, 200, body); });
    }
  }
  Result<Target> Resolve() {
    auto client = engine::Client::Connect({.docker_host = engine_.docker_host()});
    EXPECT_TRUE(client) << client.error();
    Deployer deployer(*client, {});
    return deployer.Resolve({.project = "shop", .service = "web"});
  }

  testing::FakeEngine engine_;
};

TEST_F(ResolveTest, TheServiceContainerWinsOverATemporaryOne) {
  // A start-first deploy's new container runs under "<old id>_<name>", which
  // sorts before the real name.
  List({Summary(kNewId, kOldId.substr(0, 12) + "_shop-web-1"), Summary(kOldId, "shop-web-1")});
  Inspectable(kOldId, "shop-web-1");
  auto target = Resolve();
  ASSERT_TRUE(target) << target.error();
  EXPECT_EQ(target->container_name, "shop-web-1");
  EXPECT_EQ(target->container_id, kOldId);
}

TEST_F(ResolveTest, MidSwapTheSwapNamesTheService) {
  // Between "moved aside" and "renamed" no container holds the name.
  List({Summary(kNewId, kOldId.substr(0, 12) + "_shop-web-1"),
        Summary(kOldId, kOldId.substr(0, 12) + "_old_shop-web-1")});
  Inspectable(kOldId, kOldId.substr(0, 12) + "_old_shop-web-1");
  auto target = Resolve();
  ASSERT_TRUE(target) << target.error();
  EXPECT_EQ(target->container_name, "shop-web-1");
}

}  // namespace
}  // namespace deliveryhook::deploy
