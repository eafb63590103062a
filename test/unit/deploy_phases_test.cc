// The phases of a deploy, each driven alone through the recording engine:
// what each asks the engine, in order, and what it gives the next phase.
#include "deploy/deploy_phases.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <string>
#include <vector>

#include "compose_test_support.h"
#include "fake_engine_api.h"

namespace deliveryhook::deploy {
namespace {

using ::testing::ElementsAre;
using compose::testing::TempDir;
using compose::testing::WriteText;
using deliveryhook::testing::RecordingEngine;

class PhasesTest : public ::testing::Test {
 protected:
  // A running container "app-web-1" of project "app", whose compose file
  // `compose_yaml` is written to a temp dir.
  Target TargetFor(const std::string& compose_yaml) {
    WriteText(temp_.path() / "compose.yaml", compose_yaml);
    engine_.AddContainer({"aaaaaaaaaaaa0000", "app-web-1", "sha256:old", true, "", "reg/app:v1"});
    Target target;
    target.container_id = "aaaaaaaaaaaa0000";
    target.container_name = "app-web-1";
    target.project = "app";
    target.service = "web";
    target.working_dir = temp_.path().string();
    target.config_files = {(temp_.path() / "compose.yaml").string()};
    target.compose_version = compose::ComposeVersion{2, 26, 1};
    return target;
  }
  LoadedService Load(const std::string& compose_yaml, std::string image = {},
                     std::string digest = {}) {
    Target target = TargetFor(compose_yaml);
    target.image = std::move(image);
    target.digest = std::move(digest);
    auto loaded = LoadService(engine_, target, {});
    EXPECT_TRUE(loaded) << loaded.error().message();
    return std::move(*loaded);
  }
  ProgressSink Recording() {
    ProgressSink sink;
    sink.on_step = [this](Step step) { steps_.emplace_back(ToString(step)); };
    sink.on_log = [this](std::string_view line) { log_.emplace_back(line); };
    return sink;
  }

  TempDir temp_;
  RecordingEngine engine_;
  std::vector<std::string> steps_;
  std::vector<std::string> log_;
};

TEST_F(PhasesTest, LoadServiceReadsTheContainerAndItsComposeService) {
  LoadedService loaded = Load("services:\n  web:\n    image: reg/app:v1\n");
  EXPECT_EQ(loaded.service().name, "web");
  EXPECT_EQ(loaded.image, "reg/app:v1");
  EXPECT_EQ(loaded.old_container.id, "aaaaaaaaaaaa0000");
  EXPECT_THAT(engine_.calls(), ElementsAre("InspectContainer aaaaaaaaaaaa0000"));
}

TEST_F(PhasesTest, AServiceOnlyBuiltIsNamedAfterProjectAndService) {
  WriteText(temp_.path() / "Dockerfile", "FROM scratch\n");
  LoadedService loaded = Load("services:\n  web:\n    build: .\n");
  EXPECT_EQ(loaded.image, "app-web");
}

TEST_F(PhasesTest, LoadServiceFailsWhenTheFilesNoLongerDefineTheService) {
  Target target = TargetFor("services:\n  api:\n    image: reg/app:v1\n");
  auto loaded = LoadService(engine_, target, {});
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(loaded.error().message(), "the compose files no longer define service \"web\"");
}

TEST_F(PhasesTest, LoadServiceNamesAContainerThatCannotBeInspected) {
  Target target = TargetFor("services:\n  web:\n    image: reg/app:v1\n");
  engine_.FailOn("InspectContainer aaaaaaaaaaaa0000", Error(ErrorCode::kInternal, "boom"));
  auto loaded = LoadService(engine_, target, {});
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().message(), "inspect the running container: boom");
}

TEST_F(PhasesTest, AcquireImagePullsTheComposeTag) {
  LoadedService loaded = Load("services:\n  web:\n    image: reg/app:v1\n");
  auto plan = AcquireImage(engine_, loaded, Action::kPull, Recording());
  ASSERT_TRUE(plan) << plan.error().message();
  EXPECT_EQ(plan->pull_reference, "reg/app:v1");
  EXPECT_FALSE(plan->retag);
  EXPECT_THAT(steps_, ElementsAre("pulling"));
  EXPECT_THAT(engine_.calls(), ElementsAre("InspectContainer aaaaaaaaaaaa0000", "PullImage reg/app:v1"));
}

TEST_F(PhasesTest, AcquireImagePullsAPinAndPlansTheRetag) {
  LoadedService loaded = Load("services:\n  web:\n    image: reg/app:v1\n", "reg/app:v2");
  auto plan = AcquireImage(engine_, loaded, Action::kPull, Recording());
  ASSERT_TRUE(plan) << plan.error().message();
  EXPECT_EQ(plan->pull_reference, "reg/app:v2");
  EXPECT_TRUE(plan->retag);
  EXPECT_EQ(engine_.calls().back(), "PullImage reg/app:v2");
}

TEST_F(PhasesTest, APinByDigestAlreadyHereIsNotPulledAgain) {
  const std::string digest = "sha256:" + std::string(64, 'a');
  const std::string by_digest = "reg/app@" + digest;
  engine_.SetTag(by_digest, "sha256:old");
  engine_.SetRepoDigests("sha256:old", {by_digest});
  LoadedService loaded = Load("services:\n  web:\n    image: reg/app:v1\n", by_digest, digest);
  auto plan = AcquireImage(engine_, loaded, Action::kPull, Recording());
  ASSERT_TRUE(plan) << plan.error().message();
  EXPECT_EQ(plan->pull_reference, by_digest);
  EXPECT_TRUE(plan->retag);
  EXPECT_THAT(engine_.calls(), ElementsAre("InspectContainer aaaaaaaaaaaa0000",
                                           "InspectImage " + by_digest));
  EXPECT_THAT(log_, ElementsAre(by_digest + " is here already: not pulling it"));
  EXPECT_TRUE(steps_.empty());
}

TEST_F(PhasesTest, APinByDigestNotHereIsPulled) {
  const std::string digest = "sha256:" + std::string(64, 'a');
  const std::string by_digest = "reg/app@" + digest;
  LoadedService loaded = Load("services:\n  web:\n    image: reg/app:v1\n", by_digest, digest);
  auto plan = AcquireImage(engine_, loaded, Action::kPull, Recording());
  ASSERT_TRUE(plan) << plan.error().message();
  EXPECT_THAT(engine_.calls(), ElementsAre("InspectContainer aaaaaaaaaaaa0000",
                                           "InspectImage " + by_digest, "PullImage " + by_digest));
  EXPECT_THAT(steps_, ElementsAre("pulling"));
}

TEST_F(PhasesTest, PullPolicyNeverTakesTheLocalImage) {
  LoadedService loaded =
      Load("services:\n  web:\n    image: reg/app:v1\n    pull_policy: never\n");
  auto plan = AcquireImage(engine_, loaded, Action::kPull, Recording());
  ASSERT_TRUE(plan) << plan.error().message();
  EXPECT_THAT(engine_.calls(), ElementsAre("InspectContainer aaaaaaaaaaaa0000"));
  EXPECT_THAT(log_, ElementsAre("pull_policy never: not pulling reg/app:v1"));
  EXPECT_TRUE(steps_.empty());
}

TEST_F(PhasesTest, PullPolicyBuildBuildsInsteadOfPulling) {
  WriteText(temp_.path() / "Dockerfile", "FROM scratch\n");
  LoadedService loaded =
      Load("services:\n  web:\n    image: reg/app:v1\n    build: .\n    pull_policy: build\n");
  auto plan = AcquireImage(engine_, loaded, Action::kPull, Recording());
  ASSERT_TRUE(plan) << plan.error().message();
  EXPECT_THAT(steps_, ElementsAre("building"));
  EXPECT_EQ(engine_.calls().back(), "BuildImage reg/app:v1");
}

TEST_F(PhasesTest, APinCannotBeBuiltNorTakenLocally) {
  LoadedService never = Load("services:\n  web:\n    image: reg/app:v1\n    pull_policy: never\n",
                             "reg/app:v2");
  auto refused = AcquireImage(engine_, never, Action::kPull, Recording());
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message(),
            "service \"web\" has pull_policy never: a pinned image or digest cannot be pulled");
  auto built = AcquireImage(engine_, never, Action::kBuild, Recording());
  ASSERT_FALSE(built);
  EXPECT_EQ(built.error().message(), "a pinned image or digest can only be pulled");
  EXPECT_THAT(engine_.calls(), ElementsAre("InspectContainer aaaaaaaaaaaa0000"));
}

TEST_F(PhasesTest, BuildWithoutABuildSectionIsRefusedBeforeTheEngineIsAsked) {
  LoadedService loaded = Load("services:\n  web:\n    image: reg/app:v1\n");
  auto built = AcquireImage(engine_, loaded, Action::kBuild, Recording());
  ASSERT_FALSE(built);
  EXPECT_EQ(built.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(built.error().message(), "service \"web\" has no build section; use /pull");
  EXPECT_THAT(engine_.calls(), ElementsAre("InspectContainer aaaaaaaaaaaa0000"));
}

TEST_F(PhasesTest, AFailedPullNamesTheReference) {
  LoadedService loaded = Load("services:\n  web:\n    image: reg/app:v1\n");
  engine_.FailOn("PullImage reg/app:v1", Error(ErrorCode::kNotFound, "manifest unknown"));
  auto plan = AcquireImage(engine_, loaded, Action::kPull, Recording());
  ASSERT_FALSE(plan);
  EXPECT_EQ(plan.error().message(), "pull reg/app:v1: manifest unknown");
}

TEST_F(PhasesTest, VerifyImageRefusesADigestTheImageDoesNotCarry) {
  engine_.SetTag("reg/app:v1", "sha256:new");
  PullPlan plan{"reg/app:v1", "reg/app", "sha256:" + std::string(64, 'a'), false};
  auto image = VerifyImage(engine_, plan, Recording());
  ASSERT_FALSE(image);
  EXPECT_EQ(image.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_THAT(engine_.calls(), ElementsAre("InspectImage reg/app:v1"));
}

TEST_F(PhasesTest, VerifyImageGivesTheAcquiredImage) {
  engine_.SetTag("reg/app:v1", "sha256:new");
  auto image = VerifyImage(engine_, {"reg/app:v1", {}, {}, false}, Recording());
  ASSERT_TRUE(image) << image.error().message();
  EXPECT_EQ(image->id, "sha256:new");
}

TEST_F(PhasesTest, PlanContainerDefinesTheNewContainerAndItsSwap) {
  LoadedService loaded = Load("services:\n  web:\n    image: reg/app:v1\n");
  engine::ImageInfo image;
  image.id = "sha256:new";
  DeployerOptions options;
  options.settle_time = std::chrono::milliseconds(5);
  auto plan = PlanContainer(engine_, loaded, image, options, Recording());
  ASSERT_TRUE(plan) << plan.error().message();
  EXPECT_FALSE(plan->unchanged);
  EXPECT_EQ(plan->swap.container_name, "app-web-1");
  EXPECT_EQ(plan->swap.image_id, "sha256:new");
  EXPECT_EQ(plan->swap.image_reference, "reg/app:v1");
  EXPECT_EQ(plan->swap.order, SwapOrder::kStopFirst);
  EXPECT_EQ(plan->swap.settle_time, std::chrono::milliseconds(5));
  EXPECT_NE(plan->swap.spec.create_body.find("\"Image\":\"reg/app:v1\""), std::string::npos)
      << plan->swap.spec.create_body;
  ASSERT_EQ(log_.size(), 1u);
  EXPECT_EQ(log_[0].rfind("compose 2.26.1 config hash ", 0), 0u) << log_[0];
}

TEST_F(PhasesTest, PlanContainerSaysUnchangedWhenHashAndImageMatch) {
  LoadedService loaded = Load("services:\n  web:\n    image: reg/app:v1\n");
  engine::ImageInfo image;
  image.id = "sha256:old";
  auto first = PlanContainer(engine_, loaded, image, {}, Recording());
  ASSERT_TRUE(first) << first.error().message();
  // The old container as compose would have labelled it.
  rapidjson::Document body;
  body.Parse(first->swap.spec.create_body.c_str());
  ASSERT_TRUE(body.IsObject() && body.HasMember("Labels"));
  for (const auto& label : body["Labels"].GetObject()) {
    loaded.old_container.labels[label.name.GetString()] = label.value.GetString();
  }
  auto again = PlanContainer(engine_, loaded, image, {}, Recording());
  ASSERT_TRUE(again) << again.error().message();
  EXPECT_TRUE(again->unchanged);
}

TEST_F(PhasesTest, PointTagAtPinMovesTheComposeTagOnlyForAPin) {
  engine::ImageInfo image;
  image.id = "sha256:v2";
  EXPECT_TRUE(PointTagAtPin(engine_, {"reg/app:v1", {}, {}, false}, image, "reg/app:v1",
                            Recording()));
  EXPECT_TRUE(engine_.calls().empty());
  EXPECT_TRUE(PointTagAtPin(engine_, {"reg/app:v2", {}, {}, true}, image, "reg/app:v1",
                            Recording()));
  EXPECT_THAT(engine_.calls(), ElementsAre("TagImage sha256:v2 reg/app:v1"));
  EXPECT_EQ(engine_.TagOf("reg/app:v1"), "sha256:v2");
}

}  // namespace
}  // namespace deliveryhook::deploy
