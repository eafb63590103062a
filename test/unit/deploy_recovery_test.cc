// Crash recovery through an engine in memory: what the hook, killed at each
// checkpoint of a swap, finds at its next start, and the exact Engine calls
// that put the service back to one container under its name, running.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "deliveryhook/deploy/deployer.h"
#include "unit/fake_engine_api.h"

namespace deliveryhook::deploy {
namespace {

using ::testing::ElementsAre;
using testing::RecordingEngine;

constexpr const char* kOld = "aaaaaaaaaaaa0000";
constexpr const char* kTemporary = "aaaaaaaaaaaa_web-1";
constexpr const char* kAside = "aaaaaaaaaaaa_old_web-1";
constexpr const char* kImage = "127.0.0.1:5000/app:latest";

class RecoveryTest : public ::testing::Test {
 protected:
  RecoveryTest() { engine_.SetTag(kImage, "sha256:new"); }  // the deploy moved the tag

  void Old(const std::string& name, bool running) {
    engine_.AddContainer({kOld, name, "sha256:old", running, "", kImage});
  }
  void New(const std::string& name, bool running) {
    engine_.AddContainer({"bbbbbbbbbbbb0000", name, "sha256:new", running, "", kImage});
  }

  RecordingEngine engine_;
  Deployer deployer_{engine_, {}};
};

// Killed after "moved_aside" (stop-first): old stopped aside, new never started.
TEST_F(RecoveryTest, AnOldContainerSetAsideGetsItsNameBack) {
  Old(kAside, false);
  New(kTemporary, false);
  auto repairs = deployer_.RecoverInterrupted();
  ASSERT_TRUE(repairs) << repairs.error();
  EXPECT_THAT(*repairs, ElementsAre("restored the previous container of web-1",
                                    "pointed the image tag of web-1 back at the image it runs"));
  EXPECT_THAT(engine_.calls(),
              ElementsAre("ListContainers", "RemoveContainer bbbbbbbbbbbb0000 force",
                          std::string("RenameContainer ") + kOld + " web-1",
                          std::string("StartContainer ") + kOld,
                          std::string("InspectContainer ") + kOld,
                          std::string("InspectImage ") + kImage,
                          std::string("TagImage sha256:old ") + kImage, "ListContainers"));
  EXPECT_THAT(engine_.Containers(), ElementsAre(std::string("web-1 ") + kOld + " running"));
  EXPECT_EQ(engine_.TagOf(kImage), "sha256:old");
}

// Killed after "started" (stop-first): the new container runs under the name.
TEST_F(RecoveryTest, ANewContainerRunningUnderTheNameStays) {
  Old(kAside, false);
  New("web-1", true);
  auto repairs = deployer_.RecoverInterrupted();
  ASSERT_TRUE(repairs) << repairs.error();
  EXPECT_THAT(*repairs, ElementsAre("removed the replaced container of web-1"));
  EXPECT_THAT(engine_.calls(), ElementsAre("ListContainers",
                                           std::string("RemoveContainer ") + kOld + " force",
                                           "ListContainers"));
  EXPECT_THAT(engine_.Containers(), ElementsAre("web-1 bbbbbbbbbbbb0000 running"));
  EXPECT_EQ(engine_.TagOf(kImage), "sha256:new");
}

// Killed after "stopped" (stop-first): old stopped under its name.
TEST_F(RecoveryTest, AStoppedOldContainerIsStartedAgain) {
  Old("web-1", false);
  New(kTemporary, false);
  auto repairs = deployer_.RecoverInterrupted();
  ASSERT_TRUE(repairs) << repairs.error();
  EXPECT_THAT(*repairs, ElementsAre("removed an unfinished replacement of web-1",
                                    "restarted web-1",
                                    "pointed the image tag of web-1 back at the image it runs"));
  EXPECT_THAT(engine_.calls(),
              ElementsAre("ListContainers", "ListContainers",
                          "RemoveContainer bbbbbbbbbbbb0000 force",
                          std::string("StartContainer ") + kOld,
                          std::string("InspectContainer ") + kOld,
                          std::string("InspectImage ") + kImage,
                          std::string("TagImage sha256:old ") + kImage));
  EXPECT_THAT(engine_.Containers(), ElementsAre(std::string("web-1 ") + kOld + " running"));
  EXPECT_EQ(engine_.TagOf(kImage), "sha256:old");
}

// Killed after "started" (start-first): both run, the new one under the
// temporary name, unverified.
TEST_F(RecoveryTest, AnUnverifiedStartFirstContainerIsDropped) {
  Old("web-1", true);
  New(kTemporary, true);
  auto repairs = deployer_.RecoverInterrupted();
  ASSERT_TRUE(repairs) << repairs.error();
  EXPECT_THAT(*repairs, ElementsAre("removed an unfinished replacement of web-1",
                                    "pointed the image tag of web-1 back at the image it runs"));
  EXPECT_THAT(engine_.calls(),
              ElementsAre("ListContainers", "ListContainers",
                          "RemoveContainer bbbbbbbbbbbb0000 force",
                          std::string("InspectContainer ") + kOld,
                          std::string("InspectImage ") + kImage,
                          std::string("TagImage sha256:old ") + kImage));
  EXPECT_THAT(engine_.Containers(), ElementsAre(std::string("web-1 ") + kOld + " running"));
}

TEST_F(RecoveryTest, ARepairThatFailsIsReportedAndTheOthersGoOn) {
  Old(kAside, false);
  New(kTemporary, false);
  engine_.AddContainer({"cccccccccccc0000", "cccccccccccc_old_db-1", "sha256:db", false, "", ""});
  engine_.FailOn(std::string("RenameContainer ") + kOld + " web-1",
                 Error(ErrorCode::kInternal, "boom", 500));
  auto repairs = deployer_.RecoverInterrupted();
  ASSERT_TRUE(repairs) << repairs.error();
  EXPECT_THAT(*repairs, ElementsAre("could not recover web-1: boom",
                                    "restored the previous container of db-1"));
  EXPECT_THAT(engine_.Containers(),
              ElementsAre(std::string(kAside) + " " + kOld + " stopped",
                          "db-1 cccccccccccc0000 running"));
}

TEST_F(RecoveryTest, NothingToRepairMakesNoChange) {
  Old("web-1", true);
  auto repairs = deployer_.RecoverInterrupted();
  ASSERT_TRUE(repairs) << repairs.error();
  EXPECT_TRUE(repairs->empty());
  EXPECT_THAT(engine_.calls(), ElementsAre("ListContainers", "ListContainers"));
}

}  // namespace
}  // namespace deliveryhook::deploy
