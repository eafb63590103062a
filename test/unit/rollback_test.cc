// Rollbacks: the deploy history a job records (JobStore::History, the
// database's migration), which image jobs::ChooseRollback picks, and POST
// /rollback's answers.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>
#include <map>

#include "deliveryhook/jobs/job_json.h"
#include "deliveryhook/jobs/job_store.h"
#include "deliveryhook/jobs/rollback.h"
#include "deploy/image_pin.h"
#include "handler_harness.h"
#include "signed_request.h"
#include "trigger_request.h"

namespace deliveryhook::jobs {
namespace {

const std::string kRepo = "127.0.0.1:5000/app";
std::string Digest(char c) { return "sha256:" + std::string(64, c); }
std::string RepoDigest(char c) { return kRepo + "@" + Digest(c); }

// A succeeded deploy of app/web that replaced image `from` by `to` (ids
// "id-<c>", digests of 64 times <c>; ' ' for none).
Job Deploy(const std::string& id, char from, char to) {
  Job job;
  job.id = id;
  job.action = "pull";
  job.project = "app";
  job.service = "web";
  job.state = JobState::kSucceeded;
  job.image_id = std::string("id-") + to;
  job.repo_digest = to == ' ' ? "" : RepoDigest(to);
  job.previous_image_id = std::string("id-") + from;
  job.previous_repo_digest = from == ' ' ? "" : RepoDigest(from);
  return job;
}

const std::string kJobA(32, 'a');
const std::string kJobB(32, 'b');
const std::string kJobC(32, 'c');

TEST(ChooseRollbackTest, WithoutTargetPutsBackWhatTheLastChangingDeployReplaced) {
  // Newest first: an unchanged redeploy of 2, then 1 -> 2, then 0 -> 1.
  const std::vector<Job> history = {Deploy(kJobC, '2', '2'), Deploy(kJobB, '1', '2'),
                                    Deploy(kJobA, '0', '1')};
  auto pin = ChooseRollback("app", "web", history, "");
  ASSERT_TRUE(pin) << pin.error().message();
  EXPECT_EQ(pin->image, RepoDigest('1'));
  EXPECT_EQ(pin->digest, Digest('1'));
  EXPECT_EQ(pin->job_id, kJobB);
}

TEST(ChooseRollbackTest, NoEarlierImageIsAConflict) {
  for (const std::vector<Job>& history :
       {std::vector<Job>{}, std::vector<Job>{Deploy(kJobA, '1', '1')}}) {
    auto pin = ChooseRollback("app", "web", history, "");
    ASSERT_FALSE(pin);
    EXPECT_EQ(pin.error().code(), ErrorCode::kFailedPrecondition);
    EXPECT_EQ(pin.error().message(),
              "no earlier image of app/web is known: its job history has no succeeded deploy "
              "that replaced one");
  }
  Job old = Deploy(kJobA, '1', '2');
  old.previous_image_id.clear();  // recorded by an older hook
  EXPECT_FALSE(ChooseRollback("app", "web", {old}, ""));
}

TEST(ChooseRollbackTest, AnEarlierImageWithoutDigestCannotBePinned) {
  auto pin = ChooseRollback("app", "web", {Deploy(kJobA, ' ', '2')}, "");
  ASSERT_FALSE(pin);
  EXPECT_EQ(pin.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(pin.error().message(), "the image app/web ran before job " + kJobA +
                                       " has no registry digest; name one with \"to\"");
}

TEST(ChooseRollbackTest, ToADigestTheServiceRan) {
  const std::vector<Job> history = {Deploy(kJobB, '1', '2'), Deploy(kJobA, '0', '1')};
  for (const std::string& to : {Digest('0'), RepoDigest('0')}) {
    auto pin = ChooseRollback("app", "web", history, to);
    ASSERT_TRUE(pin) << to << ": " << pin.error().message();
    EXPECT_EQ(pin->image, RepoDigest('0'));
    EXPECT_EQ(pin->digest, Digest('0'));
    EXPECT_EQ(pin->job_id, kJobA);
  }
  auto newest = ChooseRollback("app", "web", history, Digest('2'));
  ASSERT_TRUE(newest);
  EXPECT_EQ(newest->job_id, kJobB);

  auto unknown = ChooseRollback("app", "web", history, Digest('9'));
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(unknown.error().message(), "\"to\": " + Digest('9') +
                                           " is not an image that app/web ran, as far as its "
                                           "job history goes");
  // The digest, but of another repository.
  auto elsewhere = ChooseRollback("app", "web", history, "other/app@" + Digest('0'));
  ASSERT_FALSE(elsewhere);
  EXPECT_EQ(elsewhere.error().code(), ErrorCode::kNotFound);
}

TEST(ChooseRollbackTest, ToAJobOfTheService) {
  const std::vector<Job> history = {Deploy(kJobB, '1', '2'), Deploy(kJobA, '0', '1')};
  auto pin = ChooseRollback("app", "web", history, kJobA);
  ASSERT_TRUE(pin) << pin.error().message();
  EXPECT_EQ(pin->image, RepoDigest('1'));  // what job A left running
  EXPECT_EQ(pin->job_id, kJobA);

  auto unknown = ChooseRollback("app", "web", history, kJobC);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(unknown.error().message(),
            "\"to\": no succeeded deploy of app/web has the job id " + kJobC);

  auto built = ChooseRollback("app", "web", {Deploy(kJobA, '0', ' ')}, kJobA);
  ASSERT_FALSE(built);
  EXPECT_EQ(built.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(built.error().message(),
            "job " + kJobA + " left an image without a registry digest; it cannot be pinned");
}

TEST(ChooseRollbackTest, ABadTargetIsInvalid) {
  const std::string message =
      "\"to\" must be a digest \"sha256:<64 hex>\", an image \"<repository>@sha256:<64 hex>\" "
      "or a job id (32 hex digits)";
  for (const std::string& to :
       {std::string("latest"), std::string("sha256:abc"), "sha256:" + std::string(64, 'A'),
        std::string(31, 'a'), std::string(32, 'g'), "@" + Digest('1'), "Bad Repo@" + Digest('1'),
        kRepo + ":v1", std::string(600, 'a') + "@" + Digest('1')}) {
    EXPECT_EQ(CheckRollbackTarget(to).error().message(), message) << to;
    auto pin = ChooseRollback("app", "web", {Deploy(kJobA, '0', '1')}, to);
    ASSERT_FALSE(pin) << to;
    EXPECT_EQ(pin.error().code(), ErrorCode::kInvalidArgument) << to;
    EXPECT_EQ(pin.error().message(), message);
  }
  EXPECT_TRUE(CheckRollbackTarget(""));
  EXPECT_TRUE(CheckRollbackTarget(kJobA));
  EXPECT_TRUE(CheckRollbackTarget(Digest('1')));
  EXPECT_TRUE(CheckRollbackTarget(RepoDigest('1')));
}

TEST(JobHistoryTest, TheSucceededDeploysOfOneServiceNewestFirst) {
  JobStore store;
  std::vector<std::string> succeeded;
  for (int i = 0; i < 5; ++i) {
    Job job = store.Create({.action = "pull", .container_name = "web", .project = "app",
                            .service = "web"});
    store.Update(job.id, [&](Job& j) {
      j.state = i == 2 ? JobState::kRolledBack : JobState::kSucceeded;
      j.repo_digest = RepoDigest(static_cast<char>('0' + i));
    });
    if (i != 2) succeeded.insert(succeeded.begin(), job.id);
    Job other = store.Create({.action = "pull", .container_name = "db", .project = "app",
                              .service = "db"});
    store.Update(other.id, [](Job& j) { j.state = JobState::kSucceeded; });
  }
  store.Create({.action = "pull", .container_name = "web", .project = "app", .service = "web"});
  std::vector<std::string> ids;
  for (const Job& job : store.History("app", "web", 10)) ids.push_back(job.id);
  EXPECT_EQ(ids, succeeded);
  ASSERT_EQ(store.History("app", "web", 2).size(), 2u);
  EXPECT_EQ(store.History("app", "web", 2)[0].repo_digest, RepoDigest('4'));
  EXPECT_TRUE(store.History("other", "web", 10).empty());
}

TEST(JobJsonTest, ShowsWhatTheDeployReplaced) {
  Job job = Deploy(kJobA, '1', '2');
  rapidjson::Document json;
  json.Parse(ToJson(job).c_str());
  EXPECT_EQ(std::string(json["repo_digest"].GetString()), RepoDigest('2'));
  EXPECT_EQ(std::string(json["previous_image_id"].GetString()), "id-1");
  EXPECT_EQ(std::string(json["previous_repo_digest"].GetString()), RepoDigest('1'));
  json.Parse(ToJson(Job{}).c_str());
  EXPECT_FALSE(json.HasMember("repo_digest"));
  json.Parse(ToJson(Job{}, {.fixed_schema = true}).c_str());
  EXPECT_EQ(std::string(json["previous_repo_digest"].GetString()), "");
}

class JobDatabaseMigrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/jobmigration-XXXXXX";
    dir_ = mkdtemp(pattern);
    path_ = dir_ + "/jobs.sqlite3";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_, path_;
};

TEST_F(JobDatabaseMigrationTest, ADatabaseOfAnOlderHookKeepsItsHistoryAndGainsTheColumns) {
  // The first release's table, with one succeeded job in it.
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    const char* old_schema = R"sql(
      CREATE TABLE jobs (id TEXT PRIMARY KEY, token TEXT NOT NULL, action TEXT NOT NULL,
        container_name TEXT NOT NULL, project TEXT NOT NULL, service TEXT NOT NULL,
        state TEXT NOT NULL, step TEXT NOT NULL, error TEXT NOT NULL, image_id TEXT NOT NULL,
        container_id TEXT NOT NULL, created_at INTEGER NOT NULL, started_at INTEGER NOT NULL,
        finished_at INTEGER NOT NULL, log TEXT NOT NULL);
      INSERT INTO jobs VALUES ('old1', 'tok', 'pull', 'web', 'app', 'web', 'succeeded', 'done',
        '', 'sha256:old', 'c1', strftime('%s', 'now') * 1000, 0, 0, 'a line
');)sql";
    ASSERT_EQ(sqlite3_exec(db, old_schema, nullptr, nullptr, nullptr), SQLITE_OK)
        << sqlite3_errmsg(db);
    sqlite3_close(db);
  }
  std::string new_id;
  {
    JobStore store;
    ASSERT_TRUE(store.Persist(path_, std::chrono::hours(24)).ok());
    auto old = store.Get("old1");
    ASSERT_TRUE(old.has_value());
    EXPECT_EQ(old->image_id, "sha256:old");
    EXPECT_EQ(old->log, std::vector<std::string>{"a line"});
    EXPECT_EQ(old->previous_image_id, "");
    EXPECT_EQ(old->repo_digest, "");
    ASSERT_EQ(store.History("app", "web", 10).size(), 1u);
    // Without what it replaced, the old job is no rollback point.
    EXPECT_EQ(ChooseRollback("app", "web", store.History("app", "web", 10), "").error().code(),
              ErrorCode::kFailedPrecondition);
    Job job = store.Create({.action = "pull", .container_name = "web", .project = "app",
                            .service = "web"});
    new_id = job.id;
    store.Update(job.id, [](Job& j) {
      j.state = JobState::kSucceeded;
      j.image_id = "id-2";
      j.repo_digest = RepoDigest('2');
      j.previous_image_id = "sha256:old";
      j.previous_repo_digest = RepoDigest('1');
    });
  }
  JobStore reopened;
  ASSERT_TRUE(reopened.Persist(path_, std::chrono::hours(24)).ok());
  auto history = reopened.History("app", "web", 10);
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[0].id, new_id);
  EXPECT_EQ(history[0].repo_digest, RepoDigest('2'));
  EXPECT_EQ(history[0].previous_image_id, "sha256:old");
  EXPECT_EQ(history[0].previous_repo_digest, RepoDigest('1'));
  EXPECT_EQ(history[1].id, "old1");
  auto pin = ChooseRollback("app", "web", history, "");
  ASSERT_TRUE(pin);
  EXPECT_EQ(pin->image, RepoDigest('1'));
}

}  // namespace
}  // namespace deliveryhook::jobs

namespace deliveryhook::app {
namespace {

using deliveryhook::Error;
using deliveryhook::Result;
using deliveryhook::deploy::Action;
using deliveryhook::deploy::DeployOutcome;
using deliveryhook::deploy::Target;
using deliveryhook::deploy::TargetSelector;
using deliveryhook::jobs::Digest;
using deliveryhook::jobs::RepoDigest;

constexpr char kSecret[] = "test-secret";
constexpr std::int64_t kNow = 1800000000;

// An engine with one service, app/web, whose registry tag moves: each
// unpinned pull brings the next image ('1', '2', ...); a pinned one the
// digest it names.
struct FakeService {
  char running = '0';
  char next = '1';
  std::vector<std::string> deployed;  // "pull 127.0.0.1:5000/app@sha256:..."
};

DeployBackend ServiceBackend(FakeService* service) {
  DeployBackend backend;
  backend.resolve = [](const TargetSelector& selector) -> Result<Target> {
    if (selector.container_name != "web" && selector.service != "web") {
      return Error(ErrorCode::kNotFound, "no container named \"" + selector.container_name + "\"");
    }
    if (!selector.image.empty()) {
      auto same = deliveryhook::deploy::CheckSameRepository("127.0.0.1:5000/app:latest",
                                                            selector.image);
      if (!same) return same.error();
    }
    Target target;
    target.container_id = "0123456789abcdef";
    target.container_name = "web";
    target.project = "app";
    target.service = "web";
    target.image = selector.image;
    target.digest = selector.digest;
    return target;
  };
  backend.deploy = [service](const Target& target, Action action,
                             const deliveryhook::deploy::ProgressSink&) -> Result<DeployOutcome> {
    service->deployed.push_back(std::string(ToString(action)) + " " + target.image);
    const char before = service->running;
    if (target.image.empty()) {
      service->running = service->next++;
    } else {
      service->running = target.digest.back();
    }
    auto id = [](char c) { return std::string("sha256:id") + c; };
    return DeployOutcome{"c", id(service->running), RepoDigest(service->running), id(before),
                         RepoDigest(before)};
  };
  return backend;
}

class RollbackHandlerTest : public ::testing::Test {
 protected:
  HandlerHarness MakeHandler() {
    auto verifier = std::make_shared<deliveryhook::webhook::SignatureVerifier>(
        kSecret, deliveryhook::webhook::VerifierOptions{}, [] { return kNow; });
    return HandlerHarness(verifier, ServiceBackend(&service_), {.max_body_bytes = 1024});
  }

  // Each request a new timestamp, so none is a replay of another.
  IncomingRequest Signed(const std::string& path, const std::string& body) {
    IncomingRequest request = test_support::SignedPost(path, body, kSecret, kNow - 100 + sent_++);
    request.query["wait"] = "10";
    return request;
  }

  static rapidjson::Document JsonOf(const Reply& reply) {
    rapidjson::Document json;
    json.Parse(reply.body.c_str());
    return json;
  }
  static std::string ErrorOf(const Reply& reply) {
    auto json = JsonOf(reply);
    return json.IsObject() && json.HasMember("error") ? json["error"].GetString() : "<none>";
  }

  void Pull(HandlerHarness& handler) {
    Reply reply = handler.Handle(Signed("/pull", R"({"container_name": "web"})"));
    ASSERT_EQ(reply.status, 200) << reply.body;
  }

  FakeService service_;
  int sent_ = 0;
};

TEST_F(RollbackHandlerTest, PutsBackTheImageTheLastDeployReplaced) {
  auto handler = MakeHandler();
  Pull(handler);  // 0 -> 1
  Pull(handler);  // 1 -> 2
  Reply reply = handler.Handle(Signed("/rollback", R"({"container_name": "web"})"));
  ASSERT_EQ(reply.status, 200) << reply.body;
  auto job = JsonOf(reply);
  EXPECT_EQ(std::string(job["action"].GetString()), "rollback");
  EXPECT_EQ(std::string(job["state"].GetString()), "succeeded");
  EXPECT_EQ(std::string(job["image"].GetString()), RepoDigest('1'));
  EXPECT_EQ(std::string(job["digest"].GetString()), Digest('1'));
  EXPECT_EQ(std::string(job["repo_digest"].GetString()), RepoDigest('1'));
  EXPECT_EQ(std::string(job["previous_repo_digest"].GetString()), RepoDigest('2'));
  EXPECT_EQ(service_.deployed.back(), "pull " + RepoDigest('1'));
  EXPECT_EQ(service_.running, '1');
  // A rollback is a deploy too: the next one undoes it.
  reply = handler.Handle(Signed("/rollback", R"({"project": "app", "service": "web"})"));
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(service_.running, '2');
}

TEST_F(RollbackHandlerTest, ToADigestOrAJob) {
  auto handler = MakeHandler();
  Pull(handler);  // 0 -> 1
  Reply second = handler.Handle(Signed("/pull", R"({"container_name": "web"})"));  // 1 -> 2
  ASSERT_EQ(second.status, 200);
  const std::string second_job = JsonOf(second)["job_id"].GetString();
  Pull(handler);  // 2 -> 3
  Reply reply = handler.Handle(
      Signed("/rollback", R"({"container_name": "web", "to": ")" + Digest('0') + "\"}"));
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(service_.running, '0');
  reply = handler.Handle(
      Signed("/rollback", R"({"container_name": "web", "to": ")" + second_job + "\"}"));
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(service_.running, '2');
}

TEST_F(RollbackHandlerTest, WithoutQueryItAnswers202RollingBack) {
  auto handler = MakeHandler();
  Pull(handler);
  IncomingRequest request = Signed("/rollback", R"({"container_name": "web"})");
  request.query.clear();
  Reply reply = handler.Handle(request);
  ASSERT_EQ(reply.status, 202) << reply.body;
  auto json = JsonOf(reply);
  EXPECT_EQ(std::string(json["message"].GetString()), "rolling back");
  const std::string job_id = json["job_id"].GetString();
  auto final = handler.store().WaitUntilFinal(job_id, std::chrono::seconds(10));
  ASSERT_TRUE(final.has_value());
  EXPECT_EQ(final->action, "rollback");
  EXPECT_EQ(service_.running, '0');
}

TEST_F(RollbackHandlerTest, RefusalsChangeNothing) {
  auto handler = MakeHandler();
  // Nothing deployed yet: nothing to go back to.
  Reply reply = handler.Handle(Signed("/rollback", R"({"container_name": "web"})"));
  EXPECT_EQ(reply.status, 409);
  EXPECT_EQ(ErrorOf(reply),
            "no earlier image of app/web is known: its job history has no succeeded deploy that "
            "replaced one");
  Pull(handler);
  const std::size_t deploys = service_.deployed.size();
  const std::map<std::string, std::pair<int, std::string>> refused = {
      {R"({"container_name": "nope"})", {404, "no container named \"nope\""}},
      {R"({"container_name": "web", "to": ")" + Digest('9') + "\"}",
       {404, "\"to\": " + Digest('9') +
                 " is not an image that app/web ran, as far as its job history goes"}},
      {R"({"container_name": "web", "to": ")" + std::string(32, 'e') + "\"}",
       {404, "\"to\": no succeeded deploy of app/web has the job id " + std::string(32, 'e')}},
      {R"({"container_name": "web", "to": "latest"})",
       {400, "\"to\" must be a digest \"sha256:<64 hex>\", an image "
             "\"<repository>@sha256:<64 hex>\" or a job id (32 hex digits)"}},
      {R"({"container_name": "web", "to": 5})", {400, "\"to\" must be a non-empty string"}},
      {R"({"container_name": "web", "to": ""})", {400, "\"to\" must be a non-empty string"}},
      {R"({"container_name": "web", "image": "127.0.0.1:5000/app:v1"})",
       {400, "\"image\" and \"digest\" are for /pull only"}},
      {R"({"to": ")" + Digest('0') + "\"}",
       {400, "body must name either \"container_name\" or both \"project\" and \"service\""}},
  };
  for (const auto& [body, expected] : refused) {
    Reply answer = handler.Handle(Signed("/rollback", body));
    EXPECT_EQ(answer.status, expected.first) << body << ": " << answer.body;
    EXPECT_EQ(ErrorOf(answer), expected.second) << body;
  }
  // A bad signature.
  IncomingRequest forged = Signed("/rollback", R"({"container_name": "web"})");
  forged.headers["x-signature"] = std::string(64, '0');
  EXPECT_EQ(handler.Handle(forged).status, 401);
  EXPECT_EQ(service_.deployed.size(), deploys);
  EXPECT_EQ(service_.running, '1');
}

TEST(RollbackRequestTest, ParsesTo) {
  EXPECT_EQ(*ParseRollbackTo(R"({"container_name": "web"})"), "");
  EXPECT_EQ(*ParseRollbackTo(R"({"container_name": "web", "to": ")" + Digest('1') + "\"}"),
            Digest('1'));
  EXPECT_EQ(ParseRollbackTo(R"({"to": null})").error().message(),
            "\"to\" must be a non-empty string");
}

}  // namespace
}  // namespace deliveryhook::app
