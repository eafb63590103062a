// The swap through an engine in memory: the exact Engine calls in order, the
// containers and the image tag it leaves, for each order, for a failure at
// each step, for an abort, and for a rollback that fails itself.
#include "deploy/swap.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "unit/fake_engine_api.h"

namespace deliveryhook::deploy {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using testing::RecordingEngine;

constexpr const char* kOld = "aaaaaaaaaaaa0000";
constexpr const char* kTemporary = "aaaaaaaaaaaa_web-1";
constexpr const char* kAside = "aaaaaaaaaaaa_old_web-1";
constexpr const char* kImage = "127.0.0.1:5000/app:latest";

// The calls of each step, by the names the fake records.
const std::string kCreate = std::string("CreateContainer ") + kTemporary;
const std::string kStartNew = "StartContainer new1";
const std::string kVerify = "InspectContainer new1";
const std::string kStopOld = std::string("StopContainer ") + kOld;
const std::string kMoveOldAside = std::string("RenameContainer ") + kOld + " " + kAside;
const std::string kNameNew = "RenameContainer new1 web-1";
const std::string kRemoveOld = std::string("RemoveContainer ") + kOld;
const std::string kRemoveNew = "RemoveContainer new1 force";
const std::string kNameOldBack = std::string("RenameContainer ") + kOld + " web-1";
const std::string kTagBack = std::string("TagImage sha256:old ") + kImage;
const std::string kStartOld = std::string("StartContainer ") + kOld;
const std::string kConnect = "ConnectNetwork shop_back new1";

const std::string kOldServing = std::string("web-1 ") + kOld + " running";
const std::string kNewServing = "web-1 new1 running";

Error Boom() { return Error(ErrorCode::kInternal, "boom", 500); }

class SwapTest : public ::testing::Test {
 protected:
  SwapTest() {
    engine_.AddContainer({kOld, "web-1", "sha256:old", true, ""});
    engine_.SetTag(kImage, "sha256:new");  // the pull moved the tag
    plan_.old_container.id = kOld;
    plan_.old_container.name = "web-1";
    plan_.old_container.image = "sha256:old";
    plan_.old_container.state.running = true;
    plan_.container_name = "web-1";
    plan_.image_id = "sha256:new";
    plan_.spec.create_body = "{}";
    plan_.image_reference = kImage;
    plan_.settle_time = std::chrono::milliseconds(0);
    plan_.health_timeout = std::chrono::milliseconds(1000);
    events_.on_step = [this](Step step) { steps_.push_back(std::string(ToString(step))); };
    events_.on_checkpoint = [this](Checkpoint at) {
      checkpoints_.push_back(std::string(ToString(at)));
    };
    events_.on_log = [this](std::string_view line) { logs_.emplace_back(line); };
  }

  Result<std::string> Run(SwapOrder order) {
    plan_.order = order;
    return RunSwap(engine_, plan_, events_);
  }

  RecordingEngine engine_;
  SwapPlan plan_;
  ProgressSink events_;
  std::vector<std::string> steps_;
  std::vector<std::string> checkpoints_;
  std::vector<std::string> logs_;
};

TEST_F(SwapTest, StopFirstStopsTheOldOneThenStartsTheNewOne) {
  auto swapped = Run(SwapOrder::kStopFirst);
  ASSERT_TRUE(swapped) << swapped.error();
  EXPECT_EQ(*swapped, "new1");
  EXPECT_THAT(engine_.calls(), ElementsAre(kCreate, kStopOld, kMoveOldAside, kNameNew, kStartNew,
                                           kVerify, kRemoveOld));
  EXPECT_THAT(engine_.Containers(), ElementsAre(kNewServing));
  EXPECT_EQ(engine_.TagOf(kImage), "sha256:new");
  EXPECT_THAT(checkpoints_, ElementsAre("created", "stopped", "moved_aside", "renamed", "started"));
  EXPECT_THAT(steps_, ElementsAre("verifying"));
}

TEST_F(SwapTest, StartFirstVerifiesTheNewOneBeforeTheOldOneStops) {
  auto swapped = Run(SwapOrder::kStartFirst);
  ASSERT_TRUE(swapped) << swapped.error();
  EXPECT_EQ(*swapped, "new1");
  EXPECT_THAT(engine_.calls(), ElementsAre(kCreate, kStartNew, kVerify, kStopOld, kMoveOldAside,
                                           kNameNew, kRemoveOld));
  EXPECT_THAT(engine_.Containers(), ElementsAre(kNewServing));
  EXPECT_EQ(engine_.TagOf(kImage), "sha256:new");
  EXPECT_THAT(checkpoints_, ElementsAre("created", "started", "stopped", "moved_aside", "renamed"));
  EXPECT_THAT(steps_, ElementsAre("verifying"));
}

TEST_F(SwapTest, LaterNetworksAreConnectedBeforeTheOldContainerIsTouched) {
  plan_.spec.later_networks = {{"shop_back", "{}"}};
  ASSERT_TRUE(Run(SwapOrder::kStopFirst));
  EXPECT_THAT(engine_.calls(), ElementsAre(kCreate, "ConnectNetwork shop_back new1", kStopOld,
                                           kMoveOldAside, kNameNew, kStartNew, kVerify, kRemoveOld));
}

TEST_F(SwapTest, ALeftoverUnderTheTemporaryNameIsReplaced) {
  engine_.AddContainer({"leftover0000", kTemporary, "sha256:new", false, ""});
  ASSERT_TRUE(Run(SwapOrder::kStopFirst));
  const auto calls = engine_.calls();
  ASSERT_GE(calls.size(), 4u);
  EXPECT_THAT(std::vector<std::string>(calls.begin(), calls.begin() + 4),
              ElementsAre(kCreate, std::string("InspectContainer ") + kTemporary,
                          "RemoveContainer leftover0000 force", kCreate));
  EXPECT_THAT(engine_.Containers(), ElementsAre(kNewServing));
}

// The pull moved the tag before the swap began; a create that fails even
// after the leftover was removed still points it back, in either order.
TEST_F(SwapTest, ACreateThatFailsAfterRemovingALeftoverPointsTheTagBack) {
  for (SwapOrder order : {SwapOrder::kStopFirst, SwapOrder::kStartFirst}) {
    RecordingEngine engine;
    engine.AddContainer({kOld, "web-1", "sha256:old", true, ""});
    engine.AddContainer({"leftover0000", kTemporary, "sha256:new", false, ""});
    engine.SetTag(kImage, "sha256:new");
    engine.FailOn(kCreate, Error(ErrorCode::kConflict, "name in use", 409));
    engine.FailOn(kCreate, Error(ErrorCode::kNotFound, "No such image: sha256:new", 404));
    plan_.order = order;
    auto swapped = RunSwap(engine, plan_, events_);
    ASSERT_FALSE(swapped);
    EXPECT_EQ(swapped.error().message(), "No such image: sha256:new");
    EXPECT_FALSE(swapped.error().rolled_back());
    EXPECT_THAT(engine.calls(),
                ElementsAre(kCreate, std::string("InspectContainer ") + kTemporary,
                            "RemoveContainer leftover0000 force", kCreate, kTagBack));
    EXPECT_THAT(engine.Containers(), ElementsAre(kOldServing));
    EXPECT_EQ(engine.TagOf(kImage), "sha256:old");
  }
}

// A failed create when the tag never moved (the old container already runs
// the image) has nothing to point back.
TEST_F(SwapTest, ACreateThatFailsLeavesAnUnmovedTagAlone) {
  plan_.image_id = "sha256:old";
  engine_.SetTag(kImage, "sha256:old");
  engine_.FailOn(kCreate, Boom());
  ASSERT_FALSE(Run(SwapOrder::kStopFirst));
  EXPECT_THAT(engine_.calls(), ElementsAre(kCreate));
  EXPECT_EQ(engine_.TagOf(kImage), "sha256:old");
}

// A `docker compose up -d` run while a start-first swap verifies takes the
// two containers for one replica too many and removes the old one: the
// verified new one takes the service's name rather than being dropped too.
TEST_F(SwapTest, StartFirstTakesOverWhenTheOldContainerWasRemovedMeanwhile) {
  const std::string compose_removes_old = std::string("RemoveContainer ") + kOld + " force";
  events_.on_checkpoint = [this](Checkpoint at) {
    checkpoints_.push_back(std::string(ToString(at)));
    // Braces: ASSERT_TRUE expands to an if/else of its own.
    if (at == Checkpoint::kStarted) {
      ASSERT_TRUE(engine_.RemoveContainer(kOld, /*force=*/true));
    }
  };
  auto swapped = Run(SwapOrder::kStartFirst);
  ASSERT_TRUE(swapped) << swapped.error();
  EXPECT_EQ(*swapped, "new1");
  EXPECT_THAT(engine_.calls(),
              ElementsAre(kCreate, kStartNew, compose_removes_old, kVerify, kStopOld, kNameNew));
  EXPECT_THAT(engine_.Containers(), ElementsAre(kNewServing));
  EXPECT_EQ(engine_.TagOf(kImage), "sha256:new");
  EXPECT_THAT(checkpoints_, ElementsAre("created", "started", "renamed"));
  EXPECT_THAT(logs_, ::testing::Contains(
                         "the old container was removed by someone else; the new one takes its "
                         "name"));
}

// A failure injected at one call: the calls up to it, then the undoing.
struct FaultCase {
  const char* name;
  SwapOrder order;
  std::string failing_call;
  std::vector<std::string> calls;
  std::string error;
  bool rolled_back;
};

void PrintTo(const FaultCase& c, std::ostream* out) { *out << c.name; }

class SwapFaultTest : public SwapTest, public ::testing::WithParamInterface<FaultCase> {};

TEST_P(SwapFaultTest, UndoesWhatItDidAndTheOldContainerServes) {
  const FaultCase& c = GetParam();
  if (c.failing_call == kConnect) plan_.spec.later_networks = {{"shop_back", "{}"}};
  engine_.FailOn(c.failing_call, Boom());
  auto swapped = Run(c.order);
  ASSERT_FALSE(swapped);
  EXPECT_EQ(swapped.error().message(), c.error);
  EXPECT_EQ(swapped.error().rolled_back(), c.rolled_back);
  EXPECT_THAT(engine_.calls(), ElementsAreArray(c.calls));
  EXPECT_THAT(engine_.Containers(), ElementsAre(kOldServing));
  // Whatever failed, the tag names the image the serving container runs.
  EXPECT_EQ(engine_.TagOf(kImage), "sha256:old");
  EXPECT_EQ(std::count(steps_.begin(), steps_.end(), "rolling back"), c.rolled_back ? 1 : 0);
}

INSTANTIATE_TEST_SUITE_P(
    EveryStep, SwapFaultTest,
    ::testing::Values(
        // Nothing was made, but the pull had moved the tag.
        FaultCase{"StopFirstCreate", SwapOrder::kStopFirst, kCreate, {kCreate, kTagBack}, "boom",
                  false},
        FaultCase{"StopFirstConnect", SwapOrder::kStopFirst, kConnect,
                  {kCreate, kConnect, kRemoveNew, kTagBack}, "connect network shop_back: boom",
                  false},
        FaultCase{"StopFirstStop", SwapOrder::kStopFirst, kStopOld,
                  {kCreate, kStopOld, kRemoveNew, kTagBack, kStartOld},
                  "stop the old container: boom", false},
        FaultCase{"StopFirstMoveAside", SwapOrder::kStopFirst, kMoveOldAside,
                  {kCreate, kStopOld, kMoveOldAside, kRemoveNew, kTagBack, kStartOld},
                  "rename the old container: boom; rolled back to the old container", true},
        FaultCase{"StopFirstRenameNew", SwapOrder::kStopFirst, kNameNew,
                  {kCreate, kStopOld, kMoveOldAside, kNameNew, kRemoveNew, kNameOldBack, kTagBack,
                   kStartOld},
                  "rename the new container: boom; rolled back to the old container", true},
        FaultCase{"StopFirstStart", SwapOrder::kStopFirst, kStartNew,
                  {kCreate, kStopOld, kMoveOldAside, kNameNew, kStartNew, kRemoveNew, kNameOldBack,
                   kTagBack, kStartOld},
                  "start the new container: boom; rolled back to the old container", true},
        FaultCase{"StopFirstVerify", SwapOrder::kStopFirst, kVerify,
                  {kCreate, kStopOld, kMoveOldAside, kNameNew, kStartNew, kVerify, kRemoveNew,
                   kNameOldBack, kTagBack, kStartOld},
                  "boom; rolled back to the old container", true},
        FaultCase{"StartFirstCreate", SwapOrder::kStartFirst, kCreate, {kCreate, kTagBack}, "boom",
                  false},
        FaultCase{"StartFirstConnect", SwapOrder::kStartFirst, kConnect,
                  {kCreate, kConnect, kRemoveNew, kTagBack}, "connect network shop_back: boom",
                  false},
        FaultCase{"StartFirstStart", SwapOrder::kStartFirst, kStartNew,
                  {kCreate, kStartNew, kRemoveNew, kTagBack}, "start the new container: boom",
                  false},
        FaultCase{"StartFirstVerify", SwapOrder::kStartFirst, kVerify,
                  {kCreate, kStartNew, kVerify, kRemoveNew, kTagBack},
                  "boom; the old container kept running", false},
        FaultCase{"StartFirstStop", SwapOrder::kStartFirst, kStopOld,
                  {kCreate, kStartNew, kVerify, kStopOld, kRemoveNew, kTagBack, kStartOld},
                  "stop the old container: boom", false},
        FaultCase{"StartFirstMoveAside", SwapOrder::kStartFirst, kMoveOldAside,
                  {kCreate, kStartNew, kVerify, kStopOld, kMoveOldAside, kRemoveNew, kTagBack,
                   kStartOld},
                  "rename the old container: boom; rolled back to the old container", true},
        FaultCase{"StartFirstRenameNew", SwapOrder::kStartFirst, kNameNew,
                  {kCreate, kStartNew, kVerify, kStopOld, kMoveOldAside, kNameNew, kRemoveNew,
                   kNameOldBack, kTagBack, kStartOld},
                  "rename the new container: boom; rolled back to the old container", true}),
    [](const auto& info) { return std::string(info.param.name); });

TEST_F(SwapTest, ANewContainerThatExitsIsRolledBack) {
  engine_.SetNewContainerBehaviour({.exits_at_start = true});
  auto swapped = Run(SwapOrder::kStopFirst);
  ASSERT_FALSE(swapped);
  EXPECT_EQ(swapped.error().message(),
            "the new container stopped right after start (exit code 3); rolled back to the old "
            "container");
  EXPECT_TRUE(swapped.error().rolled_back());
  EXPECT_THAT(engine_.calls(), ElementsAre(kCreate, kStopOld, kMoveOldAside, kNameNew, kStartNew,
                                           kVerify, kRemoveNew, kNameOldBack, kTagBack, kStartOld));
  EXPECT_THAT(engine_.Containers(), ElementsAre(kOldServing));
}

TEST_F(SwapTest, AnUnhealthyNewContainerIsDroppedBeforeTheOldOneIsTouched) {
  engine_.SetNewContainerBehaviour({.health = "unhealthy"});
  auto swapped = Run(SwapOrder::kStartFirst);
  ASSERT_FALSE(swapped);
  EXPECT_EQ(swapped.error().message(),
            "the new container is unhealthy; the old container kept running");
  EXPECT_FALSE(swapped.error().rolled_back());
  EXPECT_THAT(engine_.calls(), ElementsAre(kCreate, kStartNew, kVerify, kRemoveNew, kTagBack));
  EXPECT_THAT(engine_.Containers(), ElementsAre(kOldServing));
}

TEST_F(SwapTest, AnOldContainerThatCannotBeRemovedLeavesTheDeployStanding) {
  engine_.FailOn(kRemoveOld, Boom());
  auto swapped = Run(SwapOrder::kStopFirst);
  ASSERT_TRUE(swapped) << swapped.error();
  EXPECT_THAT(engine_.calls(), ElementsAre(kCreate, kStopOld, kMoveOldAside, kNameNew, kStartNew,
                                           kVerify, kRemoveOld));
  EXPECT_THAT(engine_.Containers(),
              ElementsAre(std::string(kAside) + " " + kOld + " stopped", kNewServing));
  EXPECT_THAT(logs_, ::testing::Contains("could not remove the old container: boom"));
}

TEST_F(SwapTest, AnAbortRightAfterCreateAbandonsTheSwap) {
  events_.should_abort = [this] { return !checkpoints_.empty(); };
  auto swapped = Run(SwapOrder::kStopFirst);
  ASSERT_FALSE(swapped);
  EXPECT_EQ(swapped.error().message(), "the hook was stopping; nothing on the host changed");
  EXPECT_FALSE(swapped.error().rolled_back());
  EXPECT_THAT(engine_.calls(), ElementsAre(kCreate, kRemoveNew, kTagBack));
  EXPECT_THAT(engine_.Containers(), ElementsAre(kOldServing));
  EXPECT_EQ(engine_.TagOf(kImage), "sha256:old");
}

TEST_F(SwapTest, AnAbortAfterTheStopRollsBack) {
  events_.should_abort = [this] { return checkpoints_.size() >= 2; };  // created, stopped
  auto swapped = Run(SwapOrder::kStopFirst);
  ASSERT_FALSE(swapped);
  EXPECT_EQ(swapped.error().message(), "the hook was stopping; rolled back to the old container");
  EXPECT_TRUE(swapped.error().rolled_back());
  EXPECT_THAT(engine_.calls(), ElementsAre(kCreate, kStopOld, kRemoveNew, kTagBack, kStartOld));
  EXPECT_THAT(engine_.Containers(), ElementsAre(kOldServing));
}

TEST_F(SwapTest, AnAbortWhileStartFirstVerifiesAbandonsTheSwap) {
  events_.should_abort = [this] { return checkpoints_.size() >= 2; };  // created, started
  auto swapped = Run(SwapOrder::kStartFirst);
  ASSERT_FALSE(swapped);
  EXPECT_EQ(swapped.error().message(), "the hook was stopping");
  EXPECT_FALSE(swapped.error().rolled_back());
  EXPECT_THAT(engine_.calls(), ElementsAre(kCreate, kStartNew, kRemoveNew, kTagBack));
  EXPECT_THAT(engine_.Containers(), ElementsAre(kOldServing));
}

TEST_F(SwapTest, ARollbackThatCannotRestartTheOldContainerSaysSo) {
  engine_.FailOn(kStartNew, Boom());
  engine_.FailOn(kStartOld, Error(ErrorCode::kInternal, "no space left", 500));
  auto swapped = Run(SwapOrder::kStopFirst);
  ASSERT_FALSE(swapped);
  EXPECT_EQ(swapped.error().message(),
            "start the new container: boom; the rollback failed: could not restart the old "
            "container (no space left); left: the old container as web-1, stopped");
  EXPECT_FALSE(swapped.error().rolled_back());
  EXPECT_EQ(swapped.error().code(), ErrorCode::kInternal);
  EXPECT_THAT(engine_.calls(), ElementsAre(kCreate, kStopOld, kMoveOldAside, kNameNew, kStartNew,
                                           kRemoveNew, kNameOldBack, kTagBack, kStartOld));
  EXPECT_THAT(engine_.Containers(), ElementsAre(std::string("web-1 ") + kOld + " stopped"));
}

TEST_F(SwapTest, ARollbackThatCannotRemoveTheNewContainerSaysWhatIsLeft) {
  engine_.SetNewContainerBehaviour({.health = "unhealthy"});
  engine_.FailOn(kRemoveNew, Error(ErrorCode::kConflict, "removal in progress", 409));
  auto swapped = Run(SwapOrder::kStopFirst);
  ASSERT_FALSE(swapped);
  EXPECT_EQ(swapped.error().message(),
            "the new container is unhealthy; the rollback failed: could not remove the new "
            "container (removal in progress), could not give the old container its name back "
            "(Conflict. The container name \"/web-1\" is already in use); left: the new "
            "container new1 as web-1, the old container as aaaaaaaaaaaa_old_web-1, running");
  EXPECT_FALSE(swapped.error().rolled_back());
  EXPECT_THAT(engine_.calls(), ElementsAre(kCreate, kStopOld, kMoveOldAside, kNameNew, kStartNew,
                                           kVerify, kRemoveNew, kNameOldBack, kTagBack, kStartOld));
}

TEST_F(SwapTest, AnAbandonThatCannotRestartTheOldContainerSaysSo) {
  engine_.FailOn(kStopOld, Boom());
  engine_.FailOn(kStartOld, Error(ErrorCode::kInternal, "no space left", 500));
  auto swapped = Run(SwapOrder::kStopFirst);
  ASSERT_FALSE(swapped);
  EXPECT_EQ(swapped.error().message(),
            "stop the old container: boom; the cleanup failed: could not restart the old "
            "container (no space left); left: the old container as web-1, running");
  EXPECT_FALSE(swapped.error().rolled_back());
}

TEST_F(SwapTest, ContextKeepsTheRolledBackFlag) {
  EXPECT_TRUE(Error(ErrorCode::kInternal, "x").RolledBack().WithContext("swap").rolled_back());
  EXPECT_FALSE(Error(ErrorCode::kInternal, "x").WithContext("swap").rolled_back());
}

}  // namespace
}  // namespace deliveryhook::deploy
