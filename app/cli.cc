// The command line, wired with CLI11.
#include "cli.h"

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <iterator>
#include <optional>
#include <sstream>

#include "commands.h"
#include "deliveryhook/compose/project.h"
#include "deliveryhook/webhook/keys.h"
#include "healthcheck_command.h"
#include "hook_client.h"
#include "serve_command.h"
#include "settings.h"
#include "version.h"

namespace deliveryhook::app::cli {
namespace {

constexpr char kDescription[] =
    "delivery-hook: redeploy a Docker Compose service from a signed HTTP request";

constexpr char kExitCodes[] = R"(
Exit codes of trigger, rollback and jobs: 0 done (--wait: the job succeeded), 1 the job
failed or was rolled back, 2 usage error, SECRET_KEY missing, request refused (401,
other 4xx/5xx), hook unreachable, --timeout reached. healthcheck: 0 healthy, 1 not.
)";

// The exit codes, then every setting of serve with its default, from the
// one table (settings.cc), so the help and the man page cannot drift.
std::string Footer() {
  return std::string(kExitCodes) + "\n" + SettingsHelp() +
         "\ntrigger, rollback, sign and jobs sign with SECRET_KEY (or SECRET_KEY_FILE) too. Every setting\n"
         "in full: docs/configuration.md (/usr/share/doc/delivery-hook/docs with the .deb).";
}

CommandLine Finished(int exit_code, std::string out, std::string err) {
  CommandLine result;
  result.finished = true;
  result.exit_code = exit_code;
  result.out = std::move(out);
  result.err = std::move(err);
  return result;
}

// SECRET_KEY, or the content of the file SECRET_KEY_FILE names (a Docker
// secret), as serve reads them; empty when neither gives one.
std::string SecretFromEnvironment() {
  if (const char* secret = std::getenv("SECRET_KEY"); secret != nullptr && *secret != '\0') {
    return secret;
  }
  const char* file = std::getenv("SECRET_KEY_FILE");
  if (file == nullptr || *file == '\0') return {};
  auto secret = deliveryhook::webhook::ReadSecretFile(file);
  return secret ? *secret : std::string();
}

// The URL and SECRET_KEY checks trigger and jobs share; on failure prints why.
std::optional<HookClient> ClientFor(const std::string& command, const std::string& url,
                                    const std::string& ca_file) {
  auto parsed = ParseHookUrl(url);
  if (!parsed) {
    std::cerr << "delivery-hook " << command << ": " << parsed.error().message() << "\n";
    return std::nullopt;
  }
  std::string secret = SecretFromEnvironment();
  if (secret.empty()) {
    std::cerr << "delivery-hook " << command << ": SECRET_KEY is not set (nor a readable SECRET_KEY_FILE)\n";
    return std::nullopt;
  }
  return HookClient::OverCurl(std::move(*parsed), std::move(secret), ca_file);
}

}  // namespace

CommandLine ParseCommandLine(const std::vector<std::string>& args) {
  CommandLine result;
  CLI::App app(kDescription, "delivery-hook");
  app.set_version_flag("--version", std::string("delivery-hook ") + kVersion);
  app.require_subcommand(1);
  app.footer(Footer());

  CLI::App* serve = app.add_subcommand(
      "serve", "Serve POST /pull, /build, /rollback and GET /jobs (settings from the environment)");
  serve->add_flag("--dev", result.serve.dev,
                  "Generate a secret when SECRET_KEY is unset and listen on 127.0.0.1 "
                  "(for trying the hook out)");

  TriggerOptions& t = result.trigger;
  CLI::App* trigger = app.add_subcommand(
      "trigger", "Ask a running hook to redeploy one service (POST /pull or /build), "
                 "signed with SECRET_KEY");
  trigger->add_option("--url", t.url, "The hook's base URL, http[s]://host[:port][/prefix]")
      ->required();
  trigger->add_option("--cacert", t.ca_file,
                      "With an https:// URL: verify the hook with these CA certificates (PEM)");
  CLI::Option* container =
      trigger->add_option("--container", t.container, "The container to redeploy, by name");
  CLI::Option* project =
      trigger->add_option("--project", t.project, "The compose project (with --service)");
  CLI::Option* service =
      trigger->add_option("--service", t.service, "The compose service (with --project)");
  project->needs(service);
  service->needs(project);
  container->excludes(project);
  container->excludes(service);
  CLI::Option* build = trigger->add_flag(
      "--build", t.build,
      "Build the image from the service's build: context (POST /build) "
      "instead of pulling it (POST /pull)");
  trigger->add_option("--image", t.image,
                      "Deploy this tag or digest of the service's repository instead of the "
                      "compose file's (e.g. registry/app:v2 or registry/app@sha256:...)")
      ->excludes(build);
  trigger->add_option("--digest", t.digest,
                      "Fail the job unless the pulled image has this digest (sha256:...)")
      ->excludes(build);
  trigger->add_flag("--wait", t.wait,
                    "Follow the job until it ends; exit 0 only when it succeeded");
  trigger->add_option("--timeout", t.timeout_seconds,
                      "With --wait: give up after this many seconds (exit 2)")
      ->check(CLI::Range(1, 86400))
      ->capture_default_str();

  TriggerOptions& r = result.rollback;
  r.rollback = true;
  CLI::App* rollback = app.add_subcommand(
      "rollback", "Ask a running hook to put back the image a service ran before its last "
                  "deploy, or an earlier one (POST /rollback), pinned by digest and signed "
                  "with SECRET_KEY");
  rollback->add_option("--url", r.url, "The hook's base URL, http[s]://host[:port][/prefix]")
      ->required();
  rollback->add_option("--cacert", r.ca_file,
                       "With an https:// URL: verify the hook with these CA certificates (PEM)");
  CLI::Option* r_container =
      rollback->add_option("--container", r.container, "The container to roll back, by name");
  CLI::Option* r_project =
      rollback->add_option("--project", r.project, "The compose project (with --service)");
  CLI::Option* r_service =
      rollback->add_option("--service", r.service, "The compose service (with --project)");
  r_project->needs(r_service);
  r_service->needs(r_project);
  r_container->excludes(r_project);
  r_container->excludes(r_service);
  rollback->add_option("--to", r.to,
                       "Put back this image instead: a digest the service ran (sha256:...), "
                       "registry/app@sha256:..., or the id of one of its succeeded jobs");
  rollback->add_flag("--wait", r.wait,
                     "Follow the job until it ends; exit 0 only when it succeeded");
  rollback->add_option("--timeout", r.timeout_seconds,
                       "With --wait: give up after this many seconds (exit 2)")
      ->check(CLI::Range(1, 86400))
      ->capture_default_str();

  CLI::App* sign = app.add_subcommand(
      "sign", "Print the X-Timestamp and X-Signature headers for a body, signed with SECRET_KEY");
  CLI::Option* body = sign->add_option(
      "body", result.sign.body, "The request body; when omitted, stdin is read byte for byte");

  CLI::App* jobs = app.add_subcommand(
      "jobs", "List the hook's recent jobs (GET /jobs, signed with SECRET_KEY)");
  jobs->add_option("--url", result.jobs.url, "The hook's base URL, http[s]://host[:port][/prefix]")
      ->required();
  jobs->add_option("--cacert", result.jobs.ca_file,
                   "With an https:// URL: verify the hook with these CA certificates (PEM)");
  jobs->add_flag("--json", result.jobs.json, "Print the hook's JSON answer as it is");

  CLI::App* healthcheck = app.add_subcommand(
      "healthcheck", "Exit 0 when the hook answers GET /healthz with a 2xx, 1 otherwise "
                     "(for a container HEALTHCHECK)");
  healthcheck->add_option("--url", result.healthcheck.url,
                          "The hook's base URL; default: http://127.0.0.1:$PORT, where serve "
                          "listens with the same environment");

  CLI::App* check = app.add_subcommand(
      "check", "Load a compose project as the hook does; print per service whether the hook can "
               "redeploy it and its config hash, or every key that stops it (file and line)");
  check->add_option("-f,--file", result.check.files, "A compose file (repeatable); default: compose.yaml");
  check->add_option("--project-directory", result.check.project_directory,
                    "The project directory; default: the first file's directory");
  check->add_option("--compose-version", result.check.compose_version,
                    "The compose release whose config hash to print")
      ->capture_default_str();

  if (args.empty()) return Finished(kExitError, "", app.help());

  std::vector<const char*> argv = {"delivery-hook"};
  for (const auto& arg : args) argv.push_back(arg.c_str());
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::ParseError& error) {
    std::ostringstream out;
    std::ostringstream err;
    const int code = app.exit(error, out, err);
    return Finished(code == 0 ? kExitOk : kExitError, out.str(), err.str());
  }

  if (app.got_subcommand(serve)) {
    result.command = Command::kServe;
  } else if (app.got_subcommand(trigger)) {
    result.command = Command::kTrigger;
    if (t.container.empty() && (t.project.empty() || t.service.empty())) {
      return Finished(kExitError, "",
                      "trigger: name the service with --container NAME, or with --project P "
                      "--service S\nRun with --help for more information.\n");
    }
  } else if (app.got_subcommand(rollback)) {
    result.command = Command::kRollback;
    if (r.container.empty() && (r.project.empty() || r.service.empty())) {
      return Finished(kExitError, "",
                      "rollback: name the service with --container NAME, or with --project P "
                      "--service S\nRun with --help for more information.\n");
    }
  } else if (app.got_subcommand(sign)) {
    result.command = Command::kSign;
    result.sign.body_given = body->count() > 0;
  } else if (app.got_subcommand(jobs)) {
    result.command = Command::kJobs;
  } else if (app.got_subcommand(healthcheck)) {
    result.command = Command::kHealthcheck;
  } else if (app.got_subcommand(check)) {
    result.command = Command::kCheck;
  }
  return result;
}

int RunSign(const SignOptions& options, const std::string& secret, std::istream& in,
            const CommandIo& io) {
  if (secret.empty()) {
    *io.err << "delivery-hook sign: SECRET_KEY is not set (nor a readable SECRET_KEY_FILE)\n";
    return kExitError;
  }
  std::string body = options.body;
  if (!options.body_given) {
    body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  const SignatureHeaders headers = SignMessage(secret, body, io.unix_millis() / 1000);
  *io.out << "X-Timestamp: " << headers.timestamp << "\n"
          << "X-Signature: " << headers.signature << "\n";
  io.out->flush();
  return kExitOk;
}

int RunCli(int argc, char** argv) {
  const CommandLine command_line = ParseCommandLine(std::vector<std::string>(argv + 1, argv + argc));
  if (command_line.finished) {
    std::cout << command_line.out << std::flush;
    std::cerr << command_line.err << std::flush;
    return command_line.exit_code;
  }
  const CommandIo io = CommandIo::Process();
  switch (command_line.command) {
    case Command::kServe:
      return Serve(command_line.serve.dev);
    case Command::kSign:
      return RunSign(command_line.sign, SecretFromEnvironment(), std::cin, io);
    case Command::kTrigger: {
      auto client = ClientFor("trigger", command_line.trigger.url, command_line.trigger.ca_file);
      return client ? RunTrigger(command_line.trigger, *client, io) : kExitError;
    }
    case Command::kRollback: {
      auto client = ClientFor("rollback", command_line.rollback.url, command_line.rollback.ca_file);
      return client ? RunTrigger(command_line.rollback, *client, io) : kExitError;
    }
    case Command::kJobs: {
      auto client = ClientFor("jobs", command_line.jobs.url, command_line.jobs.ca_file);
      return client ? RunJobs(command_line.jobs, *client, io) : kExitError;
    }
    case Command::kHealthcheck:
      return RunHealthcheckCommand(command_line.healthcheck,
                                   deliveryhook::compose::ProcessEnvironment(), std::cerr);
    case Command::kCheck:
      return RunCheck(command_line.check, deliveryhook::compose::ProcessEnvironment(),
                      std::filesystem::current_path().string(), std::cout, std::cerr);
    case Command::kNone:
      break;
  }
  return kExitError;
}

}  // namespace deliveryhook::app::cli
