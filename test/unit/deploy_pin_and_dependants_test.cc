// The deploy planners for pinned pulls and depends_on restarts.
#include <gtest/gtest.h>

#include "compose_test_support.h"
#include "deliveryhook/deploy/deployer.h"
#include "deploy/dependants.h"
#include "deploy/image_pin.h"

namespace deliveryhook::deploy {
namespace {

const std::string kHexA(64, 'a');
const std::string kHexB(64, 'b');
const std::string kDigestA = "sha256:" + kHexA;
const std::string kDigestB = "sha256:" + kHexB;
const std::string kBadImage =
    "\"image\" must be an image reference with either a tag or a sha256 digest, such as "
    "\"registry/app:v2\" or \"registry/app@sha256:<64 hex>\", of at most 512 characters";
const std::string kBadDigest = "\"digest\" must be \"sha256:\" followed by 64 lowercase hex digits";

std::string PinError(const std::string& image, const std::string& digest = {}) {
  auto checked = CheckPinSyntax(image, digest);
  return checked ? "ok" : checked.error().message();
}

TEST(CheckPinSyntax, AcceptsATagOrADigestAndAnExpectedDigest) {
  EXPECT_EQ(PinError("", ""), "ok");
  EXPECT_EQ(PinError("127.0.0.1:5000/app:v2"), "ok");
  EXPECT_EQ(PinError("app:v2"), "ok");
  EXPECT_EQ(PinError("127.0.0.1:5000/app@" + kDigestA), "ok");
  EXPECT_EQ(PinError("127.0.0.1:5000/app:v2", kDigestA), "ok");
  EXPECT_EQ(PinError("127.0.0.1:5000/app@" + kDigestA, kDigestA), "ok");
  EXPECT_EQ(PinError("", kDigestA), "ok");
}

TEST(CheckPinSyntax, RefusesWithExactMessages) {
  for (const std::string& image :
       {std::string("127.0.0.1:5000/app"), std::string("app"), std::string("127.0.0.1:5000/App:v2"),
        std::string("app:v 2"), std::string("app:"), std::string("app@sha256:abc"),
        "app@sha512:" + std::string(128, 'a'), "app@sha256:" + std::string(64, 'A'),
        "app:v2@" + kDigestA, "app:" + std::string(129, 'v'), "a/" + std::string(600, 'b') + ":v",
        std::string("-app:v2"), std::string("app:v2\n"), std::string(kHexA)}) {
    EXPECT_EQ(PinError(image), kBadImage) << image;
  }
  for (const std::string& digest :
       {std::string("sha256:abc"), "sha256:" + std::string(64, 'A'), "sha512:" + kHexA, kHexA,
        "sha256:" + kHexA + "0", " " + kDigestA}) {
    EXPECT_EQ(PinError("", digest), kBadDigest) << digest;
    EXPECT_EQ(PinError("app:v2", digest), kBadDigest) << digest;
  }
  EXPECT_EQ(PinError("app@" + kDigestA, kDigestB), "\"digest\" differs from the digest in \"image\"");
  // The longest strings the grammar sees, shaped to make it backtrack.
  std::string dashes;
  while (dashes.size() < 510) dashes += "a-";
  EXPECT_EQ(PinError(dashes + "!"), kBadImage);
  EXPECT_EQ(PinError("a" + std::string(509, '-') + "!:v"), kBadImage);
  EXPECT_EQ(PinError(std::string(255, 'a') + "." + std::string(250, 'b') + "/c:!"), kBadImage);
  EXPECT_EQ(CheckPinSyntax("app", "").error().code(), ErrorCode::kInvalidArgument);
}

TEST(CheckSameRepository, ComparesNormalizedRepositories) {
  EXPECT_TRUE(CheckSameRepository("127.0.0.1:5000/app:latest", "127.0.0.1:5000/app:v2"));
  EXPECT_TRUE(CheckSameRepository("nginx", "docker.io/library/nginx@" + kDigestA));
  auto foreign = CheckSameRepository("127.0.0.1:5000/app:latest", "127.0.0.1:5000/other:v2");
  ASSERT_FALSE(foreign);
  EXPECT_EQ(foreign.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(foreign.error().message(), "\"image\" must be a tag or digest of 127.0.0.1:5000/app");
  EXPECT_EQ(CheckSameRepository("127.0.0.1:5000/app", "127.0.0.2:5000/app:v1").error().message(),
            "\"image\" must be a tag or digest of 127.0.0.1:5000/app");
  EXPECT_EQ(CheckSameRepository("nginx:1", "nginx-other:1").error().message(),
            "\"image\" must be a tag or digest of docker.io/library/nginx");
}

TEST(PlanPull, WithoutAPinPullsTheComposeTag) {
  auto plan = PlanPull("127.0.0.1:5000/app:latest", "", "");
  ASSERT_TRUE(plan) << plan.error();
  EXPECT_EQ(plan->pull_reference, "127.0.0.1:5000/app:latest");
  EXPECT_EQ(plan->repository, "127.0.0.1:5000/app");
  EXPECT_EQ(plan->digest, "");
  EXPECT_FALSE(plan->retag);
  auto checked = PlanPull("127.0.0.1:5000/app:latest", "", kDigestA);
  EXPECT_EQ(checked->digest, kDigestA);
  EXPECT_FALSE(checked->retag);
}

TEST(PlanPull, APinIsPulledThenTaggedAsTheComposeImage) {
  auto by_tag = PlanPull("127.0.0.1:5000/app:latest", "127.0.0.1:5000/app:v1", kDigestB);
  ASSERT_TRUE(by_tag) << by_tag.error();
  EXPECT_EQ(by_tag->pull_reference, "127.0.0.1:5000/app:v1");
  EXPECT_EQ(by_tag->digest, kDigestB);
  EXPECT_TRUE(by_tag->retag);
  auto by_digest = PlanPull("127.0.0.1:5000/app:latest", "127.0.0.1:5000/app@" + kDigestA, "");
  ASSERT_TRUE(by_digest) << by_digest.error();
  EXPECT_EQ(by_digest->pull_reference, "127.0.0.1:5000/app@" + kDigestA);
  EXPECT_EQ(by_digest->digest, kDigestA);  // the engine's RepoDigests must agree
  EXPECT_TRUE(by_digest->retag);
  // The compose tag itself, spelled another way: nothing to retag.
  auto same = PlanPull("nginx", "docker.io/library/nginx:latest", "");
  EXPECT_FALSE(same->retag);
  auto foreign = PlanPull("127.0.0.1:5000/app:latest", "127.0.0.1:5000/other:v1", "");
  ASSERT_FALSE(foreign);
  EXPECT_EQ(foreign.error().message(), "\"image\" must be a tag or digest of 127.0.0.1:5000/app");
}

TEST(VerifyDigest, NeedsTheDigestForThePlansRepository) {
  PullPlan plan{"127.0.0.1:5000/app:v1", "127.0.0.1:5000/app", kDigestA, true};
  EXPECT_TRUE(VerifyDigest(plan, {"127.0.0.1:5000/other@" + kDigestB, "127.0.0.1:5000/app@" + kDigestA}));
  auto wrong = VerifyDigest(plan, {"127.0.0.1:5000/app@" + kDigestB, "127.0.0.1:5000/other@" + kDigestA});
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(wrong.error().message(), "digest mismatch: 127.0.0.1:5000/app:v1 is " + kDigestB +
                                         ", not the requested " + kDigestA + "; nothing was changed");
  EXPECT_EQ(VerifyDigest(plan, {}).error().message(),
            "digest mismatch: 127.0.0.1:5000/app:v1 is not known by a digest of "
            "127.0.0.1:5000/app, not the requested " + kDigestA + "; nothing was changed");
  plan.digest.clear();
  EXPECT_TRUE(VerifyDigest(plan, {}));
}

TEST(ServicesToRestartAfter, FollowsDependsOnRestartTrueOnly) {
  compose::testing::TempDir temp;
  compose::testing::WriteText(temp.path() / "compose.yaml", R"(
services:
  app:
    image: app
  worker:
    image: app
    depends_on:
      app: {condition: service_started, restart: true}
  other:
    image: app
    depends_on:
      app: {condition: service_started}
  short:
    image: app
    depends_on: [app]
  healthy:
    image: app
    depends_on:
      app: {condition: service_healthy, restart: "true"}
      worker: {condition: service_started, restart: true}
  sidecar:
    image: app
    network_mode: service:app
  linked:
    image: app
    links: [app]
)");
  compose::LoadOptions options;
  options.working_dir = temp.path().string();
  options.config_files = {(temp.path() / "compose.yaml").string()};
  options.project_name = "proj";
  auto project = compose::LoadProject(options);
  ASSERT_TRUE(project) << project.error();
  // links imply restart: true in compose-go; a shared namespace is recreated instead.
  EXPECT_EQ(ServicesToRestartAfter(*project, "app"),
            (std::vector<std::string>{"worker", "healthy", "linked"}));
  EXPECT_EQ(ServicesToRestartAfter(*project, "worker"), (std::vector<std::string>{"healthy"}));
  EXPECT_TRUE(ServicesToRestartAfter(*project, "other").empty());
}

}  // namespace
}  // namespace deliveryhook::deploy
