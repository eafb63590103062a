// The engine calls the service keys need: the platform of pull and create,
// and PUT /containers/{id}/archive for environment/content secrets.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "deliveryhook/engine/client.h"
#include "fake_daemon/fake_engine.h"

namespace deliveryhook::engine {
namespace {

using testing::FakeEngine;

class ClientKeysTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "deliveryhook-keys-XXXXXX").string();
    config_dir_ = mkdtemp(pattern.data());
    engine_ = std::make_unique<FakeEngine>("1.41");
    ClientOptions options;
    options.docker_host = engine_->docker_host();
    options.docker_config_dir = config_dir_;
    auto client = Client::Connect(options);
    ASSERT_TRUE(client) << client.error();
    client_ = std::make_unique<Client>(std::move(client).value());
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(config_dir_, ec);
  }

  FakeEngine::RecordedRequest Last() const { return engine_->requests().back(); }

  std::string config_dir_;
  std::unique_ptr<FakeEngine> engine_;
  std::unique_ptr<Client> client_;
};

TEST_F(ClientKeysTest, CreateAndPullSendThePlatform) {
  engine_->On("POST", "/v1.41/containers/create", [](const httplib::Request&, httplib::Response& res) {
    FakeEngine::Json(res, 201, R"({"Id":"abc","Warnings":[]})");
  });
  ASSERT_TRUE(client_->CreateContainer("web", "{}", "linux/arm64"));
  EXPECT_EQ(Last().target, "/v1.41/containers/create?name=web&platform=linux%2Farm64");
  ASSERT_TRUE(client_->CreateContainer("web", "{}"));
  EXPECT_EQ(Last().target, "/v1.41/containers/create?name=web");

  engine_->On("POST", "/v1.41/images/create", [](const httplib::Request&, httplib::Response& res) {
    FakeEngine::Stream(res, {"{\"status\":\"done\"}\n"});
  });
  ASSERT_TRUE(client_->PullImage("127.0.0.1:5000/app:v2", {}, "linux/amd64"));
  EXPECT_EQ(Last().Param("platform"), "linux/amd64");
  EXPECT_EQ(Last().Param("tag"), "v2");
}

TEST_F(ClientKeysTest, CopyToContainerPutsTheTar) {
  engine_->On("PUT", "/v1.41/containers/abc/archive", [](const httplib::Request&, httplib::Response& res) {
    res.status = 200;
  });
  ASSERT_TRUE(client_->CopyToContainer("abc", "/", std::string("tar\0bytes", 9), false));
  auto request = Last();
  EXPECT_EQ(request.method, "PUT");
  EXPECT_EQ(request.target, "/v1.41/containers/abc/archive?path=%2F");
  EXPECT_EQ(request.HeaderValue("Content-Type"), "application/x-tar");
  EXPECT_EQ(request.body, std::string("tar\0bytes", 9));
  ASSERT_TRUE(client_->CopyToContainer("abc", "/", "x", true));
  EXPECT_EQ(Last().Param("copyUIDGID"), "true");

  engine_->On("PUT", "/v1.41/containers/gone/archive", [](const httplib::Request&, httplib::Response& res) {
    FakeEngine::Json(res, 404, R"({"message":"No such container: gone"})");
  });
  auto missing = client_->CopyToContainer("gone", "/", "x", false);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message(), "No such container: gone");
}

}  // namespace
}  // namespace deliveryhook::engine
