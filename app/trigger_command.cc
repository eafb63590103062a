// `delivery-hook trigger` and `rollback`: sign and send a /pull, /build or /rollback,
// optionally follow the job.
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <optional>
#include <thread>

#include "commands.h"

namespace deliveryhook::app::cli {
namespace {

constexpr int kMaxPollFailures = 5;  // consecutive connection errors while following
constexpr std::size_t kLogLinesOnFailure = 10;

std::string OneLine(std::string_view text) {
  std::string line(text);
  for (char& c : line) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  return line;
}

// The first `width` characters (code points) of `text`.
std::string CutToWidth(const std::string& text, std::size_t width) {
  std::size_t characters = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool starts_character = (static_cast<unsigned char>(text[i]) & 0xC0) != 0x80;
    if (starts_character && characters++ == width) return text.substr(0, i);
  }
  return text;
}

// "delivery-hook trigger: " or "delivery-hook rollback: ", before every message.
std::string Prefix(const TriggerOptions& options) {
  return options.rollback ? "delivery-hook rollback: " : "delivery-hook trigger: ";
}

std::string TargetOf(const TriggerOptions& options) {
  return options.container.empty() ? options.project + "/" + options.service : options.container;
}

}  // namespace

bool IsFinalJobState(std::string_view state) { return state != "queued" && state != "running"; }

int ExitCodeForJobState(std::string_view state) {
  if (state == "succeeded") return kExitOk;
  if (state == "failed" || state == "rolled_back") return kExitJobFailed;
  return kExitError;
}

int ExitCodeForTriggerStatus(int http_status) {
  return http_status == 200 || http_status == 202 ? kExitOk : kExitError;
}

std::string DescribeRefusal(int http_status, std::string_view error_message) {
  const std::string answer = "the hook answered " + std::to_string(http_status) + ": " +
                             std::string(error_message);
  switch (http_status) {
    case 401:
      return answer + " (authentication refused: is SECRET_KEY the hook's, and the clock in sync?)";
    case 404:
      // A rollback's "to" that the history does not know says so itself.
      if (error_message.rfind("\"to\"", 0) == 0) return answer;
      return answer + " (an unknown container, or --url does not point at the hook)";
    case 429:
      return answer + " (too many deploys are queued; try again later)";
    case 503:
      return answer + " (the hook cannot reach the Docker engine)";
    default:
      return answer;
  }
}

std::string ProgressLine(const JobView& job, std::size_t width) {
  std::string line = "[" + (job.state.empty() ? std::string("queued") : job.state) + "]";
  if (!job.step.empty()) line += " " + job.step;
  if (!job.log.empty()) line += " | " + job.log.back();
  return CutToWidth(OneLine(line), width);
}

CommandIo CommandIo::Process() {
  CommandIo io;
  io.out = &std::cout;
  io.err = &std::cerr;
  io.err_is_terminal = isatty(STDERR_FILENO) == 1;
  winsize size{};
  if (io.err_is_terminal && ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) {
    io.terminal_width = size.ws_col;
  }
  io.now = [] { return std::chrono::steady_clock::now(); };
  io.sleep = [](std::chrono::milliseconds duration) { std::this_thread::sleep_for(duration); };
  io.unix_millis = [] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
  return io;
}

namespace {

// Shows a followed job's progress on stderr: on a terminal one line
// rewritten in place, otherwise one line per step (CI logs stay readable).
class ProgressPrinter {
 public:
  ProgressPrinter(const TriggerOptions& options, const CommandIo& io)
      : options_(options), io_(io), err_(*io.err) {}

  void Show(const JobView& job) {
    if (io_.err_is_terminal) {
      const std::size_t width = io_.terminal_width > 1 ? io_.terminal_width - 1 : 79;
      err_ << "\r\033[K" << ProgressLine(job, width) << std::flush;
      shown_ = true;
      return;
    }
    JobView step_only = job;
    step_only.log.clear();
    std::string line = ProgressLine(step_only, 200);
    if (line != last_printed_) err_ << line << "\n";
    last_printed_ = std::move(line);
  }

  // Ends the terminal line, so a message can follow.
  void EndLine() {
    if (shown_) err_ << "\n";
    shown_ = false;
  }

  // The outcome of a final job; returns the exit code.
  int Finish(const JobView& job) {
    EndLine();
    const int code = ExitCodeForJobState(job.state);
    if (code == kExitOk) {
      err_ << Prefix(options_) << "job " << job.id << " succeeded";
      if (!job.image_id.empty()) err_ << "; " << TargetOf(options_) << " runs " << job.image_id;
      err_ << "\n";
      return code;
    }
    err_ << Prefix(options_) << "job " << job.id << " " << job.state << ": "
         << (job.error.empty() ? "(no error given)" : job.error) << "\n";
    if (!job.log.empty()) {
      err_ << "last progress lines:\n";
      const std::size_t first =
          job.log.size() > kLogLinesOnFailure ? job.log.size() - kLogLinesOnFailure : 0;
      for (std::size_t i = first; i < job.log.size(); ++i) err_ << "  " << OneLine(job.log[i]) << "\n";
    }
    return code;
  }

 private:
  const TriggerOptions& options_;
  const CommandIo& io_;
  std::ostream& err_;
  bool shown_ = false;  // a terminal line waits for its newline
  std::string last_printed_;
};

// Follows the job's event stream (GET /jobs/<id>/events, NDJSON) until it
// ends. Returns the exit code once the stream brought the final state;
// nothing when it could not be had (an older hook, a proxy that buffers or
// cuts it, a broken connection), and the caller polls instead.
std::optional<int> FollowEvents(HookClient& client, const JobView& accepted,
                                std::chrono::steady_clock::time_point deadline,
                                const CommandIo& io, ProgressPrinter& printer) {
  const auto left = std::chrono::ceil<std::chrono::seconds>(deadline - io.now());
  if (left <= std::chrono::seconds(0)) return std::nullopt;
  JobView job = accepted;
  std::string pending;
  bool final_seen = false;
  auto streamed = client.FollowJobEvents(accepted.id, accepted.token, left, [&](std::string_view chunk) {
    pending.append(chunk);
    for (std::size_t end; !final_seen && (end = pending.find('\n')) != std::string::npos;) {
      const std::string line = pending.substr(0, end);
      pending.erase(0, end + 1);
      if (!ApplyJobEvent(line, job)) continue;
      printer.Show(job);
      final_seen = IsFinalJobState(job.state);
    }
  });
  if (!final_seen || !streamed || streamed->status != 200) return std::nullopt;
  return printer.Finish(job);
}

// Polls the job until it ends or the timeout passes.
int PollJob(const TriggerOptions& options, HookClient& client, const JobView& accepted,
            std::chrono::steady_clock::time_point deadline, const CommandIo& io,
            ProgressPrinter& printer) {
  std::ostream& err = *io.err;
  int failures = 0;
  JobView job = accepted;
  while (true) {
    auto response = client.GetJob(accepted.id, accepted.token);
    if (!response) {
      if (++failures >= kMaxPollFailures) {
        printer.EndLine();
        err << Prefix(options) << "lost the hook while following job " << accepted.id << ": "
            << response.error().message() << "\n";
        return kExitError;
      }
    } else if (response->status != 200) {
      printer.EndLine();
      err << Prefix(options) << "GET /jobs/" << accepted.id << " answered " << response->status
          << ": " << ErrorMessageOf(*response)
          << (response->status == 404 ? " (did the hook restart? it keeps jobs in memory)" : "")
          << "\n";
      return kExitError;
    } else {
      failures = 0;
      auto parsed = ParseJob(response->body);
      if (!parsed) {
        printer.EndLine();
        err << Prefix(options) << parsed.error().message() << "\n";
        return kExitError;
      }
      job = std::move(*parsed);
      printer.Show(job);
      if (IsFinalJobState(job.state)) return printer.Finish(job);
    }
    const auto now = io.now();
    if (now >= deadline) {
      printer.EndLine();
      err << Prefix(options) << "timed out after " << options.timeout_seconds
          << "s waiting for job " << accepted.id << " (still "
          << (job.state.empty() ? "queued" : job.state)
          << (job.step.empty() ? "" : ", step " + job.step)
          << "); the deploy continues on the hook\n";
      return kExitError;
    }
    io.sleep(std::min<std::chrono::milliseconds>(
        kPollInterval, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now) +
                           std::chrono::milliseconds(1)));
  }
}

// Follows the job live through its event stream; polls when the stream is
// unavailable. Exit codes are the same either way.
int FollowJob(const TriggerOptions& options, HookClient& client, const JobView& accepted,
              const CommandIo& io) {
  const auto deadline = io.now() + std::chrono::seconds(options.timeout_seconds);
  ProgressPrinter printer(options, io);
  if (auto code = FollowEvents(client, accepted, deadline, io, printer)) return *code;
  return PollJob(options, client, accepted, deadline, io, printer);
}

}  // namespace

int RunTrigger(const TriggerOptions& options, HookClient& client, const CommandIo& io) {
  std::ostream& err = *io.err;
  const std::string action = options.rollback ? "rollback" : options.build ? "build" : "pull";
  const std::string target_body = options.container.empty()
                                      ? ServiceBody(options.project, options.service)
                                      : ContainerBody(options.container);
  const std::string body = options.rollback
                               ? WithRollbackTo(target_body, options.to)
                               : WithPin(target_body, options.image, options.digest);
  auto response = client.Trigger(action, body);
  if (!response) {
    err << Prefix(options) << response.error().message() << "\n";
    return kExitError;
  }
  if (ExitCodeForTriggerStatus(response->status) != kExitOk) {
    err << Prefix(options) << DescribeRefusal(response->status, ErrorMessageOf(*response))
        << "\n";
    return kExitError;
  }
  auto job = ParseJob(response->body);
  if (!job || job->token.empty()) {
    err << Prefix(options) << "the hook accepted the request but its answer names no job "
           "(is --url the hook?)\n";
    return kExitError;
  }
  *io.out << job->id << std::endl;
  err << Prefix(options) << action << " of " << TargetOf(options) << " accepted as job "
      << job->id << (job->joined ? " (joined the queued job for this service)" : "") << "\n";
  if (!options.wait) return kExitOk;
  return FollowJob(options, client, *job, io);
}

}  // namespace deliveryhook::app::cli
