#include "engine/reference.h"

#include <gtest/gtest.h>

#include <string>

namespace deliveryhook::engine {
namespace {

const std::string kDigest = "sha256:" + std::string(64, 'a');

struct Case {
  std::string input, domain, path, tag, digest;
};

TEST(ParseImageReference, NormalizesLikeDistribution) {
  const Case cases[] = {
      {"nginx", "docker.io", "library/nginx", "latest", ""},
      {"nginx:1.25", "docker.io", "library/nginx", "1.25", ""},
      {"docker.io/nginx", "docker.io", "library/nginx", "latest", ""},
      {"index.docker.io/library/nginx", "docker.io", "library/nginx", "latest", ""},
      {"user/app", "docker.io", "user/app", "latest", ""},
      {"127.0.0.1:5000/app:v2", "127.0.0.1:5000", "app", "v2", ""},
      {"localhost/app", "localhost", "app", "latest", ""},
      {"localhost:5000/a/b", "localhost:5000", "a/b", "latest", ""},
      {"ghcr.io/org/team/app:1.0-rc_1", "ghcr.io", "org/team/app", "1.0-rc_1", ""},
      {"app@" + kDigest, "docker.io", "library/app", "", kDigest},
      {"registry.example.com/a/b:tag@" + kDigest, "registry.example.com", "a/b", "tag", kDigest},
      // A first component without "." or ":" that is not "localhost" is a
      // Docker Hub namespace, not a registry.
      {"host/a/b:tag@" + kDigest, "docker.io", "host/a/b", "tag", kDigest},
      {"[::1]:5000/app", "[::1]:5000", "app", "latest", ""},
      {"my-registry.local/a__b/c.d/e--f", "my-registry.local", "a__b/c.d/e--f", "latest", ""},
      {"Registry.Example.com/app", "Registry.Example.com", "app", "latest", ""},
  };
  for (const auto& c : cases) {
    auto ref = ParseImageReference(c.input);
    ASSERT_TRUE(ref) << c.input << ": " << ref.error();
    EXPECT_EQ(ref->domain, c.domain) << c.input;
    EXPECT_EQ(ref->path, c.path) << c.input;
    EXPECT_EQ(ref->tag, c.tag) << c.input;
    EXPECT_EQ(ref->digest, c.digest) << c.input;
  }
}

TEST(ParseImageReference, NamesWhatToPull) {
  auto plain = ParseImageReference("nginx");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->Name(), "docker.io/library/nginx");
  EXPECT_EQ(plain->TagOrDigest(), "latest");
  EXPECT_EQ(plain->String(), "docker.io/library/nginx:latest");
  auto pinned = ParseImageReference("host.example/a/b:tag@" + kDigest);
  ASSERT_TRUE(pinned);
  EXPECT_EQ(pinned->Name(), "host.example/a/b");
  EXPECT_EQ(pinned->TagOrDigest(), kDigest);
  EXPECT_EQ(pinned->String(), "host.example/a/b:tag@" + kDigest);
}

TEST(ParseImageReference, RejectsWithDistributionsWording) {
  auto message = [](const std::string& input) {
    auto ref = ParseImageReference(input);
    EXPECT_FALSE(ref) << input;
    if (ref) return std::string();
    EXPECT_EQ(ref.error().code(), ErrorCode::kInvalidArgument);
    return ref.error().message();
  };
  EXPECT_EQ(message(""), "invalid image reference \"\": repository name must have at least one component");
  EXPECT_EQ(message("Nginx"), "invalid image reference \"Nginx\": repository name (library/Nginx) must be lowercase");
  EXPECT_EQ(message("host/App:v1"), "invalid image reference \"host/App:v1\": repository name (host/App) must be lowercase");
  EXPECT_EQ(message("host.example/App:v1"),
            "invalid image reference \"host.example/App:v1\": repository name (App) must be lowercase");
  EXPECT_EQ(message(std::string(64, 'b')), "invalid image reference \"" + std::string(64, 'b') +
                                               "\": cannot specify 64-byte hexadecimal strings");
  EXPECT_EQ(message("app:"), "invalid image reference \"app:\": invalid reference format");
  EXPECT_EQ(message("app:-bad"), "invalid image reference \"app:-bad\": invalid reference format");
  EXPECT_EQ(message("a//b"), "invalid image reference \"a//b\": invalid reference format");
  EXPECT_EQ(message("host:port/app"), "invalid image reference \"host:port/app\": invalid reference format");
  EXPECT_EQ(message("app@sha256:abc"), "invalid image reference \"app@sha256:abc\": invalid reference format");
  EXPECT_EQ(message("app@sha256:" + std::string(63, 'a') + "b0"),
            "invalid image reference \"app@sha256:" + std::string(63, 'a') + "b0\": invalid checksum digest length");
  EXPECT_EQ(message("app@md5:" + std::string(32, 'a')),
            "invalid image reference \"app@md5:" + std::string(32, 'a') + "\": unsupported digest algorithm");
  EXPECT_EQ(message("app@sha256:" + std::string(64, 'A')),
            "invalid image reference \"app@sha256:" + std::string(64, 'A') + "\": invalid checksum digest format");
  EXPECT_EQ(message("app:" + std::string(129, 't')),
            "invalid image reference \"app:" + std::string(129, 't') + "\": invalid reference format");
  const std::string long_name = "host/" + std::string(251, 'a');
  EXPECT_EQ(message(long_name),
            "invalid image reference \"" + long_name + "\": repository name must not be more than 255 characters");
}

}  // namespace
}  // namespace deliveryhook::engine
