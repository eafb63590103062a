#include "engine/build_context.h"

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>

#include "deliveryhook/engine/client.h"
#include "fake_daemon/fake_engine.h"

namespace deliveryhook::engine {
namespace {

namespace fs = std::filesystem;

class ContextDir {
 public:
  ContextDir() {
    std::string pattern = (fs::temp_directory_path() / "deliveryhook-ctx-XXXXXX").string();
    path_ = mkdtemp(pattern.data());
  }
  ~ContextDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  void Write(const std::string& name, const std::string& content) const {
    const fs::path file = fs::path(path_) / name;
    fs::create_directories(file.parent_path());
    std::ofstream(file) << content;
  }

 private:
  std::string path_;
};

// Entry name -> content ("" for folders and links) of an uncompressed tar.
std::map<std::string, std::string> ReadTar(const std::string& tar) {
  std::map<std::string, std::string> entries;
  std::unique_ptr<archive, decltype(&archive_read_free)> reader(archive_read_new(), &archive_read_free);
  archive_read_support_format_tar(reader.get());
  EXPECT_EQ(archive_read_open_memory(reader.get(), tar.data(), tar.size()), ARCHIVE_OK);
  archive_entry* entry = nullptr;
  while (archive_read_next_header(reader.get(), &entry) == ARCHIVE_OK) {
    EXPECT_EQ(archive_entry_uid(entry), 0);
    std::string content(static_cast<size_t>(archive_entry_size(entry)), '\0');
    if (!content.empty()) archive_read_data(reader.get(), content.data(), content.size());
    std::string name = archive_entry_pathname(entry);
    if (archive_entry_filetype(entry) == AE_IFDIR && !name.ends_with('/')) name += "/";
    if (archive_entry_filetype(entry) == AE_IFLNK) content = std::string("-> ") + archive_entry_symlink(entry);
    entries[name] = content;
  }
  return entries;
}

std::vector<std::string> Names(const std::map<std::string, std::string>& entries) {
  std::vector<std::string> names;
  for (const auto& [name, content] : entries) names.push_back(name);
  return names;
}

TEST(MakeBuildContext, HonoursDockerignoreButKeepsTheDockerfile) {
  ContextDir ctx;
  ctx.Write("Dockerfile", "FROM base\n");
  ctx.Write(".dockerignore", "*.log\nnode_modules\nDockerfile\n.dockerignore\ndocs\n!docs/keep.md\n");
  ctx.Write("app.js", "console.log(1)\n");
  ctx.Write("debug.log", "noise");
  ctx.Write("node_modules/pkg/index.js", "x");
  ctx.Write("docs/keep.md", "kept");
  ctx.Write("docs/drop.md", "dropped");
  ctx.Write("src/lib/util.js", "u");
  fs::create_symlink("app.js", fs::path(ctx.path()) / "link.js");

  auto context = MakeBuildContext(ctx.path(), "");
  ASSERT_TRUE(context) << context.error();
  EXPECT_EQ(context->dockerfile, "Dockerfile");
  const auto entries = ReadTar(context->tar);
  EXPECT_EQ(Names(entries), (std::vector<std::string>{".dockerignore", "Dockerfile", "app.js", "docs/keep.md",
                                                      "link.js", "src/", "src/lib/", "src/lib/util.js"}));
  EXPECT_EQ(entries.at("Dockerfile"), "FROM base\n");
  EXPECT_EQ(entries.at("docs/keep.md"), "kept");
  EXPECT_EQ(entries.at("link.js"), "-> app.js");
}

TEST(MakeBuildContext, ADockerfileInAnIgnoredFolderIsKept) {
  ContextDir ctx;
  ctx.Write("build/Dockerfile.prod", "FROM base\n");
  ctx.Write("build/other", "x");
  ctx.Write(".dockerignore", "build\n");
  auto context = MakeBuildContext(ctx.path(), "build/Dockerfile.prod");
  ASSERT_TRUE(context) << context.error();
  EXPECT_EQ(context->dockerfile, "build/Dockerfile.prod");
  EXPECT_EQ(Names(ReadTar(context->tar)), (std::vector<std::string>{".dockerignore", "build/Dockerfile.prod"}));
}

TEST(MakeBuildContext, ADockerfileOutsideTheContextIsInjected) {
  ContextDir outer;
  outer.Write("Dockerfile.outside", "FROM base\nCOPY . /\n");
  outer.Write("ctx/file", "f");
  auto context = MakeBuildContext(outer.path() + "/ctx", "../Dockerfile.outside");
  ASSERT_TRUE(context) << context.error();
  ASSERT_TRUE(context->dockerfile.starts_with(".dockerfile.")) << context->dockerfile;
  const auto entries = ReadTar(context->tar);
  EXPECT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries.at("file"), "f");
  EXPECT_EQ(entries.at(context->dockerfile), "FROM base\nCOPY . /\n");
}

TEST(MakeBuildContext, FailsClearly) {
  ContextDir ctx;
  auto no_dockerfile = MakeBuildContext(ctx.path(), "");
  ASSERT_FALSE(no_dockerfile);
  EXPECT_EQ(no_dockerfile.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(no_dockerfile.error().message(), "the Dockerfile Dockerfile does not exist");
  ctx.Write("Dockerfile", "FROM base\n");
  ctx.Write(".dockerignore", "[\n");
  auto bad_ignore = MakeBuildContext(ctx.path(), "");
  ASSERT_FALSE(bad_ignore);
  EXPECT_EQ(bad_ignore.error().message(), ".dockerignore: syntax error in pattern \"[\"");
}

TEST(BuildImage, PostsTheTarAndReturnsTheAuxId) {
  ContextDir ctx, config;
  ctx.Write("Dockerfile", "FROM base\n");
  testing::FakeEngine engine("1.41");
  engine.On("POST", "/v1.41/build", [](const httplib::Request&, httplib::Response& res) {
    testing::FakeEngine::Stream(res, {"{\"stream\":\"Step 1/1 : FROM base\\n\"}\r\n",
                                      "{\"aux\":{\"ID\":\"sha256:b11d\"}}\r\n",
                                      "{\"stream\":\"Successfully built b11d\\n\"}\r\n"});
  });
  ClientOptions options;
  options.docker_host = engine.docker_host();
  options.docker_config_dir = config.path();
  auto client = Client::Connect(options);
  ASSERT_TRUE(client) << client.error();

  BuildOptions build;
  build.context_dir = ctx.path();
  build.tags = {"proj-web", "127.0.0.1:5000/web:v2"};
  build.build_args = {{"VERSION", "2"}};
  build.labels = {{"com.docker.compose.project", "proj"}};
  build.target = "prod";
  std::vector<std::string> lines;
  auto id = client->BuildImage(build, [&](const ProgressEvent& e) { lines.push_back(e.status); });
  ASSERT_TRUE(id) << id.error();
  EXPECT_EQ(*id, "sha256:b11d");
  EXPECT_EQ(lines, (std::vector<std::string>{"Step 1/1 : FROM base", "Successfully built b11d"}));

  const auto request = engine.requests().back();
  EXPECT_EQ(request.target,
            "/v1.41/build?t=proj-web&t=127.0.0.1%3A5000%2Fweb%3Av2&dockerfile=Dockerfile"
            "&buildargs=%7B%22VERSION%22%3A%222%22%7D"
            "&labels=%7B%22com.docker.compose.project%22%3A%22proj%22%7D&target=prod&rm=1&version=1");
  EXPECT_EQ(request.HeaderValue("Content-Type"), "application/x-tar");
  EXPECT_EQ(request.HeaderValue("X-Registry-Config"), "e30=");
  EXPECT_EQ(Names(ReadTar(request.body)), (std::vector<std::string>{"Dockerfile"}));
}

TEST(BuildImage, AFailedStepFailsTheBuild) {
  ContextDir ctx, config;
  ctx.Write("Dockerfile", "FROM base\nRUN false\n");
  testing::FakeEngine engine("1.51");
  engine.On("POST", "/v1.51/build", [](const httplib::Request&, httplib::Response& res) {
    testing::FakeEngine::Stream(
        res, {"{\"stream\":\"Step 2/2 : RUN false\\n\"}\r\n",
              "{\"errorDetail\":{\"code\":1,\"message\":\"The command '/bin/sh -c false' returned a non-zero code: 1\"},"
              "\"error\":\"The command '/bin/sh -c false' returned a non-zero code: 1\"}\r\n"});
  });
  ClientOptions options;
  options.docker_host = engine.docker_host();
  options.docker_config_dir = config.path();
  auto client = Client::Connect(options);
  ASSERT_TRUE(client) << client.error();
  BuildOptions build;
  build.context_dir = ctx.path();
  auto id = client->BuildImage(build, {});
  ASSERT_FALSE(id);
  EXPECT_EQ(id.error().code(), ErrorCode::kInternal);
  EXPECT_EQ(id.error().message(), "The command '/bin/sh -c false' returned a non-zero code: 1");
}

TEST(BuildImage, FallsBackToTheSuccessfullyBuiltLine) {
  ContextDir ctx, config;
  ctx.Write("Dockerfile", "FROM base\n");
  testing::FakeEngine engine("1.51");
  engine.On("POST", "/v1.51/build", [](const httplib::Request&, httplib::Response& res) {
    testing::FakeEngine::Stream(res, {"{\"stream\":\"Successfully built 0123456789ab\\n\"}\r\n"});
  });
  ClientOptions options;
  options.docker_host = engine.docker_host();
  options.docker_config_dir = config.path();
  auto client = Client::Connect(options);
  ASSERT_TRUE(client) << client.error();
  BuildOptions build;
  build.context_dir = ctx.path();
  auto id = client->BuildImage(build, {});
  ASSERT_TRUE(id) << id.error();
  EXPECT_EQ(*id, "0123456789ab");
}

}  // namespace
}  // namespace deliveryhook::engine
