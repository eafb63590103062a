// The operator's page (app/ui/): cookies, form bodies, sessions, the read
// scope, the login, the asset routing and the refusal counts, with exact
// answers.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "deliveryhook/webhook/keys.h"
#include "config.h"
#include "handler_harness.h"
#include "signed_request.h"
#include "ui/refusals.h"
#include "ui/sessions.h"
#include "ui/ui.h"
#include "webhook_handler.h"

namespace deliveryhook::app {
namespace {

using deliveryhook::Result;
using deliveryhook::deploy::Action;
using deliveryhook::deploy::DeployOutcome;
using deliveryhook::deploy::Target;
using deliveryhook::deploy::TargetSelector;
using deliveryhook::webhook::Key;

constexpr std::int64_t kNow = 1800000000;  // seconds
const std::string kReadSecret = "read-secret-0123456789";
const std::string kScopedSecret = "scoped-secret-0123456789";
const std::string kUiToken = "ui-token-0123456789abcdef";

// --- cookies and forms -------------------------------------------------------

TEST(UiCookies, FindsTheSessionCookieAmongOthers) {
  EXPECT_EQ(CookieValue("dh_session=abc", "dh_session"), "abc");
  EXPECT_EQ(CookieValue("a=1; dh_session=abc; b=2", "dh_session"), "abc");
  EXPECT_EQ(CookieValue("a=1;dh_session=\"abc\"", "dh_session"), "abc");
  EXPECT_EQ(CookieValue("xdh_session=abc", "dh_session"), "");
  EXPECT_EQ(CookieValue("", "dh_session"), "");
  EXPECT_EQ(CookieValue("dh_session", "dh_session"), "");
  // Twice (one set for another path, say): ambiguous, so none.
  EXPECT_EQ(CookieValue("dh_session=a; dh_session=b", "dh_session"), "");
}

TEST(UiCookies, SessionCookieAttributes) {
  EXPECT_EQ(SessionCookie("v", "/ui", std::chrono::seconds(3600), false),
            "dh_session=v; Path=/ui; Max-Age=3600; HttpOnly; SameSite=Strict");
  EXPECT_EQ(SessionCookie("v", "/hook/ui", std::chrono::seconds(60), true),
            "dh_session=v; Path=/hook/ui; Max-Age=60; HttpOnly; SameSite=Strict; Secure");
  EXPECT_EQ(ExpiredSessionCookie("/ui", false),
            "dh_session=; Path=/ui; Max-Age=0; HttpOnly; SameSite=Strict");
}

TEST(UiForms, DecodesOneField) {
  EXPECT_EQ(FormField("token=abc", "token"), "abc");
  EXPECT_EQ(FormField("x=1&token=a%2Bb+c%3D", "token"), "a+b c=");
  EXPECT_EQ(FormField("token=", "token"), "");
  EXPECT_EQ(FormField("other=1", "token"), std::nullopt);
  EXPECT_EQ(FormField("token=a&token=b", "token"), std::nullopt);
  EXPECT_EQ(FormField("token=%zz", "token"), std::nullopt);
  EXPECT_EQ(FormField("token=%4", "token"), std::nullopt);
}

// --- sessions ----------------------------------------------------------------

TEST(UiSessions, CreateFindExpireRemove) {
  std::int64_t now = 1000;
  SessionStore sessions({.lifetime = std::chrono::seconds(60), .capacity = 2}, [&] { return now; });
  const std::string cookie = sessions.Create("viewer");
  EXPECT_EQ(cookie.size(), 64u);
  auto found = sessions.Find(cookie);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->key_id, "viewer");
  EXPECT_EQ(found->expires_at, 61000);
  // Forged: well-formed but unknown; malformed.
  EXPECT_FALSE(sessions.Find(std::string(64, 'a')));
  EXPECT_FALSE(sessions.Find(cookie.substr(1)));
  EXPECT_FALSE(sessions.Find(std::string(64, 'G')));
  // Expired.
  now = 61000;
  EXPECT_FALSE(sessions.Find(cookie));
  EXPECT_EQ(sessions.size(), 0u);
  // Logout ends it on the server.
  const std::string again = sessions.Create("viewer");
  EXPECT_TRUE(sessions.Remove(again));
  EXPECT_FALSE(sessions.Find(again));
  EXPECT_FALSE(sessions.Remove(again));
  // Bounded: the oldest gives way.
  const std::string first = sessions.Create("a");
  now += 1;
  const std::string second = sessions.Create("b");
  now += 1;
  const std::string third = sessions.Create("c");
  EXPECT_EQ(sessions.size(), 2u);
  EXPECT_FALSE(sessions.Find(first));
  EXPECT_TRUE(sessions.Find(second));
  EXPECT_TRUE(sessions.Find(third));
}

// --- the read scope ------------------------------------------------------------

TEST(UiReadScope, KeysFileOption) {
  auto keys = deliveryhook::webhook::ParseKeysFile("viewer s3cret read projects=shop\nci s2\n",
                                                   deliveryhook::webhook::ReadSecretFile);
  ASSERT_TRUE(keys.ok()) << keys.error().message();
  EXPECT_TRUE((*keys)[0].read_only);
  EXPECT_EQ((*keys)[0].projects, std::vector<std::string>{"shop"});
  EXPECT_FALSE((*keys)[1].read_only);
  auto bad = deliveryhook::webhook::ParseKeysFile("viewer s3cret reads\n",
                                                  deliveryhook::webhook::ReadSecretFile);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message(),
            "line 1: unknown option \"reads\" (expected projects=, services=, allow_self or read)");
}

// --- the page through the handler ---------------------------------------------

Key MakeKey(std::string id, std::string secret) {
  Key key = deliveryhook::webhook::DefaultKey(std::move(secret));
  key.id = std::move(id);
  return key;
}

class UiTest : public ::testing::Test {
 protected:
  std::unique_ptr<HandlerHarness> Make(bool with_ui = true, std::size_t fail_limit = 0) {
    Key viewer = MakeKey("viewer", kReadSecret);
    viewer.read_only = true;
    Key scoped = MakeKey("scoped", kScopedSecret);
    scoped.read_only = true;
    scoped.projects = {"shop"};
    std::vector<Key> keys{deliveryhook::webhook::DefaultKey("deploy-secret"), viewer, scoped};
    auto verifier = std::make_shared<deliveryhook::webhook::SignatureVerifier>(
        keys, deliveryhook::webhook::VerifierOptions{}, [] { return kNow; });
    HandlerOptions options;
    options.auth_failures = {fail_limit, std::chrono::seconds(60), 16};
    if (with_ui) {
      UiOptions ui;
      ui.token = kUiToken;
      ui.session_lifetime = std::chrono::seconds(3600);
      ui.now = [this] { return now_ms_; };
      options.ui = std::make_shared<UiPages>(std::move(ui), keys);
    }
    DeployBackend backend;
    backend.resolve = [](const TargetSelector& selector) -> Result<Target> {
      Target target;
      target.container_name = selector.container_name;
      target.project = "shop";
      target.service = "web";
      return target;
    };
    backend.deploy = [](const Target&, Action, const deliveryhook::deploy::ProgressSink&)
        -> Result<DeployOutcome> { return DeployOutcome{"new", "sha256:new"}; };
    return std::make_unique<HandlerHarness>(verifier, std::move(backend), options);
  }

  static IncomingRequest Get(const std::string& path, const std::string& cookie = {}) {
    IncomingRequest request;
    request.method = "GET";
    request.path = path;
    request.client_address = "10.0.0.1";
    if (!cookie.empty()) request.headers["cookie"] = "dh_session=" + cookie;
    return request;
  }
  static IncomingRequest Post(const std::string& path, const std::string& body,
                              const std::string& cookie = {}) {
    IncomingRequest request = Get(path, cookie);
    request.method = "POST";
    request.body = body;
    request.headers["content-type"] = "application/x-www-form-urlencoded";
    return request;
  }
  static std::string Header(const Reply& reply, const std::string& name) {
    for (const auto& [key, value] : reply.headers) {
      if (key == name) return value;
    }
    return "<none>";
  }
  // Logs in and returns the cookie value.
  static std::string Login(HandlerHarness& handler, const std::string& token) {
    Reply reply = handler.Handle(Post("/ui/login", "token=" + token));
    EXPECT_EQ(reply.status, 303) << reply.body;
    const std::string set_cookie = Header(reply, "Set-Cookie");
    const auto start = set_cookie.find('=') + 1;
    return set_cookie.substr(start, set_cookie.find(';') - start);
  }

  std::int64_t now_ms_ = kNow * 1000;
};

TEST_F(UiTest, OffUnlessEnabled) {
  auto handler = Make(/*with_ui=*/false);
  for (const char* path : {"/ui", "/ui/", "/ui/app.js", "/ui/api/jobs"}) {
    Reply reply = handler->Handle(Get(path));
    EXPECT_EQ(reply.status, 404) << path;
    EXPECT_EQ(reply.body, R"({"error":"no such endpoint"})") << path;
  }
}

TEST_F(UiTest, AssetsAndTheirHeaders) {
  auto handler = Make();
  Reply root = handler->Handle(Get("/ui"));
  EXPECT_EQ(root.status, 308);
  EXPECT_EQ(Header(root, "Location"), "ui/");
  Reply page = handler->Handle(Get("/ui/"));
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(page.body.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_EQ(Header(page, "Content-Security-Policy"),
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
            "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'");
  EXPECT_EQ(Header(page, "X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(Header(page, "X-Frame-Options"), "DENY");
  // No inline script or style, no other origin, relative URLs only.
  EXPECT_EQ(page.body.find("<script>"), std::string::npos);
  EXPECT_EQ(page.body.find("style="), std::string::npos);
  EXPECT_EQ(page.body.find("<style"), std::string::npos);
  EXPECT_EQ(page.body.find("http://"), std::string::npos);
  EXPECT_EQ(page.body.find("https://"), std::string::npos);
  EXPECT_EQ(page.body.find("src=\"/"), std::string::npos);
  EXPECT_EQ(page.body.find("href=\"/"), std::string::npos);
  EXPECT_NE(page.body.find("<script src=\"app.js\" defer></script>"), std::string::npos);
  Reply script = handler->Handle(Get("/ui/app.js"));
  EXPECT_EQ(script.status, 200);
  EXPECT_EQ(script.content_type, "text/javascript; charset=utf-8");
  Reply style = handler->Handle(Get("/ui/app.css"));
  EXPECT_EQ(style.status, 200);
  EXPECT_EQ(style.content_type, "text/css; charset=utf-8");
}

TEST_F(UiTest, UnknownFilesAndTraversalAre404) {
  auto handler = Make();
  for (const char* path : {"/ui/nope.js", "/ui/..", "/ui/%2e%2e", "/ui/index.html"}) {
    Reply reply = handler->Handle(Get(path));
    EXPECT_EQ(reply.status, 404) << path;
    EXPECT_EQ(reply.body, R"({"error":"no such file"})") << path;
  }
  for (const char* path : {"/ui/../etc/passwd", "/ui/app.js/x", "/ui/a/b/c/d"}) {
    Reply reply = handler->Handle(Get(path));
    EXPECT_EQ(reply.status, 404) << path;
    EXPECT_EQ(reply.body, R"({"error":"no such endpoint"})") << path;
  }
}

TEST_F(UiTest, LoginWithAReadKeyOrTheTokenOnly) {
  auto handler = Make();
  Reply wrong = handler->Handle(Post("/ui/login", "token=nope"));
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(wrong.content_type, "text/html; charset=utf-8");
  EXPECT_NE(wrong.body.find("That token does not open this page."), std::string::npos);
  EXPECT_EQ(Header(wrong, "Set-Cookie"), "<none>");
  // A deploy key's secret does not log in.
  EXPECT_EQ(handler->Handle(Post("/ui/login", "token=deploy-secret")).status, 401);
  Reply empty = handler->Handle(Post("/ui/login", "token="));
  EXPECT_EQ(empty.status, 400);
  Reply ok = handler->Handle(Post("/ui/login", "token=" + kReadSecret));
  EXPECT_EQ(ok.status, 303);
  EXPECT_EQ(Header(ok, "Location"), "./");
  const std::string set_cookie = Header(ok, "Set-Cookie");
  EXPECT_EQ(set_cookie.rfind("dh_session=", 0), 0u);
  EXPECT_EQ(set_cookie.substr(11 + 64), "; Path=/ui; Max-Age=3600; HttpOnly; SameSite=Strict");
  const std::string cookie = Login(*handler, kUiToken);
  Reply session = handler->Handle(Get("/ui/api/session", cookie));
  EXPECT_EQ(session.status, 200);
  EXPECT_EQ(session.body,
            R"({"viewer":"UI_TOKEN","scope":"all","history":{"days":30,"jobs":1000},)"
            R"("audit":true,"audit_hours":24})");
}

TEST_F(UiTest, NoCookieForgedExpiredOrLoggedOutIs401) {
  auto handler = Make();
  const std::string not_logged_in = R"({"error":"not logged in"})";
  Reply none = handler->Handle(Get("/ui/api/jobs"));
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.body, not_logged_in);
  Reply forged = handler->Handle(Get("/ui/api/jobs", std::string(64, 'a')));
  EXPECT_EQ(forged.status, 401);
  EXPECT_EQ(forged.body, not_logged_in);
  EXPECT_EQ(handler->Handle(Get("/ui/api/jobs", "../../etc")).status, 401);
  const std::string cookie = Login(*handler, kReadSecret);
  EXPECT_EQ(handler->Handle(Get("/ui/api/jobs", cookie)).status, 200);
  now_ms_ += 3600 * 1000;
  Reply expired = handler->Handle(Get("/ui/api/jobs", cookie));
  EXPECT_EQ(expired.status, 401);
  EXPECT_EQ(expired.body, not_logged_in);
  const std::string again = Login(*handler, kReadSecret);
  Reply logout = handler->Handle(Post("/ui/logout", "", again));
  EXPECT_EQ(logout.status, 303);
  EXPECT_EQ(Header(logout, "Set-Cookie"), "dh_session=; Path=/ui; Max-Age=0; HttpOnly; SameSite=Strict");
  EXPECT_EQ(handler->Handle(Get("/ui/api/jobs", again)).status, 401);
}

TEST_F(UiTest, ReadKeysReadButNeverTrigger) {
  auto handler = Make();
  Reply trigger = handler->Handle(test_support::SignedPost(
      "/pull", R"({"container_name": "shop-web"})", kReadSecret, kNow, "10.0.0.1"));
  EXPECT_EQ(trigger.status, 403);
  EXPECT_EQ(trigger.body, R"({"error":"this key may only read; it cannot trigger deploys"})");
  Reply list = handler->Handle(test_support::SignedGet("/jobs", kReadSecret, kNow, "10.0.0.1"));
  EXPECT_EQ(list.status, 200);
}

TEST_F(UiTest, JobsAreFilteredAndScoped) {
  auto handler = Make();
  auto& store = handler->store();
  store.Create({.action = "pull", .container_name = "shop-web", .project = "shop",
                .service = "web", .request_id = "r1", .key_id = "ci"});
  const auto blog = store.Create({.action = "pull", .container_name = "blog-web",
                                  .project = "blog", .service = "web"});
  const std::string all = Login(*handler, kReadSecret);
  const std::string scoped = Login(*handler, kScopedSecret);
  auto count = [&](const std::string& path, const std::string& cookie) {
    Reply reply = handler->Handle(Get(path, cookie));
    EXPECT_EQ(reply.status, 200) << path << reply.body;
    std::size_t n = 0;
    for (auto at = reply.body.find("\"job_id\""); at != std::string::npos;
         at = reply.body.find("\"job_id\"", at + 1)) {
      ++n;
    }
    return n;
  };
  IncomingRequest filtered = Get("/ui/api/jobs", all);
  EXPECT_EQ(count("/ui/api/jobs", all), 2u);
  EXPECT_EQ(count("/ui/api/jobs", scoped), 1u);
  filtered.query = {{"service", "shop/web"}};
  Reply by_service = handler->Handle(filtered);
  EXPECT_NE(by_service.body.find("\"key_id\":\"ci\""), std::string::npos);
  EXPECT_EQ(by_service.body.find("blog"), std::string::npos);
  filtered.query = {{"state", "succeeded"}};
  EXPECT_EQ(handler->Handle(filtered).body, R"({"jobs":[]})");
  filtered.query = {{"state", "done"}};
  Reply bad_state = handler->Handle(filtered);
  EXPECT_EQ(bad_state.status, 400);
  EXPECT_EQ(bad_state.body,
            R"({"error":"state must be queued, running, succeeded, failed or rolled_back"})");
  filtered.query = {{"service", std::string(5000, 'x')}};
  Reply long_query = handler->Handle(filtered);
  EXPECT_EQ(long_query.status, 400);
  EXPECT_EQ(long_query.body, R"({"error":"a query parameter is longer than 256 characters"})");
  // Outside the scope: as unknown.
  Reply outside = handler->Handle(Get("/ui/api/jobs/" + blog.id, scoped));
  EXPECT_EQ(outside.status, 404);
  EXPECT_EQ(outside.body, R"({"error":"no such job"})");
  Reply inside = handler->Handle(Get("/ui/api/jobs/" + blog.id, all));
  EXPECT_EQ(inside.status, 200);
  EXPECT_EQ(inside.body.find(blog.token), std::string::npos);
  EXPECT_EQ(handler->Handle(Get("/ui/api/jobs/" + blog.id + "/events", scoped)).status, 404);
  // The audit view is for a viewer without a scope.
  Reply audit = handler->Handle(Get("/ui/api/audit", scoped));
  EXPECT_EQ(audit.status, 403);
  EXPECT_EQ(audit.body, R"({"error":"the audit view needs a credential without a scope"})");
  EXPECT_EQ(handler->Handle(Get("/ui/api/audit", all)).status, 200);
  // No engine: the services view says so, with 503.
  Reply services = handler->Handle(Get("/ui/api/services", all));
  EXPECT_EQ(services.status, 503);
  EXPECT_EQ(services.body, R"({"error":"the Docker engine is not reachable; try again shortly"})");
}

TEST_F(UiTest, BasePathAndTlsShapeTheCookie) {
  Key viewer = MakeKey("viewer", kReadSecret);
  viewer.read_only = true;
  UiOptions options;
  options.base_path = "/hook";
  options.secure_cookie = true;
  options.session_lifetime = std::chrono::seconds(7200);
  UiPages ui(std::move(options), {viewer});
  jobs::JobStore store(10);
  deliveryhook::webhook::AccessPolicy access;
  const UiContext context{store, access, {}, nullptr, nullptr};
  IncomingRequest login = Post("/ui/login", "token=" + kReadSecret);
  Reply reply = ui.Handle(login, MatchRoute("POST", "/ui/login"), context);
  ASSERT_EQ(reply.status, 303);
  const std::string set_cookie = Header(reply, "Set-Cookie");
  EXPECT_EQ(set_cookie.substr(11 + 64),
            "; Path=/hook/ui; Max-Age=7200; HttpOnly; SameSite=Strict; Secure");
  // A reload that drops the key ends its sessions.
  const std::string cookie = set_cookie.substr(11, 64);
  EXPECT_EQ(ui.Handle(Get("/ui/api/session", cookie), MatchRoute("GET", "/ui/api/session"), context).status, 200);
  ui.ReplaceKeys({MakeKey("viewer", kReadSecret)});  // no longer a read key
  EXPECT_EQ(ui.Handle(Get("/ui/api/session", cookie), MatchRoute("GET", "/ui/api/session"), context).status, 401);
}

TEST_F(UiTest, FailedLoginsMeetTheFailureLimit) {
  auto handler = Make(true, /*fail_limit=*/2);
  EXPECT_EQ(handler->Handle(Post("/ui/login", "token=a")).status, 401);
  EXPECT_EQ(handler->Handle(Post("/ui/login", "token=b")).status, 401);
  Reply limited = handler->Handle(Post("/ui/login", "token=c"));
  EXPECT_EQ(limited.status, 429);
  EXPECT_NE(limited.body.find("Too many failed logins"), std::string::npos);
}

// --- refusal counts -------------------------------------------------------------

TEST(UiRefusals, CountsPerHourBoundedAndExpiring) {
  std::int64_t now = 10 * 3600 * 1000;
  RefusalCounter counter({.hours = 2, .pairs_per_hour = 2}, [&] { return now; });
  counter.Record("unauthenticated", "10.0.0.1");
  counter.Record("unauthenticated", "10.0.0.1");
  counter.Record("unknown_target", "10.0.0.2");
  counter.Record("unauthenticated", "10.0.0.3");  // the hour is full: "other"
  auto rows = counter.Since(0);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].reason, "unauthenticated");
  EXPECT_EQ(rows[0].client, "10.0.0.1");
  EXPECT_EQ(rows[0].count, 2u);
  EXPECT_EQ(rows[1].reason, "unauthenticated");
  EXPECT_EQ(rows[1].client, "other");
  EXPECT_EQ(rows[2].reason, "unknown_target");
  EXPECT_EQ(rows[2].client, "10.0.0.2");
  now += 3600 * 1000;
  counter.Record("replay", "10.0.0.1");
  EXPECT_EQ(counter.Since(now).size(), 1u);
  EXPECT_EQ(counter.Since(0).size(), 4u);
  now += 2 * 3600 * 1000;  // both hours gone
  EXPECT_TRUE(counter.Since(0).empty());
}

TEST(UiLastFinished, TheNewestEndedJobOfOneService) {
  jobs::JobStore store(100);
  EXPECT_FALSE(LastFinished(store, "p", "s"));
  const auto failed = store.Create({.action = "pull", .container_name = "a", .project = "p", .service = "s"});
  const auto other = store.Create({.action = "pull", .container_name = "b", .project = "p", .service = "t"});
  store.Create({.action = "pull", .container_name = "a", .project = "p", .service = "s"});  // still queued
  store.Update(failed.id, [](jobs::Job& job) { job.state = jobs::JobState::kFailed; });
  store.Update(other.id, [](jobs::Job& job) { job.state = jobs::JobState::kSucceeded; });
  auto last = LastFinished(store, "p", "s");
  ASSERT_TRUE(last);
  EXPECT_EQ(last->id, failed.id);
  EXPECT_EQ(last->state, jobs::JobState::kFailed);
}

}  // namespace
}  // namespace deliveryhook::app

namespace deliveryhook::app {
namespace {

TEST(UiConfig, ReadsAndChecksTheSettings) {
  std::map<std::string, std::string> env = {{"SECRET_KEY", "s"}};
  auto defaults = ConfigFromEnvironment(env, false);
  ASSERT_TRUE(defaults.ok());
  EXPECT_FALSE(defaults->ui);
  EXPECT_EQ(defaults->ui_session_hours, 8);
  env.insert({{"UI", "1"}, {"UI_TOKEN", "0123456789abcdef"}, {"UI_BASE_PATH", "/hook/"},
              {"UI_SESSION_HOURS", "2"}});
  auto set = ConfigFromEnvironment(env, false);
  ASSERT_TRUE(set.ok()) << set.error().message();
  EXPECT_TRUE(set->ui);
  EXPECT_EQ(set->ui_token, "0123456789abcdef");
  EXPECT_EQ(set->ui_base_path, "/hook");
  EXPECT_EQ(set->ui_session_hours, 2);
  auto refused = [&](const std::string& name, const std::string& value) {
    auto bad = env;
    bad[name] = value;
    auto config = ConfigFromEnvironment(bad, false);
    return config.ok() ? std::string("<accepted>") : config.error().message();
  };
  EXPECT_EQ(refused("UI", "maybe"), "UI must be true or false, not \"maybe\"");
  EXPECT_EQ(refused("UI_TOKEN", "short"), "UI_TOKEN must be 16 characters or more");
  EXPECT_EQ(refused("UI_TOKEN", "0123456789 abcdef"),
            "UI_TOKEN must not contain spaces or control characters");
  EXPECT_EQ(refused("UI_BASE_PATH", "hook"),
            "UI_BASE_PATH must be a path such as /hook (letters, digits, / - _ . ~), not \"hook\"");
  EXPECT_EQ(refused("UI_BASE_PATH", "/a/../b"),
            "UI_BASE_PATH must be a path such as /hook (letters, digits, / - _ . ~), not \"/a/../b\"");
  EXPECT_EQ(refused("UI_SESSION_HOURS", "0"),
            "UI_SESSION_HOURS must be a whole number from 1 to 720, not \"0\"");
}

}  // namespace
}  // namespace deliveryhook::app
