// LoadProject options, project names, CheckSupported and the hash flavours.
#include <gtest/gtest.h>

#include "compose/project_name.h"
#include "unit/compose_test_support.h"

namespace deliveryhook::compose {
namespace {

using namespace ::deliveryhook::compose::testing;

// A project written into a temp dir: <temp>/<dir_name>/<files...>.
class ProjectTest : public ::testing::Test {
 protected:
  fs::path Dir(const std::string& dir_name = "app") { return temp_.path() / dir_name; }

  void Write(const std::string& file, const std::string& text, const std::string& dir_name = "app") {
    WriteText(Dir(dir_name) / file, text);
  }

  LoadOptions Options(std::vector<std::string> files = {"compose.yaml"}, const std::string& dir_name = "app") {
    LoadOptions options;
    for (const std::string& file : files) options.config_files.push_back((Dir(dir_name) / file).string());
    options.environment = {{"HOME", "/home/tester"}};
    return options;
  }

  Project Load(const LoadOptions& options) {
    Result<Project> project = LoadProject(options);
    EXPECT_TRUE(project.ok()) << project.error();
    return project.ok() ? *project : Project{};
  }

  TempDir temp_;
};

TEST(ProjectNameTest, NormalizesDerivedNames) {
  EXPECT_EQ(*NormalizeProjectName("My_App"), "my_app");
  EXPECT_EQ(*NormalizeProjectName("--web.site 2"), "website2");
  EXPECT_EQ(*NormalizeProjectName("_x"), "x");
  EXPECT_FALSE(NormalizeProjectName("!!!").ok());
  EXPECT_TRUE(ValidateProjectName("shop-2_a").ok());
  Result<std::string> invalid = ValidateProjectName("Shop");
  ASSERT_FALSE(invalid.ok());
  EXPECT_EQ(invalid.error().message().rfind("invalid project name \"Shop\"", 0), 0u);
}

TEST_F(ProjectTest, ProjectNamePrecedence) {
  Write("compose.yaml", "name: From-File${SUFFIX}\nservices:\n  web:\n    image: nginx\n");
  Write("other.yaml", "services:\n  web:\n    image: nginx\n");
  LoadOptions options = Options();
  EXPECT_EQ(Load(options).name, "from-file");  // `name:` interpolated, then normalized

  options.environment["SUFFIX"] = "X";
  EXPECT_EQ(Load(options).name, "from-filex");

  options.environment["COMPOSE_PROJECT_NAME"] = "from-env";
  EXPECT_EQ(Load(options).name, "from-env");

  options.project_name = "from-label";  // the running container's label wins
  EXPECT_EQ(Load(options).name, "from-label");

  EXPECT_EQ(Load(Options({"other.yaml"})).name, "app");  // the directory's name

  options.project_name = "Not Valid";
  EXPECT_FALSE(LoadProject(options).ok());
}

TEST_F(ProjectTest, ProjectNameIsAvailableToInterpolation) {
  Write("compose.yaml", "name: shop\nservices:\n  web:\n    image: nginx\n    hostname: ${COMPOSE_PROJECT_NAME}-web\n");
  Project project = Load(Options());
  EXPECT_NE(project.FindService("web")->canonical_json.find("\"hostname\":\"shop-web\""), std::string::npos);
}

TEST_F(ProjectTest, ProcessEnvironmentWinsOverDotEnv) {
  Write("compose.yaml", "services:\n  web:\n    image: nginx:${TAG}\n    environment: [FOO, BAR, ABSENT]\n");
  Write(".env", "TAG=from-dotenv\nFOO=dotenv-foo\nBAR=dotenv-bar\n");
  LoadOptions options = Options();
  options.environment["TAG"] = "from-process";
  options.environment["BAR"] = "process-bar";
  Project project = Load(options);
  const Service* web = project.FindService("web");
  EXPECT_EQ(web->image, "nginx:from-process");
  EXPECT_EQ(web->canonical_json,
            "{\"command\":null,\"entrypoint\":null,\"environment\":{\"ABSENT\":null,\"BAR\":\"process-bar\","
            "\"FOO\":\"dotenv-foo\"},\"image\":\"nginx:from-process\",\"networks\":{\"default\":null}}");
  EXPECT_EQ(project.environment.at("TAG"), "from-process");
  EXPECT_EQ(project.environment.at("COMPOSE_PROJECT_NAME"), "app");
}

TEST_F(ProjectTest, EnvFilesReplaceDotEnv) {
  Write("compose.yaml", "services:\n  web:\n    image: nginx:${TAG}\n");
  Write(".env", "TAG=dotenv\n");
  Write("prod.env", "TAG=prod\n");
  LoadOptions options = Options();
  options.env_files = {(Dir() / "prod.env").string()};
  EXPECT_EQ(Load(options).FindService("web")->image, "nginx:prod");
}

TEST_F(ProjectTest, WorkingDirDefaultsToFirstFileAndResolvesPaths) {
  Write("compose.yaml",
        "services:\n  web:\n    image: nginx\n    build: ./ctx\n    volumes: [\"./data:/data\", \"~/cache:/cache\", "
        "\"../shared:/shared:ro\"]\n");
  Project project = Load(Options());
  std::string dir = Dir().string();
  EXPECT_EQ(project.working_dir, dir);
  const Service* web = project.FindService("web");
  ASSERT_TRUE(web->build.has_value());
  EXPECT_EQ(web->build->context, dir + "/ctx");
  EXPECT_EQ(web->build->dockerfile, "Dockerfile");
  EXPECT_NE(web->canonical_json.find("\"source\":\"" + dir + "/data\""), std::string::npos);
  EXPECT_NE(web->canonical_json.find("\"source\":\"/home/tester/cache\""), std::string::npos);
  EXPECT_NE(web->canonical_json.find("\"source\":\"" + temp_.path().string() + "/shared\""), std::string::npos);
}

TEST_F(ProjectTest, NetworksAndVolumesAreNamedLikeCompose) {
  Write("compose.yaml",
        "services:\n"
        "  web:\n    image: nginx\n    networks: [front, ext]\n    volumes: [data:/data, old:/old]\n"
        "  worker:\n    image: busybox\n"
        "networks:\n  front:\n  ext:\n    external: true\n  unused:\n"
        "volumes:\n  data:\n  old:\n    name: legacy_old\n  spare:\n");
  Project project = Load(Options());
  ASSERT_EQ(project.networks.size(), 3u);  // front, ext and the implicit default of `worker`
  EXPECT_EQ(project.networks.at("front").name, "app_front");
  EXPECT_EQ(project.networks.at("ext").name, "ext");
  EXPECT_TRUE(project.networks.at("ext").external);
  EXPECT_EQ(project.networks.at("default").canonical_json, "{\"name\":\"app_default\",\"ipam\":{}}");
  ASSERT_EQ(project.volumes.size(), 2u);  // `spare` is not used
  EXPECT_EQ(project.volumes.at("data").canonical_json, "{\"name\":\"app_data\"}");
  EXPECT_EQ(project.volumes.at("old").name, "legacy_old");
}

TEST_F(ProjectTest, ReportsErrors) {
  EXPECT_EQ(LoadProject(LoadOptions{}).error().code(), ErrorCode::kInvalidArgument);
  Result<Project> missing = LoadProject(Options({"nope.yaml"}));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);

  Write("compose.yaml", "services:\n  web:\n    image: nginx:${TAG:?set TAG}\n");
  Result<Project> unset = LoadProject(Options());
  ASSERT_FALSE(unset.ok());
  EXPECT_EQ(unset.error().message(),
            "error while interpolating services.web.image: required variable TAG is missing a value: set TAG");

  Write("compose.yaml", "services:\n  web:\n    image: nginx\n    env_file: missing.env\n");
  Result<Project> no_env_file = LoadProject(Options());
  ASSERT_FALSE(no_env_file.ok());
  EXPECT_EQ(no_env_file.error().code(), ErrorCode::kNotFound);

  Write("compose.yaml",
        "services:\n  web:\n    image: nginx\n    env_file:\n      - path: missing.env\n        required: false\n");
  EXPECT_TRUE(LoadProject(Options()).ok());
}

TEST_F(ProjectTest, CheckSupportedNamesFileAndLine) {
  Write("compose.yaml",
        "services:\n"
        "  web:\n"
        "    image: nginx\n"
        "    x-meta: fine\n"
        "    ports: [\"80:80\"]\n"
        "    networks: [front]\n"
        "    volumes: [data:/data]\n"
        "  other:\n"
        "    image: busybox\n"
        "    use_api_socket: true\n"
        "networks:\n"
        "  front:\n"
        "    driver: bridge\n"
        "volumes:\n"
        "  data:\n"
        "    driver: local\n");
  Write("compose.override.yaml",
        "services:\n"
        "  web:\n"
        "    labels: {a: b}\n"
        "    secrets: [token]\n"
        "    security_opt: [no-new-privileges]\n");
  Project base = Load(Options());
  EXPECT_TRUE(CheckSupported(base, *base.FindService("web")).ok());
  // Other services only need to load.
  EXPECT_FALSE(CheckSupported(base, *base.FindService("other")).ok());

  Project merged = Load(Options({"compose.yaml", "compose.override.yaml"}));
  const Service* web = merged.FindService("web");
  EXPECT_EQ(web->key_locations.at("image").line, 3);
  EXPECT_EQ(web->key_locations.at("secrets").line, 4);
  EXPECT_EQ(fs::path(web->key_locations.at("secrets").file).filename(), "compose.override.yaml");
  Status status = CheckSupported(merged, *web);
  ASSERT_FALSE(status.ok());
  // compose refuses a service that uses an undefined secret; so does the hook.
  EXPECT_EQ(status.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(status.error().message(), "compose.override.yaml:4: service \"web\" uses undefined secret \"token\"");
}

TEST_F(ProjectTest, CheckSupportedLooksAtUsedNetworksAndVolumes) {
  Write("compose.yaml",
        "services:\n"
        "  web:\n"
        "    image: nginx\n"
        "    networks: [front]\n"
        "    volumes: [data:/data]\n"
        "networks:\n"
        "  front:\n"
        "    internal: true\n"
        "volumes:\n"
        "  data:\n"
        "    name: shared\n"
        "    x-note: ok\n"
        "    size: 1g\n");
  Project project = Load(Options());
  Status status = CheckSupported(project, *project.FindService("web"));
  ASSERT_FALSE(status.ok());
  // Every network definition key loads as compose loads it; the volume's
  // unknown key is refused.
  EXPECT_EQ(status.error().message(),
            "compose.yaml:13: volume \"data\": key \"size\" is not supported by delivery-hook yet");

  Write("compose.yaml",
        "services:\n  web:\n    image: nginx\n    volumes: [data:/data]\n"
        "volumes:\n  data:\n    name: shared\n    x-note: ok\n    size: 1g\n");
  project = Load(Options());
  status = CheckSupported(project, *project.FindService("web"));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().message(),
            "compose.yaml:9: volume \"data\": key \"size\" is not supported by delivery-hook yet");
}

TEST_F(ProjectTest, ResetAndOverrideTags) {
  Write("compose.yaml",
        "services:\n  web:\n    image: nginx\n    ports: [\"80:80\"]\n    dns: [1.1.1.1]\n"
        "    environment: {A: \"1\", B: \"2\"}\n");
  Write("compose.override.yaml",
        "services:\n  web:\n    ports: !reset []\n    dns: !override [8.8.8.8]\n    environment: {B: \"3\"}\n");
  Project project = Load(Options({"compose.yaml", "compose.override.yaml"}));
  const Service* web = project.FindService("web");
  EXPECT_EQ(web->canonical_json,
            "{\"command\":null,\"dns\":[\"8.8.8.8\"],\"entrypoint\":null,\"environment\":{\"A\":\"1\",\"B\":\"3\"},"
            "\"image\":\"nginx\",\"networks\":{\"default\":null}}");
  EXPECT_EQ(web->key_locations.count("ports"), 0u);
}

TEST(ComposeVersionTest, ParsesLabelValues) {
  EXPECT_EQ(ComposeVersion::Parse("2.40.3"), (ComposeVersion{2, 40, 3}));
  EXPECT_EQ(ComposeVersion::Parse("v2.26.1"), (ComposeVersion{2, 26, 1}));
  EXPECT_EQ(ComposeVersion::Parse("2.40.3-3"), (ComposeVersion{2, 40, 3}));
  EXPECT_EQ(ComposeVersion::Parse("5.5.0+ds1")->ToString(), "5.5.0");
  EXPECT_FALSE(ComposeVersion::Parse("2.40").has_value());
  EXPECT_FALSE(ComposeVersion::Parse("latest").has_value());
  EXPECT_LT((ComposeVersion{2, 29, 2}), (ComposeVersion{2, 29, 3}));
}

// Reference section 10 item 3: the depends_on drift, with a bind mount in
// project folder P; the JSON strings are the ones compose hashed.
TEST_F(ProjectTest, HashFlavoursFollowTheComposeVersion) {
  Write("compose.yaml",
        "services:\n  web:\n    image: nginx\n    depends_on: [db]\n    volumes: [\"./prometheus:/etc/prometheus\"]\n"
        "  db:\n    image: postgres\n",
        "P");
  Project project = Load(Options({"compose.yaml"}, "P"));
  const Service* web = project.FindService("web");
  std::string p = Dir("P").string();
  std::string volumes = "\"volumes\":[{\"type\":\"bind\",\"source\":\"" + p +
                        "/prometheus\",\"target\":\"/etc/prometheus\",\"bind\":{\"create_host_path\":true}}]}";
  std::string v2_40 = "{\"command\":null,\"entrypoint\":null,\"image\":\"nginx\",\"networks\":{\"default\":null}," + volumes;
  std::string v2_26 =
      "{\"command\":null,\"depends_on\":{\"db\":{\"condition\":\"service_started\",\"required\":true}},"
      "\"entrypoint\":null,\"image\":\"nginx\",\"networks\":{\"default\":null}," + volumes;
  EXPECT_EQ(ServiceConfigHash(*web, {2, 40, 3}), Sha256(v2_40));
  EXPECT_EQ(ServiceConfigHash(*web, {2, 29, 3}), Sha256(v2_40));
  EXPECT_EQ(ServiceConfigHash(*web, {2, 29, 2}), Sha256(v2_26));
  EXPECT_EQ(ServiceConfigHash(*web, {2, 26, 1}), Sha256(v2_26));
  // compose 5.x writes create_host_path only when false.
  EXPECT_EQ(ServiceConfigHash(*web, {5, 5, 0}), Sha256(ReplaceAll(v2_40, "{\"create_host_path\":true}", "{}")));
}

TEST_F(ProjectTest, ProfilesLeaveTheHashFrom2_30_2) {
  Write("compose.yaml", "services:\n  web:\n    image: nginx\n    profiles: [debug]\n");
  const Service web = *Load(Options()).FindService("web");
  std::string without = "{\"command\":null,\"entrypoint\":null,\"image\":\"nginx\",\"networks\":{\"default\":null}}";
  EXPECT_EQ(ServiceConfigHash(web, {2, 30, 2}), Sha256(without));
  EXPECT_EQ(ServiceConfigHash(web, {2, 30, 1}), Sha256("{\"profiles\":[\"debug\"]," + without.substr(1)));
}

}  // namespace
}  // namespace deliveryhook::compose
