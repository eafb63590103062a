// `delivery-hook serve`: the webhook server.
#include "serve_command.h"

#include <pthread.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "config.h"
#include "deliveryhook/compose/project.h"
#include "deliveryhook/deploy/deployer.h"
#include "deliveryhook/engine/client.h"
#include "deliveryhook/mutex.h"
#include "deliveryhook/notify/notifier.h"
#include "deliveryhook/webhook/replay_journal.h"
#include "deliveryhook/webhook/verifier.h"
#include "health.h"
#include "job_observer.h"
#include "metrics.h"
#include "request_log.h"
#include "server.h"
#include "ui/ui.h"
#include "version.h"
#include "webhook_handler.h"

namespace deliveryhook::app {
namespace {

// Connects to the engine on first use and again after a failure, so the hook
// starts (and answers 503) while the engine is down.
class EngineConnection {
 public:
  using OnConnected = std::function<void(deliveryhook::engine::Client&)>;
  EngineConnection(deliveryhook::engine::ClientOptions options, std::shared_ptr<Metrics> metrics,
                   OnConnected on_connected)
      : options_(std::move(options)),
        metrics_(std::move(metrics)),
        on_connected_(std::move(on_connected)) {}

  deliveryhook::Result<deliveryhook::engine::Client*> Get() DELIVERYHOOK_EXCLUDES(mutex_) {
    MutexLock lock(mutex_);
    if (!client_) {
      auto endpoint = deliveryhook::engine::Endpoint::Parse(options_.docker_host);
      if (!endpoint) return endpoint.error();
      // Every engine call passes the counter of engine API errors.
      std::shared_ptr<deliveryhook::engine::Transport> transport = CountEngineErrors(
          deliveryhook::engine::MakeCurlTransport(*endpoint, options_.transport), metrics_);
      auto connected = deliveryhook::engine::Client::Connect(transport, options_);
      if (!connected) return connected.error();
      client_.emplace(std::move(*connected));
      RequestLog::Line("event=engine_connected api_version=" + client_->api_version());
      on_connected_(*client_);
    }
    return &*client_;
  }

 private:
  deliveryhook::engine::ClientOptions options_;
  std::shared_ptr<Metrics> metrics_;
  OnConnected on_connected_;
  Mutex mutex_;
  // Set once, by the first Get() that connects; used without the lock then.
  std::optional<deliveryhook::engine::Client> client_ DELIVERYHOOK_GUARDED_BY(mutex_);
};

// The variables compose files are interpolated with: the process environment
// without the hook's own settings (so SECRET_KEY never reaches a container).
deliveryhook::compose::Environment ComposeEnvironment(const std::map<std::string, std::string>& env) {
  deliveryhook::compose::Environment compose_env;
  for (const auto& [name, value] : env) {
    if (!IsHookSetting(name)) compose_env.emplace(name, value);
  }
  return compose_env;
}

void RecoverInterruptedDeploys(deliveryhook::engine::Client& client,
                               const deliveryhook::deploy::DeployerOptions& options) {
  auto repairs = deliveryhook::deploy::Deployer(client, options).RecoverInterrupted();
  if (!repairs) {
    RequestLog::Line(LogLevel::kError,
                     "event=recovery_failed error=" + LogValue(repairs.error().message()));
    return;
  }
  for (const auto& repair : *repairs) RequestLog::Line("event=recovered what=" + LogValue(repair));
}

// For crash tests only: DELIVERY_HOOK_FAULT_KILL_AFTER=<checkpoint> makes the
// process kill itself right after that step of a deploy (see ProgressSink).
std::string FaultKillAfter(const std::map<std::string, std::string>& env) {
  auto it = env.find("DELIVERY_HOOK_FAULT_KILL_AFTER");
  return it == env.end() ? std::string() : it->second;
}

// Keeps job history in DATA_DIR. Without an explicit DATA_DIR, a folder that
// cannot be made (no root, say) means history in memory only, with a warning.
deliveryhook::Status PersistJobs(const Config& config, deliveryhook::jobs::JobStore& store) {
  std::error_code error;
  std::filesystem::create_directories(config.data_dir, error);
  deliveryhook::Status persisted = deliveryhook::Ok();
  if (error) {
    persisted = deliveryhook::Error(deliveryhook::ErrorCode::kFailedPrecondition,
                                    "cannot create DATA_DIR " + config.data_dir + ": " +
                                        error.message());
  } else {
    persisted = store.Persist(config.data_dir + "/jobs.sqlite3",
                              std::chrono::hours(24 * config.job_retention_days));
  }
  if (persisted || config.data_dir_given) return persisted;
  RequestLog::Line(LogLevel::kWarn,
                   "event=job_history_in_memory reason=" + LogValue(persisted.error().message()));
  return deliveryhook::Ok();
}

// The replay memory in the job database, so a request accepted before a
// restart is still a replay after it. Like the jobs, it stays in memory when
// DATA_DIR was not set and the default one cannot be used.
deliveryhook::Result<std::shared_ptr<deliveryhook::webhook::ReplayJournal>> PersistReplays(
    const Config& config, deliveryhook::webhook::SignatureVerifier& verifier) {
  auto journal = deliveryhook::webhook::ReplayJournal::Open(config.data_dir + "/jobs.sqlite3");
  std::optional<deliveryhook::Error> failed;
  if (!journal) failed = journal.error();
  const auto now = deliveryhook::webhook::SystemClock();
  if (journal) {
    auto entries = (*journal)->Load(now());
    if (!entries) {
      failed = entries.error();
    } else {
      verifier.RestoreReplays(*entries);
    }
  }
  if (failed) {
    if (config.data_dir_given) return *failed;
    RequestLog::Line(LogLevel::kWarn,
                     "event=replay_memory_in_memory reason=" + LogValue(failed->message()));
    return std::shared_ptr<deliveryhook::webhook::ReplayJournal>();
  }
  std::shared_ptr<deliveryhook::webhook::ReplayJournal> shared = std::move(*journal);
  verifier.SetReplayJournal([journal = std::weak_ptr(shared), now](
                                const deliveryhook::webhook::ReplayEntry& entry) {
    auto open = journal.lock();
    if (!open) return;
    if (auto saved = open->Save(entry, now()); !saved) {
      RequestLog::Line(LogLevel::kError,
                       "event=replay_memory_write_failed error=" + LogValue(saved.error().message()));
    }
  });
  return shared;
}

// /healthz's engine check: GET /_ping on a transport of its own with a short
// timeout, so a hung engine answers the probe with 503 in seconds.
std::function<deliveryhook::Status()> EnginePing(const Config& config,
                                                 const std::shared_ptr<Metrics>& metrics) {
  deliveryhook::engine::TransportOptions ping;
  ping.connect_timeout = ping.request_timeout = std::chrono::seconds(2);
  auto endpoint = deliveryhook::engine::Endpoint::Parse(config.docker_host);
  if (!endpoint) {
    return [error = endpoint.error()]() -> deliveryhook::Status { return error; };
  }
  std::shared_ptr<deliveryhook::engine::Transport> transport = CountEngineErrors(
      deliveryhook::engine::MakeCurlTransport(*endpoint, ping), metrics);
  return [transport]() -> deliveryhook::Status {
    auto response = transport->Send({"GET", "/_ping", {}, {}});
    if (!response) return response.error();
    if (response->status != 200) {
      return deliveryhook::Error(
          deliveryhook::ErrorCode::kUnavailable,
          "the engine answered /_ping with " + std::to_string(response->status));
    }
    return deliveryhook::Ok();
  };
}

// The receivers NOTIFY_URL, NOTIFY_SLACK_URL and NOTIFY_DISCORD_URL name;
// null when none is set.
std::unique_ptr<deliveryhook::notify::Notifier> MakeNotifier(const Config& config) {
  using deliveryhook::notify::Format;
  std::vector<deliveryhook::notify::Receiver> receivers;
  if (!config.notify_url.empty()) {
    receivers.push_back({Format::kGeneric, config.notify_url, config.notify_secret});
  }
  if (!config.notify_slack_url.empty()) {
    receivers.push_back({Format::kSlack, config.notify_slack_url, ""});
  }
  if (!config.notify_discord_url.empty()) {
    receivers.push_back({Format::kDiscord, config.notify_discord_url, ""});
  }
  if (receivers.empty()) return nullptr;
  const std::chrono::seconds timeout(config.notify_timeout_seconds);
  deliveryhook::notify::NotifierOptions options;
  options.attempts = config.notify_attempts;
  options.log = [](const std::string& fields) { RequestLog::Line(LogLevel::kWarn, fields); };
  deliveryhook::engine::TransportOptions transport;
  transport.connect_timeout = timeout;
  transport.request_timeout = timeout;
  transport.ca_file = config.notify_ca_file;
  return std::make_unique<deliveryhook::notify::Notifier>(
      std::move(receivers), deliveryhook::engine::MakeCurlUrlTransport(transport),
      std::move(options));
}

// Which keys are in use, by id only, and the access rules.
void LogKeys(const Config& config) {
  std::string ids;
  for (const auto& key : config.keys) ids += (ids.empty() ? "" : ",") + key.id;
  RequestLog::Line("event=keys ids=" + LogValue(ids) +
                   " require_opt_in=" + (config.require_opt_in ? "true" : "false") +
                   " auth_fail_limit=" + std::to_string(config.auth_fail_limit));
}

// SIGHUP: reads SECRET_KEY_FILE and KEYS_FILE again and swaps the keys in,
// so a key is added or retired without a restart. A file that no longer
// reads or parses keeps the keys in use, and says why.
void ReloadKeys(std::map<std::string, std::string> env, const Config& running,
                deliveryhook::webhook::SignatureVerifier& verifier, UiPages* ui) {
  // A generated dev secret is not in the environment: keep it.
  if (running.secret_generated) env["SECRET_KEY"] = running.secret;
  auto reloaded = ConfigFromEnvironment(env, /*dev_mode=*/false);
  if (!reloaded) {
    RequestLog::Line(LogLevel::kError, "event=keys_reload_failed error=" +
                                           LogValue(reloaded.error().message()));
    return;
  }
  verifier.ReplaceKeys(reloaded->keys);
  if (ui != nullptr) ui->ReplaceKeys(reloaded->keys);
  std::string ids;
  for (const auto& key : reloaded->keys) ids += (ids.empty() ? "" : ",") + key.id;
  RequestLog::Line("event=keys_reloaded ids=" + LogValue(ids));
}

void PrintDevBanner(const Config& config, int port) {
  const std::string host = config.listen_address == "0.0.0.0" ? "127.0.0.1" : config.listen_address;
  const char* scheme = config.tls_cert_file.empty() ? "http" : "https";
  std::printf(
      "delivery-hook is listening on %s://%s:%d (dev mode)\n"
      "Generated SECRET_KEY for this run: %s\n\n"
      "Try it (replace my-container-name with a container started by docker compose):\n\n"
      "PAYLOAD='{\"container_name\": \"my-container-name\"}'\n"
      "SECRET_KEY=\"%s\"\n"
      "TIMESTAMP=$(date +%%s)\n"
      "SIGNATURE=$(printf '%%s' \"${PAYLOAD}${TIMESTAMP}\" | openssl dgst -sha256 -hmac \"$SECRET_KEY\" | cut -d \" \" -f 2)\n"
      "curl -X POST -H \"Content-Type: application/json\" -H \"X-Timestamp: $TIMESTAMP\" "
      "-H \"X-Signature: $SIGNATURE\" -d \"$PAYLOAD\" %s://%s:%d/pull\n\n",
      scheme, host.c_str(), port, config.secret.c_str(), config.secret.c_str(), scheme, host.c_str(),
      port);
  std::fflush(stdout);
}

}  // namespace

int Serve(bool dev_mode) {
  // SIGINT/SIGTERM (stop) and SIGHUP (reload the keys) are taken by a
  // waiting thread (below). Blocked before any thread starts, as threads
  // inherit the mask: one that did not block them would receive them and end
  // the process at once.
  sigset_t handled_signals;
  sigemptyset(&handled_signals);
  sigaddset(&handled_signals, SIGINT);
  sigaddset(&handled_signals, SIGTERM);
  sigaddset(&handled_signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &handled_signals, nullptr);

  const auto env = deliveryhook::compose::ProcessEnvironment();
  auto config = ConfigFromEnvironment(env, dev_mode);
  if (!config) {
    std::cerr << "delivery-hook: " << config.error().message() << "\n";
    return 2;
  }
  RequestLog::SetThreshold(ParseLogLevel(config->log_level).value_or(LogLevel::kInfo));
  auto metrics = std::make_shared<Metrics>();
  deliveryhook::deploy::DeployerOptions deploy_options;
  deploy_options.environment = ComposeEnvironment(env);
  deploy_options.settle_time = std::chrono::milliseconds(config->settle_milliseconds);

  deliveryhook::engine::ClientOptions engine_options;
  engine_options.docker_host = config->docker_host;
  EngineConnection engine(engine_options, metrics, [&](deliveryhook::engine::Client& client) {
    RecoverInterruptedDeploys(client, deploy_options);
  });
  // Repair what a killed predecessor left before taking new requests.
  if (auto connected = engine.Get(); !connected) {
    RequestLog::Line(LogLevel::kWarn,
                     "event=engine_unavailable error=" + LogValue(connected.error().message()));
  }
  const std::string kill_after = FaultKillAfter(env);

  auto resolve = [&](const deliveryhook::deploy::TargetSelector& selector)
      -> deliveryhook::Result<deliveryhook::deploy::Target> {
    auto client = engine.Get();
    if (!client) return client.error();
    return deliveryhook::deploy::Deployer(**client, deploy_options).Resolve(selector);
  };
  auto deploy = [&](const deliveryhook::deploy::Target& target,
                    deliveryhook::deploy::Action action,
                    const deliveryhook::deploy::ProgressSink& progress)
      -> deliveryhook::Result<deliveryhook::deploy::DeployOutcome> {
    auto client = engine.Get();
    if (!client) return client.error();
    deliveryhook::deploy::ProgressSink sink = progress;
    if (!kill_after.empty()) {
      sink.on_checkpoint = [&kill_after](deliveryhook::deploy::Checkpoint checkpoint) {
        if (ToString(checkpoint) == kill_after) std::raise(SIGKILL);
      };
    }
    return deliveryhook::deploy::Deployer(**client, deploy_options).Deploy(target, action, sink);
  };

  deliveryhook::webhook::VerifierOptions verifier_options;
  verifier_options.window = std::chrono::seconds(config->timestamp_window_seconds);
  verifier_options.replay_capacity = config->replay_per_key;
  auto verifier = std::make_shared<deliveryhook::webhook::SignatureVerifier>(
      config->keys, verifier_options);
  // The job history first, so that the health check can probe it and the
  // job service and handler use it; each part is destroyed after its users.
  deliveryhook::jobs::JobStore job_store(config->job_history);
  if (auto persisted = PersistJobs(*config, job_store); !persisted) {
    std::cerr << "delivery-hook: " << persisted.error().message() << "\n";
    return 1;
  }
  // Declared before the job service: destroyed after it, so the jobs it
  // lets finish still notify.
  auto notifier = MakeNotifier(*config);
  deliveryhook::jobs::JobServiceOptions job_options;
  job_options.workers = config->workers;
  job_options.observer = LoggingJobObserver(metrics, [&notifier](const deliveryhook::jobs::Job& job) {
    if (notifier) notifier->Notify(job);
  });
  deliveryhook::jobs::JobService job_service(job_store, deploy, job_options);

  HandlerOptions handler_options;
  handler_options.max_body_bytes = config->max_body_bytes;
  handler_options.metrics = metrics;
  handler_options.serve_metrics = config->metrics;
  handler_options.show_docs = config->show_docs;
  handler_options.health = std::make_shared<HealthCheck>(HealthProbes{
      EnginePing(*config, metrics), [&job_store]() -> std::optional<deliveryhook::Status> {
        if (!job_store.persistent()) return std::nullopt;
        return job_store.CheckWritable();
      }});
  handler_options.access.require_opt_in = config->require_opt_in;
  handler_options.access.self = deliveryhook::webhook::DetectSelf(deliveryhook::webhook::RealOs());
  handler_options.auth_failures.limit = config->auth_fail_limit;
  handler_options.auth_failures.window = std::chrono::seconds(config->auth_fail_window_seconds);
  handler_options.trusted_proxies = config->trusted_proxies;
  if (config->ui) {
    UiOptions ui;
    ui.token = config->ui_token;
    ui.base_path = config->ui_base_path;
    ui.secure_cookie = !config->tls_cert_file.empty();
    ui.session_lifetime = std::chrono::hours(config->ui_session_hours);
    ui.retention_days = config->job_retention_days;
    ui.retention_jobs = config->job_history;
    ui.engine = [&engine]() -> deliveryhook::Result<deliveryhook::engine::EngineApi*> {
      auto client = engine.Get();
      if (!client) return client.error();
      return static_cast<deliveryhook::engine::EngineApi*>(*client);
    };
    handler_options.ui = std::make_shared<UiPages>(std::move(ui), config->keys);
    RequestLog::Line("event=ui_enabled path=" + LogValue(config->ui_base_path + "/ui/") +
                     " ui_token=" + (config->ui_token.empty() ? "unset" : "set"));
  }
  LogKeys(*config);
  WebhookHandler handler(verifier, resolve, job_service, handler_options);
  // Declared after the handler: destroyed before it, never while in use by
  // a request (the server has stopped by then).
  auto replay_journal = PersistReplays(*config, *verifier);
  if (!replay_journal) {
    std::cerr << "delivery-hook: " << replay_journal.error().message() << "\n";
    return 1;
  }
  ServerOptions server_options;
  server_options.address = config->listen_address;
  server_options.port = config->port;
  server_options.max_body_bytes = config->max_body_bytes;
  server_options.tls_cert_file = config->tls_cert_file;
  server_options.tls_key_file = config->tls_key_file;
  server_options.read_timeout_seconds = config->read_timeout_seconds;
  server_options.write_timeout_seconds = config->write_timeout_seconds;
  server_options.header_timeout_seconds = config->header_timeout_seconds;
  server_options.body_timeout_seconds = config->body_timeout_seconds;
  server_options.max_header_bytes = config->max_header_bytes;
  server_options.max_header_count = config->max_header_count;
  server_options.max_connections = config->max_connections;
  Server server(handler, server_options);

  const int port = server.Bind();
  if (port < 0) {
    const std::string why = server.StartupError();
    if (!why.empty()) {
      std::cerr << "delivery-hook: " << why << "\n";
    } else {
      std::cerr << "delivery-hook: cannot listen on " << config->listen_address << ":"
                << config->port << "\n";
    }
    return 1;
  }
  // On SIGINT/SIGTERM: stop accepting, end queued jobs, give running ones
  // STOP_GRACE_SECONDS, then abort (roll back) what still runs. Serve()
  // returns once the last connection (a job's event stream, say) ended.
  std::thread signal_waiter([&] {
    int signal = 0;
    while (sigwait(&handled_signals, &signal) == 0 && signal == SIGHUP) {
      ReloadKeys(env, *config, *verifier, handler_options.ui.get());
    }
    RequestLog::Line("event=stopping signal=" + std::to_string(signal) +
                     " grace_seconds=" + std::to_string(config->stop_grace_seconds));
    server.Stop();
    job_service.Stop(std::chrono::seconds(config->stop_grace_seconds));
    RequestLog::Line("event=stopped");
  });
  if (config->secret_generated) PrintDevBanner(*config, port);
  RequestLog::Line("event=listening address=" + config->listen_address +
                   " port=" + std::to_string(port) +
                   (config->tls_cert_file.empty() ? "" : " tls=on") + " version=" + kVersion);
  server.Serve();
  // Wake the waiter if the server ended by itself.
  pthread_kill(signal_waiter.native_handle(), SIGTERM);
  signal_waiter.join();
  return 0;
}

}  // namespace deliveryhook::app
