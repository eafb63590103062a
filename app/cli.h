// The `delivery-hook` command line (CLI11): serve, trigger, rollback, sign, jobs, healthcheck,
// check.
//
// Parsing is separate from running so the tests can check it without a hook.
// Exit codes, for every command that talks to a hook:
//   0  the request did what was asked (trigger --wait: the job succeeded)
//   1  trigger --wait, rollback --wait: the job failed or was rolled back
//   2  usage errors, a missing SECRET_KEY, a refused request (401, other
//      4xx/5xx), no connection, a --timeout reached
#ifndef DELIVERYHOOK_APP_CLI_H_
#define DELIVERYHOOK_APP_CLI_H_

#include <string>
#include <vector>

#include "check_command.h"

namespace deliveryhook::app::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitJobFailed = 1;
inline constexpr int kExitError = 2;

struct ServeOptions {
  bool dev = false;
};

struct TriggerOptions {
  std::string url;
  std::string container;  // either this
  std::string project;    // or project + service
  std::string service;
  bool build = false;      // POST /build instead of /pull
  bool wait = false;       // follow the job until it ends
  int timeout_seconds = 600;
  std::string ca_file;     // --cacert: CA certificates for an https:// hook
  std::string image;       // --image: pin a tag or digest of the service's repository
  std::string digest;      // --digest: the sha256 digest the pulled image must have
  bool rollback = false;   // `rollback`: POST /rollback instead
  std::string to;          // rollback --to: a digest, repository@digest or job id
};

struct SignOptions {
  bool body_given = false;  // else the body is read from stdin
  std::string body;
};

struct JobsOptions {
  std::string url;
  bool json = false;
  std::string ca_file;  // --cacert
};

struct HealthcheckOptions {
  std::string url;  // empty: where serve listens, from PORT and LISTEN_ADDRESS
};

enum class Command { kNone, kServe, kTrigger, kRollback, kSign, kJobs, kHealthcheck, kCheck };

struct CommandLine {
  Command command = Command::kNone;
  ServeOptions serve;
  TriggerOptions trigger;
  TriggerOptions rollback;  // with rollback = true
  SignOptions sign;
  JobsOptions jobs;
  HealthcheckOptions healthcheck;
  CheckOptions check;
  // Set when parsing already decided the outcome (--help, --version, a usage
  // error): print `out` and `err` and exit with this code.
  bool finished = false;
  int exit_code = kExitOk;
  std::string out;
  std::string err;
};

// Parses the arguments after the program name.
CommandLine ParseCommandLine(const std::vector<std::string>& args);

// main(): parses and runs the command; returns the exit code.
int RunCli(int argc, char** argv);

}  // namespace deliveryhook::app::cli

#endif  // DELIVERYHOOK_APP_CLI_H_
