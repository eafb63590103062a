#include "engine/registry_auth.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "util/base64.h"

namespace deliveryhook::engine {
namespace {

namespace fs = std::filesystem;
using util::Base64Decode;
using util::Base64Encode;
using util::Base64UrlEncode;

// A fresh folder for one test's config.json, removed afterwards.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "deliveryhook-auth-XXXXXX").string();
    path_ = mkdtemp(pattern.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  void Write(const std::string& name, const std::string& content, fs::perms perms = fs::perms::owner_read |
                                                                                     fs::perms::owner_write) const {
    std::ofstream(fs::path(path_) / name) << content;
    fs::permissions(fs::path(path_) / name, perms);
  }

 private:
  std::string path_;
};

TEST(Base64, StandardAndUrlAlphabets) {
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foo"), "Zm9v");
  EXPECT_EQ(Base64Encode("\xFB\xFF"), "+/8=");
  EXPECT_EQ(Base64UrlEncode("\xFB\xFF"), "-_8=");
  EXPECT_EQ(Base64Decode("YWxpY2U6czNjcjpldA=="), "alice:s3cr:et");
  EXPECT_EQ(Base64Decode("YWxpY2U6czNjcjpldA"), "alice:s3cr:et");
  EXPECT_FALSE(Base64Decode("!!!!"));
}

TEST(RegistryAuthHeader, EncodesLikeTheDockerCli) {
  EXPECT_EQ(EncodeRegistryAuth({}), "e30=");
  AuthConfig basic;
  basic.username = "u";
  basic.password = "p";
  basic.server_address = "127.0.0.1:5000";
  EXPECT_EQ(AuthConfigJson(basic), R"({"username":"u","password":"p","serveraddress":"127.0.0.1:5000"})");
  EXPECT_EQ(EncodeRegistryAuth(basic),
            "eyJ1c2VybmFtZSI6InUiLCJwYXNzd29yZCI6InAiLCJzZXJ2ZXJhZGRyZXNzIjoiMTI3LjAuMC4xOjUwMDAifQ==");
  // Go's field order: serveraddress before identitytoken.
  AuthConfig token;
  token.identity_token = "tok?>>";
  token.server_address = std::string(kDockerHubAuthKey);
  EXPECT_EQ(EncodeRegistryAuth(token),
            "eyJzZXJ2ZXJhZGRyZXNzIjoiaHR0cHM6Ly9pbmRleC5kb2NrZXIuaW8vdjEvIiwiaWRlbnRpdHl0b2tlbiI6InRvaz8-PiJ9");
  EXPECT_EQ(EncodeRegistryConfig({}), "e30=");
  EXPECT_EQ(EncodeRegistryConfig({{"127.0.0.1:5000", basic}}),
            "eyIxMjcuMC4wLjE6NTAwMCI6eyJ1c2VybmFtZSI6InUiLCJwYXNzd29yZCI6InAiLCJzZXJ2ZXJhZGRyZXNzIjoiMTI3LjAuMC4xOjUwMDAifX0=");
}

TEST(RegistryAuthKey, DockerHubNamesShareOneKey) {
  EXPECT_EQ(AuthConfigKey("docker.io"), "https://index.docker.io/v1/");
  EXPECT_EQ(AuthConfigKey("index.docker.io"), "https://index.docker.io/v1/");
  EXPECT_EQ(AuthConfigKey("registry-1.docker.io"), "https://index.docker.io/v1/");
  EXPECT_EQ(AuthConfigKey("127.0.0.1:5000"), "127.0.0.1:5000");
  EXPECT_EQ(ConvertToHostname("https://registry.example.com/v1/"), "registry.example.com");
  EXPECT_EQ(ConvertToHostname("http://127.0.0.1:5000"), "127.0.0.1:5000");
  EXPECT_EQ(ConvertToHostname("127.0.0.1:5000"), "127.0.0.1:5000");
}

TEST(CredentialStore, NoConfigMeansAnonymous) {
  TempDir dir;
  auto auth = CredentialStore(dir.path()).Get("127.0.0.1:5000");
  ASSERT_TRUE(auth) << auth.error();
  EXPECT_TRUE(auth->empty());
}

TEST(CredentialStore, ReadsTheFileStoreAndMatchesUrlKeysByHostname) {
  TempDir dir;
  dir.Write("config.json", R"({"auths":{
      "127.0.0.1:5000":{"auth":"YWxpY2U6czNjcjpldA=="},
      "https://registry.example.com/v1/":{"auth":"Ym9iOnB3"},
      "https://index.docker.io/v1/":{"identitytoken":"hub-token"}}})");
  CredentialStore store(dir.path());
  auto local = store.Get("127.0.0.1:5000");
  ASSERT_TRUE(local) << local.error();
  EXPECT_EQ(AuthConfigJson(*local), R"({"username":"alice","password":"s3cr:et","serveraddress":"127.0.0.1:5000"})");
  auto by_host = store.Get("registry.example.com");
  ASSERT_TRUE(by_host);
  EXPECT_EQ(by_host->username, "bob");
  EXPECT_EQ(by_host->server_address, "https://registry.example.com/v1/");
  auto hub = store.Get("docker.io");
  ASSERT_TRUE(hub);
  EXPECT_EQ(AuthConfigJson(*hub), R"({"serveraddress":"https://index.docker.io/v1/","identitytoken":"hub-token"})");
  auto other = store.Get("elsewhere.example");
  ASSERT_TRUE(other);
  EXPECT_TRUE(other->empty());
}

TEST(CredentialStore, MalformedConfigIsAnError) {
  TempDir dir;
  dir.Write("config.json", "{not json");
  auto auth = CredentialStore(dir.path()).Get("127.0.0.1:5000");
  ASSERT_FALSE(auth);
  EXPECT_EQ(auth.error().message(), "the docker config.json is not a JSON object");
  dir.Write("config.json", R"({"auths":{"r":{"auth":"bm9jb2xvbg=="}}})");  // "nocolon"
  auto bad_entry = CredentialStore(dir.path()).Get("r");
  ASSERT_FALSE(bad_entry);
  EXPECT_EQ(bad_entry.error().message(), "the docker config.json has a malformed auth entry for r");
}

TEST(CredentialStore, AsksTheHelperForTheRegistry) {
  TempDir dir;
  dir.Write("config.json", R"({"credsStore":"desktop","credHelpers":{"127.0.0.1:5000":"fake"},
                               "auths":{"127.0.0.1:5000":{"auth":"YWxpY2U6czNjcjpldA=="}}})");
  std::vector<std::vector<std::string>> calls;
  std::vector<std::string> inputs;
  CredentialStore store(dir.path(), [&](const std::vector<std::string>& argv, std::string_view input) {
    calls.push_back(argv);
    inputs.emplace_back(input);
    if (argv[0] == "docker-credential-fake") {
      return Result<ProcessOutput>(ProcessOutput{0, R"({"ServerURL":"127.0.0.1:5000","Username":"u","Secret":"p"})", ""});
    }
    return Result<ProcessOutput>(ProcessOutput{0, R"({"Username":"<token>","Secret":"id-token"})", ""});
  });
  auto local = store.Get("127.0.0.1:5000");
  ASSERT_TRUE(local) << local.error();
  EXPECT_EQ(AuthConfigJson(*local), R"({"username":"u","password":"p","serveraddress":"127.0.0.1:5000"})");
  auto hub = store.Get("docker.io");  // no credHelpers entry: credsStore
  ASSERT_TRUE(hub);
  EXPECT_EQ(AuthConfigJson(*hub), R"({"serveraddress":"https://index.docker.io/v1/","identitytoken":"id-token"})");
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0], (std::vector<std::string>{"docker-credential-fake", "get"}));
  EXPECT_EQ(inputs[0], "127.0.0.1:5000");
  EXPECT_EQ(calls[1], (std::vector<std::string>{"docker-credential-desktop", "get"}));
  EXPECT_EQ(inputs[1], "https://index.docker.io/v1/");
}

TEST(CredentialStore, HelperWithoutCredentialsMeansAnonymous) {
  TempDir dir;
  dir.Write("config.json", R"({"credsStore":"fake"})");
  CredentialStore store(dir.path(), [](const std::vector<std::string>&, std::string_view) {
    return Result<ProcessOutput>(ProcessOutput{1, "credentials not found in native keychain\n", ""});
  });
  auto auth = store.Get("127.0.0.1:5000");
  ASSERT_TRUE(auth) << auth.error();
  EXPECT_TRUE(auth->empty());
}

TEST(CredentialStore, HelperFailureIsAnError) {
  TempDir dir;
  dir.Write("config.json", R"({"credsStore":"fake"})");
  CredentialStore store(dir.path(), [](const std::vector<std::string>&, std::string_view) {
    return Result<ProcessOutput>(ProcessOutput{1, "", "keychain locked\n"});
  });
  auto auth = store.Get("127.0.0.1:5000");
  ASSERT_FALSE(auth);
  EXPECT_EQ(auth.error().code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(auth.error().message(), "credential helper docker-credential-fake failed for 127.0.0.1:5000: keychain locked");
}

// The real runner: a helper program found on PATH, no shell in between.
TEST(CredentialStore, RunsARealHelperProgram) {
  TempDir dir;
  dir.Write("config.json", R"({"credHelpers":{"127.0.0.1:5000":"deliveryhooktest"}})");
  dir.Write("docker-credential-deliveryhooktest",
            "#!/bin/sh\n"
            "[ \"$1\" = get ] || exit 2\n"
            "read -r server\n"
            "printf '{\"ServerURL\":\"%s\",\"Username\":\"user-for-%s\",\"Secret\":\"pw\"}' \"$server\" \"$server\"\n",
            fs::perms::owner_all);
  const std::string old_path = getenv("PATH") ? getenv("PATH") : "";
  setenv("PATH", (dir.path() + ":" + old_path).c_str(), 1);
  auto auth = CredentialStore(dir.path()).Get("127.0.0.1:5000");
  setenv("PATH", old_path.c_str(), 1);
  ASSERT_TRUE(auth) << auth.error();
  EXPECT_EQ(auth->username, "user-for-127.0.0.1:5000");
  EXPECT_EQ(auth->password, "pw");
}

TEST(CredentialStore, MissingHelperProgramIsNotFound) {
  TempDir dir;
  dir.Write("config.json", R"({"credsStore":"deliveryhook-no-such-helper"})");
  auto auth = CredentialStore(dir.path()).Get("127.0.0.1:5000");
  ASSERT_FALSE(auth);
  EXPECT_EQ(auth.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(auth.error().message(),
            "credential helper docker-credential-deliveryhook-no-such-helper: program "
            "docker-credential-deliveryhook-no-such-helper not found on PATH");
}

TEST(RunProcess, KillsAProgramThatTakesTooLong) {
  auto result = RunProcess({"sleep", "5"}, "", std::chrono::milliseconds(100));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code(), ErrorCode::kDeadlineExceeded);
  EXPECT_EQ(result.error().message(), "sleep did not finish within 100 ms");
}

TEST(RunProcess, SurvivesAProgramThatIgnoresItsInput) {
  auto result = RunProcess({"true"}, std::string(1 << 20, 'x'), std::chrono::seconds(5));
  ASSERT_TRUE(result) << result.error();
  EXPECT_EQ(result->exit_code, 0);
}

TEST(CredentialStore, GetAllCollectsEveryRegistry) {
  TempDir dir;
  dir.Write("config.json", R"({"auths":{"127.0.0.1:5000":{"auth":"YWxpY2U6czNjcjpldA=="},"empty.example":{}}})");
  auto all = CredentialStore(dir.path()).GetAll();
  ASSERT_TRUE(all) << all.error();
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ(all->at("127.0.0.1:5000").username, "alice");
}

}  // namespace
}  // namespace deliveryhook::engine
