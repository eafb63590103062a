// The engine client over the real curl transport against a fake engine.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "deliveryhook/engine/client.h"
#include "fake_daemon/fake_engine.h"

namespace deliveryhook::engine {
namespace {

using testing::FakeEngine;
namespace fs = std::filesystem;

// A folder without config.json: anonymous registry access.
class EmptyConfigDir {
 public:
  EmptyConfigDir() {
    std::string pattern = (fs::temp_directory_path() / "deliveryhook-client-XXXXXX").string();
    path_ = mkdtemp(pattern.data());
  }
  ~EmptyConfigDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

class ClientTest : public ::testing::Test {
 protected:
  Client Connected(const std::string& version = "1.51") {
    engine_ = std::make_unique<FakeEngine>(version);
    ClientOptions options;
    options.docker_host = engine_->docker_host();
    options.docker_config_dir = config_.path();
    auto client = Client::Connect(options);
    EXPECT_TRUE(client) << client.error();
    return std::move(client).value();
  }

  // The last request the engine saw.
  FakeEngine::RecordedRequest Last() const {
    auto requests = engine_->requests();
    EXPECT_FALSE(requests.empty());
    return requests.empty() ? FakeEngine::RecordedRequest{} : requests.back();
  }

  EmptyConfigDir config_;
  std::unique_ptr<FakeEngine> engine_;
};

Result<Client> ConnectTo(const FakeEngine& engine) {
  ClientOptions options;
  options.docker_host = engine.docker_host();
  return Client::Connect(options);
}

TEST_F(ClientTest, NegotiatesTheEnginesVersionWhenSupported) {
  EXPECT_EQ(Connected("1.51").api_version(), "1.51");
  EXPECT_EQ(Connected("1.41").api_version(), "1.41");
  EXPECT_EQ(Connected("1.44").api_version(), "1.44");
  auto requests = engine_->requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "GET");
  EXPECT_EQ(requests[0].target, "/_ping");  // unversioned
}

TEST_F(ClientTest, CapsANewerEngineAtTheClientsMaximum) {
  EXPECT_EQ(Connected("1.60").api_version(), "1.51");
}

TEST(ClientConnect, RefusesAnEngineOlderThanTheMinimum) {
  FakeEngine engine("1.24");
  auto client = ConnectTo(engine);
  ASSERT_FALSE(client);
  EXPECT_EQ(client.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(client.error().message(),
            "the Docker engine speaks API 1.24, older than the oldest this client supports (1.41); "
            "upgrade Docker Engine to 20.10 or newer");
}

TEST(ClientConnect, APinnedVersionSkipsNegotiation) {
  FakeEngine engine("1.51");
  ClientOptions options;
  options.docker_host = engine.docker_host();
  options.api_version = "1.43";
  auto client = Client::Connect(options);
  ASSERT_TRUE(client) << client.error();
  EXPECT_EQ(client->api_version(), "1.43");
  options.api_version = "latest";
  auto bad = Client::Connect(options);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message(), "invalid API version \"latest\" (expected e.g. 1.41)");
}

TEST(ClientConnect, ConnectionRefusedIsUnavailable) {
  // A port nobody listens on: bind one, note it, close it.
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t length = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length);
  const int port = ntohs(addr.sin_port);
  close(fd);

  ClientOptions options;
  options.docker_host = "tcp://127.0.0.1:" + std::to_string(port);
  auto client = Client::Connect(options);
  ASSERT_FALSE(client);
  EXPECT_EQ(client.error().code(), ErrorCode::kUnavailable);
  const std::string prefix = "cannot reach the Docker engine at tcp://127.0.0.1:" + std::to_string(port) + ": ";
  EXPECT_EQ(client.error().message().substr(0, prefix.size()), prefix);
}

TEST(ClientConnect, AMissingSocketIsUnavailable) {
  ClientOptions options;
  options.docker_host = "unix:///nonexistent/docker.sock";
  auto client = Client::Connect(options);
  ASSERT_FALSE(client);
  EXPECT_EQ(client.error().code(), ErrorCode::kUnavailable);
  const std::string prefix = "cannot reach the Docker engine at unix:///nonexistent/docker.sock: ";
  EXPECT_EQ(client.error().message().substr(0, prefix.size()), prefix);
}

TEST(ClientConnect, ASlowEngineExceedsTheDeadline) {
  FakeEngine engine("1.51");
  engine.On("GET", "/v1.51/containers/.*/json", [](const httplib::Request&, httplib::Response& res) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2500));
    FakeEngine::Json(res, 200, "{}");
  });
  ClientOptions options;
  options.docker_host = engine.docker_host();
  options.transport.request_timeout = std::chrono::seconds(1);
  auto client = Client::Connect(options);
  ASSERT_TRUE(client) << client.error();
  auto info = client->InspectContainer("slow");
  ASSERT_FALSE(info);
  EXPECT_EQ(info.error().code(), ErrorCode::kDeadlineExceeded);
}

TEST_F(ClientTest, InspectContainerParsesTheFieldsAndKeepsTheJson) {
  Client client = Connected();
  const std::string body = R"({"Id":"abc123","Name":"/proj-web-1","Image":"sha256:img",
    "State":{"Status":"running","Running":true,"ExitCode":0,"Error":"","Health":{"Status":"healthy"}},
    "Config":{"Labels":{"com.docker.compose.service":"web","com.docker.compose.project":"proj"}},
    "SomethingNew":{"ignored":true}})";
  engine_->On("GET", "/v1.51/containers/proj-web-1/json",
              [&](const httplib::Request&, httplib::Response& res) { FakeEngine::Json(res, 200, body); });
  auto info = client.InspectContainer("proj-web-1");
  ASSERT_TRUE(info) << info.error();
  EXPECT_EQ(info->id, "abc123");
  EXPECT_EQ(info->name, "proj-web-1");
  EXPECT_EQ(info->image, "sha256:img");
  EXPECT_EQ(info->state.status, "running");
  EXPECT_TRUE(info->state.running);
  EXPECT_EQ(info->state.health, "healthy");
  EXPECT_EQ(info->labels.at("com.docker.compose.service"), "web");
  EXPECT_EQ(info->raw_json, body);
}

TEST_F(ClientTest, EscapesIdsInThePath) {
  Client client = Connected();
  auto info = client.InspectContainer("../../images/x");
  ASSERT_FALSE(info);
  EXPECT_EQ(Last().target, "/v1.51/containers/..%2F..%2Fimages%2Fx/json");
}

TEST_F(ClientTest, AnswersWith404AreNotFoundWithTheEnginesMessage) {
  Client client = Connected();
  engine_->On("POST", "/v1.51/containers/create", [](const httplib::Request&, httplib::Response& res) {
    FakeEngine::Json(res, 404, R"({"message":"No such image: app:v9"})");
  });
  auto id = client.CreateContainer("proj-web-1", R"({"Image":"app:v9"})");
  ASSERT_FALSE(id);
  EXPECT_EQ(id.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(id.error().http_status(), 404);
  EXPECT_EQ(id.error().message(), "No such image: app:v9");
  const auto request = Last();
  EXPECT_EQ(request.target, "/v1.51/containers/create?name=proj-web-1");
  EXPECT_EQ(request.HeaderValue("Content-Type"), "application/json");
  EXPECT_EQ(request.body, R"({"Image":"app:v9"})");
}

TEST_F(ClientTest, AnswersWith409AreConflicts) {
  Client client = Connected();
  engine_->On("POST", "/v1.51/containers/create", [](const httplib::Request&, httplib::Response& res) {
    FakeEngine::Json(res, 409,
                     R"({"message":"Conflict. The container name \"/web\" is already in use by container \"abc\"."})");
  });
  auto id = client.CreateContainer("web", "{}");
  ASSERT_FALSE(id);
  EXPECT_EQ(id.error().code(), ErrorCode::kConflict);
  EXPECT_EQ(id.error().message(), R"(Conflict. The container name "/web" is already in use by container "abc".)");
}

TEST_F(ClientTest, AnswersWith500AreInternal) {
  Client client = Connected();
  engine_->On("DELETE", "/v1.51/containers/abc", [](const httplib::Request&, httplib::Response& res) {
    FakeEngine::Json(res, 500, R"({"message":"driver failed to remove root filesystem"})");
  });
  auto removed = client.RemoveContainer("abc", true, true);
  ASSERT_FALSE(removed);
  EXPECT_EQ(removed.error().code(), ErrorCode::kInternal);
  EXPECT_EQ(removed.error().message(), "driver failed to remove root filesystem");
  EXPECT_EQ(Last().target, "/v1.51/containers/abc?force=1&v=1");
}

TEST_F(ClientTest, CreateReturnsTheId) {
  Client client = Connected();
  engine_->On("POST", "/v1.51/containers/create", [](const httplib::Request&, httplib::Response& res) {
    FakeEngine::Json(res, 201, R"({"Id":"4fa6e0f0c678","Warnings":[]})");
  });
  auto id = client.CreateContainer("", "{}");
  ASSERT_TRUE(id) << id.error();
  EXPECT_EQ(*id, "4fa6e0f0c678");
  EXPECT_EQ(Last().target, "/v1.51/containers/create");
}

TEST_F(ClientTest, StartAndStopTreat304AsDone) {
  Client client = Connected();
  engine_->On("POST", "/v1.51/containers/abc/(start|stop)",
              [](const httplib::Request&, httplib::Response& res) { res.status = 304; });
  EXPECT_TRUE(client.StartContainer("abc"));
  EXPECT_TRUE(client.StopContainer("abc", 3));
  EXPECT_EQ(Last().target, "/v1.51/containers/abc/stop?t=3");
  EXPECT_EQ(Last().HeaderValue("Content-Length"), "0");
  EXPECT_FALSE(Last().headers.contains("Content-Type"));
}

TEST_F(ClientTest, RestartPassesTheTimeoutAndReportsErrors) {
  Client client = Connected();
  engine_->On("POST", "/v1.51/containers/abc/restart",
              [](const httplib::Request&, httplib::Response& res) { res.status = 204; });
  engine_->On("POST", "/v1.51/containers/gone/restart", [](const httplib::Request&, httplib::Response& res) {
    FakeEngine::Json(res, 404, R"({"message":"No such container: gone"})");
  });
  EXPECT_TRUE(client.RestartContainer("abc", 5));
  EXPECT_EQ(Last().target, "/v1.51/containers/abc/restart?t=5");
  EXPECT_TRUE(client.RestartContainer("abc"));
  EXPECT_EQ(Last().target, "/v1.51/containers/abc/restart");
  auto missing = client.RestartContainer("gone");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(missing.error().message(), "No such container: gone");
}

TEST_F(ClientTest, RenameEscapesTheNewName) {
  Client client = Connected();
  engine_->On("POST", "/v1.51/containers/tmp/rename",
              [](const httplib::Request&, httplib::Response& res) { res.status = 204; });
  EXPECT_TRUE(client.RenameContainer("tmp", "proj web&1"));
  EXPECT_EQ(Last().target, "/v1.51/containers/tmp/rename?name=proj%20web%261");
  EXPECT_EQ(Last().Param("name"), "proj web&1");
}

TEST_F(ClientTest, ListContainersSendsLabelFiltersAsEscapedJson) {
  Client client = Connected("1.41");
  engine_->On("GET", "/v1.41/containers/json", [](const httplib::Request&, httplib::Response& res) {
    FakeEngine::Json(res, 200, R"([{"Id":"c1","Names":["/proj-web-1"],"Image":"app:v1","State":"running",
                                    "Labels":{"com.docker.compose.project":"proj"}}])");
  });
  auto list = client.ListContainers({"com.docker.compose.project=proj", "com.docker.compose.service=web"});
  ASSERT_TRUE(list) << list.error();
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].name, "proj-web-1");
  EXPECT_EQ((*list)[0].state, "running");
  EXPECT_EQ((*list)[0].labels.at("com.docker.compose.project"), "proj");
  const auto request = Last();
  EXPECT_EQ(request.Param("all"), "1");
  EXPECT_EQ(request.Param("filters"),
            R"({"label":["com.docker.compose.project=proj","com.docker.compose.service=web"]})");
  EXPECT_EQ(request.target.find('"'), std::string::npos);
}

TEST_F(ClientTest, InspectImageReadsIdAndVolumes) {
  Client client = Connected();
  engine_->On("GET", "/v1.51/images/127.0.0.1:5000/app:v2/json", [](const httplib::Request&, httplib::Response& res) {
    FakeEngine::Json(res, 200, R"({"Id":"sha256:feed","Config":{"Volumes":{"/data":{},"/cache":{}}},
                                   "RepoDigests":["127.0.0.1:5000/app@sha256:beef",7]})");
  });
  auto image = client.InspectImage("127.0.0.1:5000/app:v2");
  ASSERT_TRUE(image) << image.error();
  EXPECT_EQ(image->id, "sha256:feed");
  EXPECT_EQ(image->volumes, (std::vector<std::string>{"/data", "/cache"}));
  EXPECT_EQ(image->repo_digests, (std::vector<std::string>{"127.0.0.1:5000/app@sha256:beef"}));
  EXPECT_EQ(Last().target, "/v1.51/images/127.0.0.1%3A5000%2Fapp%3Av2/json");
}

TEST_F(ClientTest, PullNamesTheTagAndSendsAnonymousAuth) {
  Client client = Connected();
  engine_->On("POST", "/v1.51/images/create", [](const httplib::Request&, httplib::Response& res) {
    FakeEngine::Stream(res, {"{\"status\":\"Pulling from app\",\"id\":\"v2\"}\r\n{\"status\":\"Downl",
                             "oading\",\"progressDetail\":{\"current\":5,\"total\":10},\"id\":\"l1\"}\r\n",
                             "{\"status\":\"Status: Downloaded newer image for 127.0.0.1:5000/app:v2\"}\r\n"});
  });
  std::vector<ProgressEvent> events;
  auto pulled = client.PullImage("127.0.0.1:5000/app:v2", [&](const ProgressEvent& e) { events.push_back(e); });
  ASSERT_TRUE(pulled) << pulled.error();
  const auto request = Last();
  EXPECT_EQ(request.target, "/v1.51/images/create?fromImage=127.0.0.1%3A5000%2Fapp&tag=v2");
  EXPECT_EQ(request.HeaderValue("X-Registry-Auth"), "e30=");
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[1].status, "Downloading");
  EXPECT_EQ(events[1].id, "l1");
  EXPECT_EQ(events[1].current, 5);
  EXPECT_EQ(events[1].total, 10);
}

TEST_F(ClientTest, PullWithoutTagAsksForLatestAndDigestsPullTheDigest) {
  Client client = Connected();
  engine_->On("POST", "/v1.51/images/create", [](const httplib::Request&, httplib::Response& res) {
    FakeEngine::Stream(res, {"{\"status\":\"done\"}\n"});
  });
  ASSERT_TRUE(client.PullImage("nginx", {}));
  EXPECT_EQ(Last().Param("fromImage"), "docker.io/library/nginx");
  EXPECT_EQ(Last().Param("tag"), "latest");
  const std::string digest = "sha256:" + std::string(64, 'c');
  ASSERT_TRUE(client.PullImage("127.0.0.1:5000/a/b:tag@" + digest, {}));
  EXPECT_EQ(Last().Param("fromImage"), "127.0.0.1:5000/a/b");
  EXPECT_EQ(Last().Param("tag"), digest);
}

TEST_F(ClientTest, PullFailsOnAnErrorLineInsideA200Stream) {
  Client client = Connected();
  engine_->On("POST", "/v1.51/images/create", [](const httplib::Request&, httplib::Response& res) {
    FakeEngine::Stream(res, {"{\"status\":\"Pulling from app\",\"id\":\"v9\"}\r\n",
                             "{\"errorDetail\":{\"message\":\"manifest for 127.0.0.1:5000/app:v9 not found: "
                             "manifest unknown: manifest unknown\"},\"error\":\"manifest for 127.0.0.1:5000/app:v9 "
                             "not found: manifest unknown: manifest unknown\"}\r\n"});
  });
  auto pulled = client.PullImage("127.0.0.1:5000/app:v9", {});
  ASSERT_FALSE(pulled);
  EXPECT_EQ(pulled.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(pulled.error().message(),
            "manifest for 127.0.0.1:5000/app:v9 not found: manifest unknown: manifest unknown");
}

TEST_F(ClientTest, PullHttpErrorsKeepTheEnginesMessage) {
  Client client = Connected();
  engine_->On("POST", "/v1.51/images/create", [](const httplib::Request&, httplib::Response& res) {
    FakeEngine::Json(res, 404, R"({"message":"pull access denied for nope, repository does not exist or may require 'docker login'"})");
  });
  int events = 0;
  auto pulled = client.PullImage("nope", [&](const ProgressEvent&) { ++events; });
  ASSERT_FALSE(pulled);
  EXPECT_EQ(events, 0);
  EXPECT_EQ(pulled.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(pulled.error().message(),
            "pull access denied for nope, repository does not exist or may require 'docker login'");
}

TEST_F(ClientTest, PullRejectsABadReferenceWithoutCallingTheEngine) {
  Client client = Connected();
  const size_t before = engine_->requests().size();
  auto pulled = client.PullImage("Bad:Ref:", {});
  ASSERT_FALSE(pulled);
  EXPECT_EQ(pulled.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(engine_->requests().size(), before);
}

TEST_F(ClientTest, PullSendsCredentialsFromTheConfig) {
  std::ofstream(fs::path(config_.path()) / "config.json")
      << R"({"auths":{"127.0.0.1:5000":{"auth":"dTpw"}}})";  // u:p
  Client client = Connected();
  engine_->On("POST", "/v1.51/images/create", [](const httplib::Request&, httplib::Response& res) {
    FakeEngine::Stream(res, {"{\"status\":\"done\"}\n"});
  });
  ASSERT_TRUE(client.PullImage("127.0.0.1:5000/app", {}));
  EXPECT_EQ(Last().HeaderValue("X-Registry-Auth"),
            "eyJ1c2VybmFtZSI6InUiLCJwYXNzd29yZCI6InAiLCJzZXJ2ZXJhZGRyZXNzIjoiMTI3LjAuMC4xOjUwMDAifQ==");
}

TEST_F(ClientTest, NetworksAndVolumes) {
  Client client = Connected();
  engine_->On("POST", "/v1.51/networks/create", [](const httplib::Request&, httplib::Response& res) {
    FakeEngine::Json(res, 201, R"({"Id":"net1","Warning":""})");
  });
  engine_->On("POST", "/v1.51/networks/proj_default/connect",
              [](const httplib::Request&, httplib::Response& res) { res.status = 200; });
  engine_->On("GET", "/v1.51/volumes/proj_data", [](const httplib::Request&, httplib::Response& res) {
    FakeEngine::Json(res, 404, R"({"message":"get proj_data: no such volume"})");
  });
  engine_->On("POST", "/v1.51/volumes/create",
              [](const httplib::Request&, httplib::Response& res) { FakeEngine::Json(res, 201, "{}"); });

  auto network = client.CreateNetwork(R"({"Name":"proj_default"})");
  ASSERT_TRUE(network) << network.error();
  EXPECT_EQ(*network, "net1");
  ASSERT_TRUE(client.ConnectNetwork("proj_default", "c1", R"({"Aliases":["web"]})"));
  EXPECT_EQ(Last().body, R"({"Container":"c1","EndpointConfig":{"Aliases":["web"]}})");
  auto missing = client.InspectNetwork("other");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message(), "page not found");
  auto volume = client.InspectVolume("proj_data");
  ASSERT_FALSE(volume);
  EXPECT_EQ(volume.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(volume.error().message(), "get proj_data: no such volume");
  EXPECT_TRUE(client.CreateVolume(R"({"Name":"proj_data"})"));
  EXPECT_EQ(client.ConnectNetwork("n", "c", "not json").error().message(),
            "the endpoint config is not a JSON object");
}

}  // namespace
}  // namespace deliveryhook::engine
