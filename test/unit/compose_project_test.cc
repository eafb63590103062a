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

// fuzz_compose_loader: ten "0-65535" ranges took minutes and gigabytes.
TEST_F(ProjectTest, PortRangesAreBounded) {
  Write("compose.yaml",
        "services:\n  turn:\n    image: coturn\n    ports: [\"49152-65535:49152-65535/udp\", \"3478:3478\"]\n");
  Result<Project> turn = LoadProject(Options());
  ASSERT_TRUE(turn.ok()) << turn.error();

  Write("compose.yaml", "services:\n  web:\n    image: nginx\n    ports: [\"0-65535\", \"80:80\"]\n");
  Result<Project> everything = LoadProject(Options());
  ASSERT_FALSE(everything.ok());
  EXPECT_EQ(everything.error().message(), "services.web.ports: expands to more than 65536 port bindings");
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

TEST_F(ProjectTest, NestedTagsApplyToEarlierFilesOnly) {
  Write("compose.yaml",
        "services:\n  web:\n    image: nginx\n    environment: {A: \"1\", B: \"2\"}\n"
        "    logging: {driver: json-file, options: {max-size: 1m, max-file: \"3\"}}\n");
  Write("compose.override.yaml",
        "services:\n  web:\n    environment:\n      A: !reset\n      C: \"3\"\n"
        "    logging:\n      options: !override {max-size: 2m}\n");
  Project project = Load(Options({"compose.yaml", "compose.override.yaml"}));
  EXPECT_EQ(project.FindService("web")->canonical_json,
            "{\"command\":null,\"entrypoint\":null,\"environment\":{\"B\":\"2\",\"C\":\"3\"},\"image\":\"nginx\","
            "\"logging\":{\"driver\":\"json-file\",\"options\":{\"max-size\":\"2m\"}},\"networks\":{\"default\":null}}");

  // A service reset as a whole is gone; in its own file a reset key is as
  // if never written.
  Write("compose.override.yaml", "services:\n  web: !reset\n  other:\n    image: busybox\n    user: !reset x\n");
  project = Load(Options({"compose.yaml", "compose.override.yaml"}));
  EXPECT_EQ(project.FindService("web"), nullptr);
  EXPECT_EQ(project.FindService("other")->key_locations.count("user"), 0u);
}

TEST_F(ProjectTest, KeysThatInterpolateToEmptyAreNotThere) {
  Write("compose.yaml", "services:\n  web:\n    image: nginx\n    platform: ${DOCKER_PLATFORM:-}\n");
  Project project = Load(Options());
  const Service* web = project.FindService("web");
  EXPECT_EQ(web->key_locations.count("platform"), 0u);
  EXPECT_TRUE(CheckSupported(project, *web).ok());
}

TEST_F(ProjectTest, ExtendsIsResolvedAndNeverReported) {
  Write("compose.yaml",
        "services:\n"
        "  web:\n"
        "    extends: {file: ../shared/base.yaml, service: base}\n"
        "    environment: {OWN: \"1\"}\n");
  Write("base.yaml", "services:\n  base:\n    image: nginx\n    volumes: [./html:/html]\n", "shared");
  Project project = Load(Options());
  const Service* web = project.FindService("web");
  EXPECT_EQ(web->canonical_json,
            "{\"command\":null,\"entrypoint\":null,\"environment\":{\"OWN\":\"1\"},\"image\":\"nginx\","
            "\"networks\":{\"default\":null},\"volumes\":[{\"type\":\"bind\",\"source\":\"" +
                (Dir("shared") / "html").string() +
                "\",\"target\":\"/html\",\"bind\":{\"create_host_path\":true}}]}");
  EXPECT_EQ(web->key_locations.count("extends"), 0u);
  EXPECT_EQ(fs::path(web->key_locations.at("image").file).filename(), "base.yaml");
  EXPECT_TRUE(CheckSupported(project, *web).ok());
}

TEST_F(ProjectTest, ExtendsAndIncludeErrorsAreCompose) {
  auto error_of = [&](const LoadOptions& options) {
    Result<Project> project = LoadProject(options);
    return project.ok() ? std::string("loaded") : project.error().message();
  };
  std::string file = (Dir() / "compose.yaml").string();
  Write("compose.yaml", "services:\n  a: {extends: b, image: x}\n  b: {extends: a}\n");
  EXPECT_EQ(error_of(Options()),
            "Circular reference:\n  a in " + file + "\n  extends b in " + file + "\n  extends a in " + file);
  Write("compose.yaml", "services:\n  a: {extends: nope}\n");
  EXPECT_EQ(error_of(Options()), "cannot extend service \"a\" in " + file + ": service \"nope\" not found");
  Write("compose.yaml", "services:\n  a:\n    extends: {file: other.yaml}\n");
  EXPECT_EQ(error_of(Options()), "extends.a.service is required");

  Write("compose.yaml", "include: [inc.yaml]\nservices:\n  a: {image: x}\n");
  Write("inc.yaml", "services:\n  a: {image: y}\n");
  EXPECT_EQ(error_of(Options()), "services.a conflicts with imported resource");
  Write("inc.yaml", "include: [compose.yaml]\nservices:\n  b: {image: y}\n");
  EXPECT_EQ(error_of(Options()), "include cycle detected:\n" + file + "\n include " + (Dir() / "inc.yaml").string() +
                                     "\n include " + file);
  Write("compose.yaml", "include:\n  - path: inc.yaml\n    env_file: missing.env\n");
  EXPECT_EQ(error_of(Options()), "stat " + (Dir() / "missing.env").string() + ": no such file or directory");
}

TEST_F(ProjectTest, IncludeProjectDirectoryAndEnvironment) {
  Write("compose.yaml",
        "include:\n  - path: lib/inc.yaml\n    project_directory: lib/root\n"
        "services:\n  web: {image: \"web:${TAG:-none}\"}\n");
  Write("lib/inc.yaml", "services:\n  inc:\n    image: \"inc:${TAG:-none}\"\n    volumes: [./p:/p]\n");
  Write("lib/root/.env", "TAG=from-include\n");
  Project project = Load(Options());
  // The included project reads its own .env; the including one does not see it.
  EXPECT_EQ(project.FindService("web")->image, "web:none");
  const Service* inc = project.FindService("inc");
  EXPECT_EQ(inc->image, "inc:from-include");
  EXPECT_NE(inc->canonical_json.find("\"source\":\"" + (Dir() / "lib/root/p").string() + "\""), std::string::npos)
      << inc->canonical_json;
}

// The case compose 2.40.3 and 2.26.1 ran (see the test's files): `up`
// labelled the container with the hash of the service holding the merged
// labels and, for 2.40.3 only, the label_file list.
TEST_F(ProjectTest, LabelFilesAndRawEnvFiles) {
  Write("compose.yaml",
        "services:\n  web:\n    image: nginx\n    label_file: [./a.labels, ./b.labels]\n"
        "    labels: {own: \"1\", x: from-service}\n"
        "  raw:\n    image: nginx\n    env_file:\n      - path: ./raw.env\n        format: raw\n"
        "      - path: ./missing.env\n        required: false\n    environment: {OWN: \"1\"}\n");
  Write("a.labels", "x=from-a\na=1\nb=${a}-sub\n# c\n");
  Write("b.labels", "x=from-b\nq=\"quoted\"\n");
  Write("raw.env", "  A=  spaced value  \nB=\"quoted $HOME\"\n#c\nHOME\nNOPE\n");
  Project project = Load(Options());
  std::string dir = Dir().string();
  const Service* web = project.FindService("web");
  std::string labels = "\"labels\":{\"a\":\"1\",\"b\":\"1-sub\",\"own\":\"1\",\"q\":\"quoted\",\"x\":\"from-service\"}";
  EXPECT_EQ(web->canonical_json, "{\"command\":null,\"entrypoint\":null,\"image\":\"nginx\"," + labels +
                                     ",\"label_file\":[\"" + dir + "/a.labels\",\"" + dir +
                                     "/b.labels\"],\"networks\":{\"default\":null}}");
  EXPECT_EQ(ServiceConfigHash(*web, ComposeVersion{2, 26, 1}),
            Sha256("{\"command\":null,\"entrypoint\":null,\"image\":\"nginx\"," + labels +
                   ",\"networks\":{\"default\":null}}"));
  EXPECT_EQ(project.FindService("raw")->canonical_json,
            "{\"command\":null,\"entrypoint\":null,\"environment\":{\"A\":\"  spaced value  \","
            "\"B\":\"\\\"quoted $HOME\\\"\",\"HOME\":\"/home/tester\",\"OWN\":\"1\"},\"image\":\"nginx\","
            "\"networks\":{\"default\":null}}");

  Write("raw.env", "A B=1\n");
  Result<Project> bad = LoadProject(Options());
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message(), "failed to parse env_file " + dir + "/raw.env: variable 'A B' contains whitespaces");
  Write("compose.yaml", "services:\n  web:\n    image: nginx\n    label_file: ./none.labels\n");
  bad = LoadProject(Options());
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message(), "label file " + dir + "/none.labels not found: stat " + dir +
                                       "/none.labels: no such file or directory");
}

TEST_F(ProjectTest, FilesProfilesAndNameFromDotEnv) {
  Write("base.yml", "services:\n  web: {image: nginx}\n  debug: {image: busybox, profiles: [debug]}\n");
  Write("extra.yml", "services:\n  web: {user: nobody}\n");
  Write(".env", "COMPOSE_FILE=base.yml;extra.yml\nCOMPOSE_PATH_SEPARATOR=;\nCOMPOSE_PROJECT_NAME=fromenv\n"
                "COMPOSE_PROFILES=other, debug\n");
  LoadOptions options;
  options.working_dir = Dir().string();
  options.environment = {{"HOME", "/home/tester"}};
  Project project = Load(options);
  EXPECT_EQ(project.config_files,
            (std::vector<std::string>{(Dir() / "base.yml").string(), (Dir() / "extra.yml").string()}));
  EXPECT_EQ(project.name, "fromenv");
  EXPECT_EQ(project.profiles, (std::vector<std::string>{"other", "debug"}));
  EXPECT_TRUE(project.FindService("debug")->enabled);
  EXPECT_NE(project.FindService("web")->canonical_json.find("\"user\":\"nobody\""), std::string::npos);

  options.profiles = {"none"};
  EXPECT_FALSE(Load(options).FindService("debug")->enabled);
  EXPECT_TRUE(Load(options).FindService("web")->enabled);

  // Without COMPOSE_FILE: the default names, with the override file, in
  // the working dir or the nearest parent that has one.
  Write(".env", "");
  Write("compose.yaml", "services:\n  web: {image: nginx}\n");
  Write("compose.override.yaml", "services:\n  web: {user: me}\n");
  fs::create_directories(Dir() / "sub");
  options.working_dir = (Dir() / "sub").string();
  options.profiles = {};
  project = Load(options);
  EXPECT_EQ(project.config_files, (std::vector<std::string>{(Dir() / "compose.yaml").string(),
                                                            (Dir() / "compose.override.yaml").string()}));
  EXPECT_TRUE(project.profiles.empty());
  options.working_dir = "/";
  Result<Project> none = LoadProject(options);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().message(), "no configuration file provided: not found");
}

TEST_F(ProjectTest, LongExtendsChainsEndWithAnError) {
  std::string yaml = "services:\n  s0: {image: x}\n";
  for (int i = 1; i <= 100; ++i) {
    yaml += "  s" + std::to_string(i) + ": {extends: s" + std::to_string(i - 1) + "}\n";
  }
  Write("compose.yaml", yaml);
  Result<Project> project = LoadProject(Options());
  ASSERT_FALSE(project.ok());
  EXPECT_EQ(project.error().message(), "services.s65: extends chain longer than 64 services");
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
