// /metrics, /healthz, /openapi.json, /docs, request ids and log lines.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/pointer.h>

#include <atomic>
#include <map>
#include <set>
#include <sstream>
#include <thread>
#include <utility>
#include <vector>

#include "config.h"
#include "deliveryhook/jobs/job_store.h"
#include "health.h"
#include "metrics.h"
#include "openapi.h"
#include "request_log.h"
#include "routes.h"
#include "ui/ui.h"
#include "util/crypto.h"
#include "signed_request.h"
#include "handler_harness.h"
#include "webhook_handler.h"

namespace deliveryhook::app {
namespace {

using deliveryhook::Error;
using deliveryhook::ErrorCode;
using deliveryhook::Result;

constexpr char kSecret[] = "test-secret";
constexpr std::int64_t kNow = 1800000000;

// --- a small parser of the Prometheus text format (0.0.4) -----------------

struct Exposition {
  std::map<std::string, std::string> types;            // family → counter/gauge/histogram
  std::map<std::string, double> samples;               // `name{labels}` as written → value
  std::map<std::string, std::vector<double>> buckets;  // histogram → bucket values in order
  std::string error;                                   // first problem found, or ""
};

bool IsMetricName(const std::string& name) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
                    (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

// The family a sample belongs to: histogram samples end in _bucket/_sum/_count.
std::string FamilyOf(const std::string& name, const std::map<std::string, std::string>& types) {
  for (const char* suffix : {"_bucket", "_sum", "_count"}) {
    const std::string s(suffix);
    if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0) {
      const std::string base = name.substr(0, name.size() - s.size());
      if (types.count(base) && types.at(base) == "histogram") return base;
    }
  }
  return name;
}

Exposition Parse(const std::string& text) {
  Exposition out;
  std::set<std::string> helped;
  std::istringstream in(text);
  std::string line;
  int number = 0;
  auto fail = [&](const std::string& why) {
    if (out.error.empty()) out.error = "line " + std::to_string(number) + ": " + why + ": " + line;
  };
  if (!text.empty() && text.back() != '\n') out.error = "the text does not end with a newline";
  while (std::getline(in, line)) {
    ++number;
    if (line.empty()) continue;
    if (line.rfind("# HELP ", 0) == 0 || line.rfind("# TYPE ", 0) == 0) {
      std::istringstream words(line.substr(7));
      std::string name, rest;
      words >> name;
      std::getline(words, rest);
      if (!IsMetricName(name)) fail("bad metric name");
      if (line[2] == 'H') {
        if (!helped.insert(name).second) fail("second HELP");
      } else {
        const std::string type = rest.empty() ? "" : rest.substr(1);
        if (type != "counter" && type != "gauge" && type != "histogram" && type != "summary" &&
            type != "untyped") {
          fail("bad type");
        }
        if (out.types.count(name)) fail("second TYPE");
        out.types[name] = type;
      }
      continue;
    }
    if (line[0] == '#') continue;
    const auto brace = line.find('{');
    const auto space = line.rfind(' ');
    if (space == std::string::npos) {
      fail("no value");
      continue;
    }
    const std::string series = line.substr(0, space);
    const std::string name = line.substr(0, std::min(brace, space));
    if (!IsMetricName(name)) fail("bad metric name");
    if (brace != std::string::npos) {
      // label="value" pairs, comma separated
      const auto close = series.rfind('}');
      if (close != series.size() - 1) fail("labels not closed");
      std::string labels = series.substr(brace + 1, close - brace - 1);
      std::size_t i = 0;
      while (i < labels.size()) {
        const auto eq = labels.find('=', i);
        if (eq == std::string::npos || !IsMetricName(labels.substr(i, eq - i)) ||
            eq + 1 >= labels.size() || labels[eq + 1] != '"') {
          fail("bad label");
          break;
        }
        std::size_t j = eq + 2;
        while (j < labels.size() && labels[j] != '"') j += labels[j] == '\\' ? 2 : 1;
        if (j >= labels.size()) {
          fail("unterminated label value");
          break;
        }
        i = j + 1;
        if (i < labels.size()) {
          if (labels[i] != ',') fail("labels not separated by commas");
          ++i;
        }
      }
    }
    const std::string value = line.substr(space + 1);
    char* end = nullptr;
    const double parsed = value == "+Inf" ? 1e308 : std::strtod(value.c_str(), &end);
    if (value != "+Inf" && (end == value.c_str() || *end != '\0')) fail("bad value");
    if (!out.types.count(FamilyOf(name, out.types))) fail("sample before its TYPE");
    if (out.samples.count(series)) fail("duplicate series");
    out.samples[series] = parsed;
    const std::string family = FamilyOf(name, out.types);
    if (name == family + "_bucket") out.buckets[family].push_back(parsed);
  }
  // Histograms: buckets cumulative, +Inf equals _count.
  for (const auto& [family, type] : out.types) {
    if (type != "histogram") continue;
    double previous = 0;
    for (double value : out.buckets[family]) {
      if (value < previous)
        out.error = out.error.empty() ? family + " buckets are not cumulative" : out.error;
      previous = value;
    }
    const std::string inf = family + "_bucket{le=\"+Inf\"}";
    if (!out.samples.count(inf) || !out.samples.count(family + "_count") ||
        out.samples[inf] != out.samples[family + "_count"] || !out.samples.count(family + "_sum")) {
      out.error = out.error.empty() ? "histogram " + family + " is incomplete" : out.error;
    }
  }
  return out;
}

TEST(PrometheusParser, RejectsBrokenText) {
  EXPECT_NE(Parse("x 1\n").error, "");  // no TYPE
  EXPECT_NE(Parse("# TYPE x counter\nx{a=\"1\" 1\n").error, "");
  EXPECT_NE(Parse("# TYPE x counter\nx one\n").error, "");
  EXPECT_EQ(Parse("# HELP x X.\n# TYPE x counter\nx{a=\"1\",b=\"q\\\"\"} 1\n").error, "");
}

// --- metrics ----------------------------------------------------------------

TEST(Metrics, RendersEveryFamilyWithHelpAndType) {
  Metrics metrics;
  metrics.CountRequest("/pull", 202);
  metrics.CountRequest("/pull", 202);
  metrics.CountRequest("other", 404);
  metrics.CountAuthFailure();
  metrics.CountJob("pull", "succeeded", 3.2);
  metrics.CountJob("build", "rolled_back", 700);
  metrics.CountEngineApiError();
  const std::string text = metrics.Render(4);
  const Exposition parsed = Parse(text);
  ASSERT_EQ(parsed.error, "") << text;
  EXPECT_EQ(parsed.types.at("deliveryhook_http_requests_total"), "counter");
  EXPECT_EQ(parsed.types.at("deliveryhook_auth_failures_total"), "counter");
  EXPECT_EQ(parsed.types.at("deliveryhook_jobs_total"), "counter");
  EXPECT_EQ(parsed.types.at("deliveryhook_deploy_duration_seconds"), "histogram");
  EXPECT_EQ(parsed.types.at("deliveryhook_queue_depth"), "gauge");
  EXPECT_EQ(parsed.types.at("deliveryhook_engine_api_errors_total"), "counter");
  const auto& s = parsed.samples;
  EXPECT_EQ(s.at(R"(deliveryhook_http_requests_total{endpoint="/pull",status="202"})"), 2);
  EXPECT_EQ(s.at(R"(deliveryhook_http_requests_total{endpoint="other",status="404"})"), 1);
  EXPECT_EQ(s.at("deliveryhook_auth_failures_total"), 1);
  EXPECT_EQ(s.at(R"(deliveryhook_jobs_total{action="pull",outcome="succeeded"})"), 1);
  EXPECT_EQ(s.at(R"(deliveryhook_jobs_total{action="build",outcome="rolled_back"})"), 1);
  EXPECT_EQ(s.at(R"(deliveryhook_deploy_duration_seconds_bucket{le="2.5"})"), 0);
  EXPECT_EQ(s.at(R"(deliveryhook_deploy_duration_seconds_bucket{le="5"})"), 1);
  EXPECT_EQ(s.at(R"(deliveryhook_deploy_duration_seconds_bucket{le="600"})"), 1);
  EXPECT_EQ(s.at(R"(deliveryhook_deploy_duration_seconds_bucket{le="+Inf"})"), 2);
  EXPECT_DOUBLE_EQ(s.at("deliveryhook_deploy_duration_seconds_sum"), 703.2);
  EXPECT_EQ(s.at("deliveryhook_deploy_duration_seconds_count"), 2);
  EXPECT_EQ(s.at("deliveryhook_queue_depth"), 4);
  EXPECT_EQ(s.at("deliveryhook_engine_api_errors_total"), 1);
  EXPECT_NE(text.find("# HELP deliveryhook_queue_depth Accepted jobs waiting for a worker.\n"
                      "# TYPE deliveryhook_queue_depth gauge\ndeliveryhook_queue_depth 4\n"),
            std::string::npos);
}

class ScriptedTransport : public deliveryhook::engine::Transport {
 public:
  std::vector<Result<deliveryhook::engine::HttpResponse>> answers;
  Result<deliveryhook::engine::HttpResponse> Send(
      const deliveryhook::engine::HttpRequest&,
      const deliveryhook::engine::BodyChunkCallback&) override {
    auto answer = answers.front();
    answers.erase(answers.begin());
    return answer;
  }
};

TEST(Metrics, EngineErrorsAreFailedCallsAnd5xx) {
  auto metrics = std::make_shared<Metrics>();
  auto inner = std::make_unique<ScriptedTransport>();
  auto status = [](int code) {
    deliveryhook::engine::HttpResponse response;
    response.status = code;
    return Result<deliveryhook::engine::HttpResponse>(response);
  };
  inner->answers = {status(200), status(404), status(500),
                    Error(ErrorCode::kUnavailable, "cannot reach the Docker engine")};
  auto counting = CountEngineErrors(std::move(inner), metrics);
  for (int i = 0; i < 4; ++i) (void)counting->Send({"GET", "/x", {}, {}}, {});
  EXPECT_EQ(Parse(metrics->Render(0)).samples.at("deliveryhook_engine_api_errors_total"), 2);
}

// --- the handler: request ids, metrics, health, docs ------------------------

DeployBackend QuickBackend() {
  DeployBackend backend;
  backend.resolve = [](const deliveryhook::deploy::TargetSelector& selector)
      -> Result<deliveryhook::deploy::Target> {
    if (selector.container_name != "web")
      return Error(ErrorCode::kNotFound, "no container named \"x\"");
    deliveryhook::deploy::Target target;
    target.container_name = "web";
    target.project = "app";
    target.service = "web";
    return target;
  };
  backend.deploy = [](const deliveryhook::deploy::Target&, deliveryhook::deploy::Action,
                      const deliveryhook::deploy::ProgressSink& progress)
      -> Result<deliveryhook::deploy::DeployOutcome> {
    progress.on_step(deliveryhook::deploy::Step::kPulling);
    return deliveryhook::deploy::DeployOutcome{"c1", "sha256:new"};
  };
  return backend;
}

std::unique_ptr<HandlerHarness> MakeHandler(HandlerOptions options = {}) {
  auto verifier = std::make_shared<deliveryhook::webhook::SignatureVerifier>(
      kSecret, deliveryhook::webhook::VerifierOptions{}, [] { return kNow; });
  return std::make_unique<HandlerHarness>(verifier, QuickBackend(), options);
}

IncomingRequest Get(const std::string& path) {
  IncomingRequest request;
  request.method = "GET";
  request.path = path;
  request.client_address = "127.0.0.1";
  return request;
}

IncomingRequest SignedPull(const std::string& body) {
  return test_support::SignedPost("/pull", body, kSecret, kNow, "127.0.0.1");
}

std::string HeaderOf(const Reply& reply, const std::string& name) {
  for (const auto& [key, value] : reply.headers) {
    if (key == name) return value;
  }
  return "<none>";
}

// Captures log lines for the test's lifetime.
class LogCapture {
 public:
  explicit LogCapture(LogLevel threshold = LogLevel::kInfo) {
    RequestLog::SetThreshold(threshold);
    RequestLog::SetSinkForTesting([this](const std::string& line) {
      std::lock_guard lock(mutex_);
      lines_.push_back(line);
    });
  }
  ~LogCapture() {
    RequestLog::SetSinkForTesting({});
    RequestLog::SetThreshold(LogLevel::kInfo);
  }
  std::vector<std::string> Lines() {
    std::lock_guard lock(mutex_);
    return lines_;
  }
  // The lines with `needle`, the "time=..." prefix cut off.
  std::vector<std::string> Matching(const std::string& needle) {
    std::vector<std::string> found;
    for (const auto& line : Lines()) {
      if (line.find(needle) == std::string::npos) continue;
      const auto space = line.find(' ');
      found.push_back(line.substr(space + 1));
    }
    return found;
  }

 private:
  std::mutex mutex_;
  std::vector<std::string> lines_;
};

std::string WaitForJob(WebhookHandler& handler, const std::string& job_id,
                       const std::string& token) {
  IncomingRequest status = Get("/jobs/" + job_id);
  status.headers["authorization"] = "Bearer " + token;
  // A final job has its finished_at: both are set in one update of the store.
  const auto job = handler.store().WaitUntilFinal(job_id, std::chrono::seconds(10));
  if (!job || !deliveryhook::jobs::IsFinal(job->state)) return "<not finished>";
  return handler.Handle(status).body;
}

TEST(RequestId, SaneHeadersAreKeptOthersReplaced) {
  EXPECT_EQ(RequestIdFor("abc-123_X.y:z"), "abc-123_X.y:z");
  EXPECT_EQ(RequestIdFor(std::string(128, 'a')), std::string(128, 'a'));
  for (const std::string& bad : {std::string(""), std::string(129, 'a'), std::string("a b"),
                                std::string("a\"b"), std::string("a\nb"), std::string("ü")}) {
    const std::string id = RequestIdFor(bad);
    EXPECT_NE(id, bad);
    EXPECT_EQ(id.size(), 32u);
    EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos);
  }
}

TEST(RequestId, FollowsTheRequestIntoItsJobAndLogLines) {
  LogCapture capture;
  auto handler = MakeHandler();
  IncomingRequest request = SignedPull(R"({"container_name": "web"})");
  request.headers["x-request-id"] = "ci-run-42";
  Reply reply = handler->Handle(request);
  ASSERT_EQ(reply.status, 202) << reply.body;
  EXPECT_EQ(HeaderOf(reply, "X-Request-Id"), "ci-run-42");
  rapidjson::Document json;
  json.Parse(reply.body.c_str());
  const std::string job_id = json["job_id"].GetString();
  const std::string job = WaitForJob(*handler, job_id, json["job_token"].GetString());
  rapidjson::Document job_json;
  job_json.Parse(job.c_str());
  ASSERT_TRUE(job_json.IsObject()) << job;
  EXPECT_EQ(std::string(job_json["request_id"].GetString()), "ci-run-42");

  // The trigger's audit line carries the request's id; reading the job is a
  // request of its own, with an id of its own.
  const auto lines = capture.Matching("event=request ");
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines.front(),
            "level=info event=request request_id=ci-run-42 client=127.0.0.1 key=default "
            "endpoint=/pull decision=accepted status=202 target=web job=" + job_id);
  for (std::size_t i = 1; i < lines.size(); ++i) {
    EXPECT_EQ(lines[i].find("request_id=ci-run-42"), std::string::npos) << lines[i];
  }
  EXPECT_EQ(capture.Matching("event=job_start"),
            std::vector<std::string>{"level=info event=job_start job=" + job_id +
                                     " request_id=ci-run-42 action=pull target=app/web"});
  EXPECT_EQ(capture.Matching("event=job_step"),
            std::vector<std::string>{"level=info event=job_step job=" + job_id +
                                     " request_id=ci-run-42 step=pulling"});
  EXPECT_EQ(capture.Matching("event=job_end"),
            std::vector<std::string>{"level=info event=job_end job=" + job_id +
                                     " request_id=ci-run-42 state=succeeded"});
}

TEST(RequestId, EveryAnswerCarriesOne) {
  auto handler = MakeHandler();
  IncomingRequest request = Get("/nowhere");
  request.headers["x-request-id"] = "bad id";
  Reply reply = handler->Handle(request);
  EXPECT_EQ(reply.status, 404);
  EXPECT_EQ(HeaderOf(reply, "X-Request-Id").size(), 32u);
  EXPECT_NE(HeaderOf(handler->Handle(Get("/healthz")), "X-Request-Id"),
            HeaderOf(handler->Handle(Get("/healthz")), "X-Request-Id"));
}

TEST(LogLines, HaveTimeLevelAndFields) {
  EXPECT_EQ(FormatLogLine("2026-01-02T03:04:05.678Z", LogLevel::kWarn, "event=x a=1"),
            "time=2026-01-02T03:04:05.678Z level=warn event=x a=1");
  EXPECT_EQ(LogValue("plain"), "plain");
  EXPECT_EQ(LogValue("two words"), "\"two words\"");
  EXPECT_EQ(LogValue("q\"\n"), "\"q\\\"\\x0a\"");
  EXPECT_EQ(ParseLogLevel("debug"), LogLevel::kDebug);
  EXPECT_EQ(ParseLogLevel("warning"), LogLevel::kWarn);
  EXPECT_EQ(ParseLogLevel("loud"), std::nullopt);
}

TEST(LogLines, TheThresholdDropsLowerLevels) {
  LogCapture capture(LogLevel::kWarn);
  RequestLog::Line(LogLevel::kDebug, "event=a");
  RequestLog::Line("event=b");
  RequestLog::Line(LogLevel::kWarn, "event=c");
  RequestLog::Line(LogLevel::kError, "event=d");
  const auto lines = capture.Lines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[0].find(" level=warn event=c"), std::string::npos) << lines[0];
  EXPECT_NE(lines[1].find(" level=error event=d"), std::string::npos) << lines[1];
  EXPECT_EQ(lines[0].rfind("time=", 0), 0u);
}

TEST(LogLines, RefusalsAreWarningsAndReadsAreDebug) {
  LogCapture capture(LogLevel::kDebug);
  auto handler = MakeHandler();
  IncomingRequest request = SignedPull(R"({"container_name": "web"})");
  request.headers["x-signature"] = std::string(64, '0');
  request.headers["x-request-id"] = "r1";
  EXPECT_EQ(handler->Handle(request).status, 401);
  IncomingRequest probe = Get("/healthz");
  probe.headers["x-request-id"] = "r2";
  handler->Handle(probe);
  EXPECT_EQ(capture.Matching("request_id=r1"),
            std::vector<std::string>{"level=warn event=request request_id=r1 client=127.0.0.1 "
                                     "endpoint=/pull decision=unauthenticated status=401"});
  EXPECT_EQ(capture.Matching("request_id=r2"),
            std::vector<std::string>{"level=debug event=request request_id=r2 client=127.0.0.1 "
                                     "method=GET endpoint=/healthz status=200"});
}

TEST(MetricsEndpoint, CountsMoveWithRequestsAndJobs) {
  auto handler = MakeHandler();
  Reply accepted = handler->Handle(SignedPull(R"({"container_name": "web"})"));
  ASSERT_EQ(accepted.status, 202);
  IncomingRequest forged = SignedPull(R"({"container_name": "web", "n": 2})");
  forged.headers["x-signature"] = std::string(64, '0');
  EXPECT_EQ(handler->Handle(forged).status, 401);
  EXPECT_EQ(handler->Handle(Get("/jobs/abc")).status, 404);
  EXPECT_EQ(handler->Handle(Get("/no/such/path")).status, 404);
  rapidjson::Document json;
  json.Parse(accepted.body.c_str());
  WaitForJob(*handler, json["job_id"].GetString(), json["job_token"].GetString());

  Reply reply = handler->Handle(Get("/metrics"));
  ASSERT_EQ(reply.status, 200);
  EXPECT_EQ(reply.content_type, "text/plain; version=0.0.4; charset=utf-8");
  const Exposition parsed = Parse(reply.body);
  ASSERT_EQ(parsed.error, "") << reply.body;
  const auto& s = parsed.samples;
  EXPECT_EQ(s.at(R"(deliveryhook_http_requests_total{endpoint="/pull",status="202"})"), 1);
  EXPECT_EQ(s.at(R"(deliveryhook_http_requests_total{endpoint="/pull",status="401"})"), 1);
  EXPECT_EQ(s.at(R"(deliveryhook_http_requests_total{endpoint="/jobs/{job_id}",status="404"})"), 1);
  EXPECT_EQ(s.at(R"(deliveryhook_http_requests_total{endpoint="other",status="404"})"), 1);
  EXPECT_EQ(s.at("deliveryhook_auth_failures_total"), 1);
  EXPECT_EQ(s.at(R"(deliveryhook_jobs_total{action="pull",outcome="succeeded"})"), 1);
  EXPECT_EQ(s.at("deliveryhook_deploy_duration_seconds_count"), 1);
  EXPECT_EQ(s.at("deliveryhook_queue_depth"), 0);
  // No names of containers, projects or services, and no job ids.
  EXPECT_EQ(reply.body.find("web"), std::string::npos);
  EXPECT_EQ(reply.body.find(json["job_id"].GetString()), std::string::npos);
}

TEST(MetricsEndpoint, CanBeSwitchedOff) {
  HandlerOptions options;
  options.serve_metrics = false;
  auto handler = MakeHandler(options);
  Reply reply = handler->Handle(Get("/metrics"));
  EXPECT_EQ(reply.status, 404);
  EXPECT_EQ(reply.body, R"({"error":"no such endpoint"})");
}

TEST(Health, ReportsEachPart) {
  struct Case {
    deliveryhook::Status engine;
    std::optional<deliveryhook::Status> database;
    int status;
    std::string body;
  };
  const deliveryhook::Status down = Error(ErrorCode::kUnavailable, "no engine");
  const deliveryhook::Status full = Error(ErrorCode::kInternal, "disk full");
  const std::vector<Case> cases = {
      {deliveryhook::Ok(), deliveryhook::Ok(), 200,
       R"({"status":"ok","engine":"ok","database":"ok"})"},
      {deliveryhook::Ok(), std::nullopt, 200,
       R"({"status":"ok","engine":"ok","database":"disabled"})"},
      {down, deliveryhook::Ok(), 503,
       R"({"status":"unavailable","engine":"unreachable","database":"ok","error":"the Docker engine does not answer"})"},
      {deliveryhook::Ok(), full, 503,
       R"({"status":"unavailable","engine":"ok","database":"unwritable","error":"the job database takes no writes"})"},
      {down, full, 503,
       R"({"status":"unavailable","engine":"unreachable","database":"unwritable","error":"the Docker engine does not answer; the job database takes no writes"})"},
  };
  for (const auto& c : cases) {
    HealthCheck check({[&] { return c.engine; }, [&] { return c.database; }});
    Reply reply = check.Check();
    EXPECT_EQ(reply.status, c.status);
    EXPECT_EQ(reply.body, c.body);
  }
}

TEST(Health, IsCachedSoProbesCannotHammerTheEngine) {
  std::atomic<int> pings{0};
  auto now = std::chrono::steady_clock::time_point{};
  HealthCheck check({[&] {
                       ++pings;
                       return deliveryhook::Ok();
                     },
                     {}},
                    std::chrono::seconds(2), [&] { return now; });
  for (int i = 0; i < 50; ++i) check.Check();
  EXPECT_EQ(pings, 1);
  now += std::chrono::milliseconds(1999);
  check.Check();
  EXPECT_EQ(pings, 1);
  now += std::chrono::milliseconds(1);
  check.Check();
  EXPECT_EQ(pings, 2);
}

TEST(Health, TheHandlerAnswersWithTheCheck) {
  HandlerOptions options;
  options.health = std::make_shared<HealthCheck>(HealthProbes{
      [] { return deliveryhook::Status(Error(ErrorCode::kUnavailable, "down")); }, {}});
  auto handler = MakeHandler(options);
  Reply reply = handler->Handle(Get("/healthz"));
  EXPECT_EQ(reply.status, 503);
  EXPECT_EQ(
      reply.body,
      R"({"status":"unavailable","engine":"unreachable","database":"disabled","error":"the Docker engine does not answer"})");
}

TEST(JobDatabaseHealth, AWritableDatabasePasses) {
  deliveryhook::jobs::JobStore store(10);
  EXPECT_FALSE(store.persistent());
  EXPECT_FALSE(store.CheckWritable().ok());
  const std::string path =
      ::testing::TempDir() + "/health-" + deliveryhook::util::RandomHex(4) + ".sqlite3";
  ASSERT_TRUE(store.Persist(path, std::chrono::hours(24)).ok());
  EXPECT_TRUE(store.persistent());
  EXPECT_TRUE(store.CheckWritable().ok());
  // The request id survives a restart.
  auto job = store.Create({.action = "pull", .container_name = "web", .project = "app", .service = "web", .request_id = "req-1"});
  deliveryhook::jobs::JobStore reopened(10);
  ASSERT_TRUE(reopened.Persist(path, std::chrono::hours(24)).ok());
  EXPECT_EQ(reopened.Get(job.id)->request_id, "req-1");
  std::remove(path.c_str());
}

// --- routes, OpenAPI, docs ----------------------------------------------------

TEST(Routes, MatchTemplatesAndMethods) {
  auto match = MatchRoute("GET", "/jobs/abc123");
  ASSERT_NE(match.route, nullptr);
  EXPECT_EQ(match.route->id, RouteId::kJobStatus);
  EXPECT_TRUE(match.method_allowed);
  EXPECT_EQ(match.job_id, "abc123");
  match = MatchRoute("DELETE", "/jobs/abc123");
  ASSERT_NE(match.route, nullptr);
  EXPECT_FALSE(match.method_allowed);
  EXPECT_EQ(MatchRoute("GET", "/jobs/").route, nullptr);
  EXPECT_EQ(MatchRoute("GET", "/jobs/a/b/c").route, nullptr);
  EXPECT_EQ(MatchRoute("GET", "/healthz/").route, nullptr);
  EXPECT_NE(MatchRoute("POST", "/pull").route, nullptr);
}

TEST(OpenApi, TheDocumentListsExactlyTheRouteTable) {
  const std::string text = OpenApiDocument("1.2.3");
  rapidjson::Document doc;
  doc.Parse(text.c_str());
  ASSERT_FALSE(doc.HasParseError()) << text;
  EXPECT_EQ(std::string(doc["openapi"].GetString()), "3.0.3");
  EXPECT_EQ(std::string(doc["info"]["version"].GetString()), "1.2.3");
  std::set<std::string> documented;
  for (const auto& path : doc["paths"].GetObject()) {
    for (const auto& operation : path.value.GetObject()) {
      std::string method = operation.name.GetString();
      for (char& c : method) c = static_cast<char>(std::toupper(c));
      documented.insert(method + " " + path.name.GetString());
      EXPECT_TRUE(operation.value.HasMember("responses"))
          << method << " " << path.name.GetString() << " has no description in docs/openapi.json";
      EXPECT_TRUE(operation.value.HasMember("operationId"));
    }
  }
  std::set<std::string> served;
  for (const Route& route : Routes())
    served.insert(std::string(route.method) + " " + std::string(route.path));
  EXPECT_EQ(documented, served);
}

// Every "$ref" string under `value`, with where it is (a JSON pointer).
void CollectRefs(const rapidjson::Value& value, const std::string& at,
                 std::vector<std::pair<std::string, std::string>>* refs) {
  if (value.IsObject()) {
    for (const auto& member : value.GetObject()) {
      const std::string name(member.name.GetString(), member.name.GetStringLength());
      if (name == "$ref" && member.value.IsString()) {
        refs->emplace_back(at, member.value.GetString());
      } else {
        CollectRefs(member.value, at + "/" + name, refs);
      }
    }
  } else if (value.IsArray()) {
    for (rapidjson::SizeType i = 0; i < value.Size(); ++i) {
      CollectRefs(value[i], at + "/" + std::to_string(i), refs);
    }
  }
}

// The file itself, as embedded: JSON, and every local $ref (the operations
// share their parts through components) points at something.
TEST(OpenApi, TheFileIsJsonAndItsReferencesResolve) {
  const std::string_view text = OpenApiJsonText();
  rapidjson::Document doc;
  doc.Parse(text.data(), text.size());
  ASSERT_FALSE(doc.HasParseError())
      << "docs/openapi.json is not JSON at offset " << doc.GetErrorOffset() << ": "
      << rapidjson::GetParseError_En(doc.GetParseError());
  ASSERT_TRUE(doc.IsObject());
  std::vector<std::pair<std::string, std::string>> refs;
  CollectRefs(doc, "", &refs);
  EXPECT_FALSE(refs.empty());
  for (const auto& [at, ref] : refs) {
    ASSERT_EQ(ref.rfind("#/", 0), 0u) << at << ": only local references: " << ref;
    EXPECT_NE(rapidjson::Pointer(ref.substr(1).c_str()).Get(doc), nullptr)
        << at << ": " << ref << " points at nothing";
  }
}

TEST(OpenApi, EveryRouteInTheTableIsServed) {
  HandlerOptions options;
  options.show_docs = true;
  options.ui = std::make_shared<UiPages>(UiOptions{}, std::vector<webhook::Key>{});
  auto handler = MakeHandler(options);
  for (const Route& route : Routes()) {
    IncomingRequest request = Get(std::string(route.path));
    request.method = std::string(route.method);
    const auto brace = request.path.find("{job_id}");
    if (brace != std::string::npos) request.path.replace(brace, 8, "some-job");
    Reply reply = handler->Handle(request);
    EXPECT_NE(reply.body, R"({"error":"no such endpoint"})")
        << request.method << " " << request.path;
    EXPECT_NE(reply.status, 405) << request.method << " " << request.path;
  }
}

TEST(OpenApi, OnlyWithShowDocsElseTheUnknownRouteAnswer) {
  auto hidden = MakeHandler();
  Reply refused = hidden->Handle(Get("/openapi.json"));
  Reply unknown = hidden->Handle(Get("/no-such-route"));
  EXPECT_EQ(refused.status, 404);
  EXPECT_EQ(refused.body, unknown.body);
  EXPECT_EQ(refused.content_type, unknown.content_type);
  Reply docs = hidden->Handle(Get("/docs"));
  EXPECT_EQ(docs.status, 404);
  EXPECT_EQ(docs.body, unknown.body);
  HandlerOptions options;
  options.show_docs = true;
  auto handler = MakeHandler(options);
  Reply reply = handler->Handle(Get("/openapi.json"));
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.content_type, "application/json");
  EXPECT_EQ(reply.body, OpenApiDocument("0.1.0"));
}

TEST(Docs, OnlyWithShowDocs) {
  auto hidden = MakeHandler();
  EXPECT_EQ(hidden->Handle(Get("/docs")).status, 404);
  HandlerOptions options;
  options.show_docs = true;
  auto shown = MakeHandler(options);
  Reply page = shown->Handle(Get("/docs"));
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(page.body.rfind("<!DOCTYPE html>", 0), 0u);
  for (const Route& route : Routes()) {
    EXPECT_NE(page.body.find("<code>" + std::string(route.path) + "</code>"), std::string::npos)
        << route.path;
  }
  // References are resolved: refusals and parameters are described.
  EXPECT_NE(page.body.find("<td>401</td><td>Missing, malformed or wrong signature"), std::string::npos);
  EXPECT_NE(page.body.find("<li><code>X-Request-Id</code> (header)"), std::string::npos);
  // Self-contained: nothing to fetch.
  EXPECT_EQ(page.body.find("<script"), std::string::npos);
  EXPECT_EQ(page.body.find("src="), std::string::npos);
  EXPECT_EQ(page.body.find("https://"), std::string::npos);
}

// --- configuration ------------------------------------------------------------

TEST(ObservabilityConfig, ReadsAndChecksTheVariables) {
  std::map<std::string, std::string> env = {{"SECRET_KEY", "s"}};
  auto defaults = ConfigFromEnvironment(env, false);
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->log_level, "info");
  EXPECT_TRUE(defaults->metrics);
  EXPECT_FALSE(defaults->show_docs);
  EXPECT_EQ(defaults->notify_timeout_seconds, 5);
  EXPECT_EQ(defaults->notify_attempts, 3);

  env.insert({{"LOG_LEVEL", "DEBUG"},
              {"METRICS", "false"},
              {"SHOW_DOCS", "1"},
              {"NOTIFY_URL", "https://example.test/hook"},
              {"NOTIFY_SECRET", "n"},
              {"NOTIFY_SLACK_URL", "http://127.0.0.1:9/slack"},
              {"NOTIFY_TIMEOUT", "2"},
              {"NOTIFY_ATTEMPTS", "5"}, {"NOTIFY_CA_FILE", "ca.pem"}});
  auto set = ConfigFromEnvironment(env, false);
  ASSERT_TRUE(set.ok()) << set.error().message();
  EXPECT_EQ(set->log_level, "debug");
  EXPECT_FALSE(set->metrics);
  EXPECT_TRUE(set->show_docs);
  EXPECT_EQ(set->notify_url, "https://example.test/hook");
  EXPECT_EQ(set->notify_secret, "n");
  EXPECT_EQ(set->notify_slack_url, "http://127.0.0.1:9/slack");
  EXPECT_EQ(set->notify_timeout_seconds, 2);
  EXPECT_EQ(set->notify_attempts, 5);
  EXPECT_EQ(set->notify_ca_file, "ca.pem");
  EXPECT_TRUE(IsHookSetting("NOTIFY_SECRET"));
  EXPECT_TRUE(IsHookSetting("NOTIFY_DISCORD_URL"));

  struct Bad {
    std::string name, value, message;
  };
  for (const Bad& bad : std::vector<Bad>{
           {"LOG_LEVEL", "loud", "LOG_LEVEL must be debug, info, warn or error, not \"loud\""},
           {"METRICS", "maybe", "METRICS must be true or false, not \"maybe\""},
           {"NOTIFY_URL", "ftp://x/secret", "NOTIFY_URL must be an http:// or https:// URL"},
           {"NOTIFY_DISCORD_URL", "discord.com/api/webhooks/1/token",
            "NOTIFY_DISCORD_URL must be an http:// or https:// URL"},
           {"NOTIFY_ATTEMPTS", "0",
            "NOTIFY_ATTEMPTS must be a whole number from 1 to 10, not \"0\""},
       }) {
    auto config = ConfigFromEnvironment({{"SECRET_KEY", "s"}, {bad.name, bad.value}}, false);
    ASSERT_FALSE(config.ok()) << bad.name;
    EXPECT_EQ(config.error().message(), bad.message);
  }
  EXPECT_FALSE(
      ConfigFromEnvironment({{"SECRET_KEY", "s"}, {"SHOW_DOCS", "false"}}, false)->show_docs);
}

}  // namespace
}  // namespace deliveryhook::app
