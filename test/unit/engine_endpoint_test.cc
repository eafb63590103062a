#include <gtest/gtest.h>
#include <stdlib.h>

#include "deliveryhook/engine/client.h"
#include "deliveryhook/engine/transport.h"

namespace deliveryhook::engine {
namespace {

TEST(EndpointParse, AcceptsUnixTcpHttpAndEmpty) {
  auto fallback = Endpoint::Parse("");
  ASSERT_TRUE(fallback);
  EXPECT_EQ(fallback->kind, Endpoint::Kind::kUnixSocket);
  EXPECT_EQ(fallback->socket_path, "/var/run/docker.sock");
  EXPECT_EQ(fallback->ToString(), "unix:///var/run/docker.sock");

  auto unix_socket = Endpoint::Parse("unix:///run/user/1000/docker.sock");
  ASSERT_TRUE(unix_socket);
  EXPECT_EQ(unix_socket->socket_path, "/run/user/1000/docker.sock");

  auto tcp = Endpoint::Parse("tcp://127.0.0.1:2376");
  ASSERT_TRUE(tcp);
  EXPECT_EQ(tcp->kind, Endpoint::Kind::kTcp);
  EXPECT_EQ(tcp->host, "127.0.0.1");
  EXPECT_EQ(tcp->port, 2376);
  EXPECT_EQ(tcp->ToString(), "tcp://127.0.0.1:2376");

  auto http = Endpoint::Parse("http://docker-proxy/");
  ASSERT_TRUE(http);
  EXPECT_EQ(http->host, "docker-proxy");
  EXPECT_EQ(http->port, 2375);

  auto v6 = Endpoint::Parse("tcp://[::1]:2375");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->ToString(), "tcp://[::1]:2375");
}

TEST(EndpointParse, RejectsWhatItCannotSpeak) {
  auto message = [](std::string_view host) {
    auto endpoint = Endpoint::Parse(host);
    EXPECT_FALSE(endpoint) << host;
    if (endpoint) return std::string();
    EXPECT_EQ(endpoint.error().code(), ErrorCode::kInvalidArgument);
    return endpoint.error().message();
  };
  EXPECT_EQ(message("ssh://user@host"),
            "invalid DOCKER_HOST \"ssh://user@host\": unsupported scheme \"ssh\" (expected unix://, tcp:// or http://)");
  EXPECT_EQ(message("/var/run/docker.sock"),
            "invalid DOCKER_HOST \"/var/run/docker.sock\": expected unix://, tcp:// or http://");
  EXPECT_EQ(message("unix://relative.sock"), "invalid DOCKER_HOST \"unix://relative.sock\": the socket path must be absolute");
  EXPECT_EQ(message("tcp://host:99999"), "invalid DOCKER_HOST \"tcp://host:99999\": invalid port \"99999\"");
  EXPECT_EQ(message("tcp://:2375"), "invalid DOCKER_HOST \"tcp://:2375\": missing host");
  EXPECT_EQ(message("tcp://host:2375/base"),
            "invalid DOCKER_HOST \"tcp://host:2375/base\": a path after the address is not supported");
}

TEST(EndpointFromEnvironment, ReadsDockerHost) {
  setenv("DOCKER_HOST", "tcp://10.0.0.2:2375", 1);
  auto endpoint = Endpoint::FromEnvironment();
  unsetenv("DOCKER_HOST");
  ASSERT_TRUE(endpoint);
  EXPECT_EQ(endpoint->host, "10.0.0.2");
  auto fallback = Endpoint::FromEnvironment();
  ASSERT_TRUE(fallback);
  EXPECT_EQ(fallback->kind, Endpoint::Kind::kUnixSocket);
}

TEST(CompareApiVersions, ComparesNumerically) {
  EXPECT_LT(CompareApiVersions("1.9", "1.41"), 0);
  EXPECT_LT(CompareApiVersions("1.41", "1.44"), 0);
  EXPECT_EQ(CompareApiVersions("1.41", "1.41"), 0);
  EXPECT_GT(CompareApiVersions("2.0", "1.51"), 0);
}

}  // namespace
}  // namespace deliveryhook::engine
