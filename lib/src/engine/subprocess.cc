#include "engine/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

extern char** environ;

namespace deliveryhook::engine {
namespace {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

class SpawnFileActions {
 public:
  SpawnFileActions() { ok_ = posix_spawn_file_actions_init(&actions_) == 0; }
  ~SpawnFileActions() {
    if (ok_) posix_spawn_file_actions_destroy(&actions_);
  }
  SpawnFileActions(const SpawnFileActions&) = delete;
  SpawnFileActions& operator=(const SpawnFileActions&) = delete;
  bool ok() const { return ok_; }
  posix_spawn_file_actions_t* get() { return &actions_; }

 private:
  posix_spawn_file_actions_t actions_{};
  bool ok_ = false;
};

Error SystemError(std::string_view what) {
  return Error(ErrorCode::kInternal, std::string(what) + ": " + std::strerror(errno));
}

}  // namespace

Result<ProcessOutput> RunProcess(const std::vector<std::string>& argv, std::string_view input,
                                 std::chrono::milliseconds timeout) {
  if (argv.empty()) return Error(ErrorCode::kInvalidArgument, "no program to run");
  // stdin is a socket so that writing to a helper that already exited fails
  // with EPIPE (MSG_NOSIGNAL) instead of raising SIGPIPE in this process.
  int stdin_pair[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, stdin_pair) != 0) return SystemError("socketpair");
  UniqueFd stdin_parent(stdin_pair[0]), stdin_child(stdin_pair[1]);
  int out_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) return SystemError("pipe2");
  UniqueFd out_read(out_pipe[0]), out_write(out_pipe[1]);
  int err_pipe[2];
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) return SystemError("pipe2");
  UniqueFd err_read(err_pipe[0]), err_write(err_pipe[1]);

  SpawnFileActions actions;
  if (!actions.ok()) return SystemError("posix_spawn_file_actions_init");
  posix_spawn_file_actions_adddup2(actions.get(), stdin_child.get(), STDIN_FILENO);
  posix_spawn_file_actions_adddup2(actions.get(), out_write.get(), STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(actions.get(), err_write.get(), STDERR_FILENO);

  std::vector<char*> args;
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);

  pid_t pid = 0;
  const int spawn_error = ::posix_spawnp(&pid, argv[0].c_str(), actions.get(), nullptr, args.data(), environ);
  if (spawn_error != 0) {
    if (spawn_error == ENOENT) {
      return Error(ErrorCode::kNotFound, "program " + argv[0] + " not found on PATH");
    }
    return Error(ErrorCode::kInternal, "cannot run " + argv[0] + ": " + std::strerror(spawn_error));
  }
  stdin_child.reset();
  out_write.reset();
  err_write.reset();

  ProcessOutput output;
  constexpr size_t kMaxOutput = 1 << 20;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  size_t written = 0;
  if (input.empty()) stdin_parent.reset();
  bool timed_out = false;
  while (out_read.get() >= 0 || err_read.get() >= 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd fds[3];
    int count = 0;
    auto watch = [&](UniqueFd& fd, short events) {
      if (fd.get() >= 0) fds[count++] = pollfd{fd.get(), events, 0};
    };
    watch(stdin_parent, POLLOUT);
    watch(out_read, POLLIN);
    watch(err_read, POLLIN);
    const int ready = ::poll(fds, count, static_cast<int>(left.count()));
    if (ready < 0) {
      if (errno == EINTR) continue;
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
      return SystemError("poll");
    }
    for (int i = 0; i < count; ++i) {
      if (fds[i].revents == 0) continue;
      if (fds[i].fd == stdin_parent.get()) {
        const ssize_t n = ::send(stdin_parent.get(), input.data() + written, input.size() - written,
                                 MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) written += static_cast<size_t>(n);
        if (n < 0 && errno != EAGAIN && errno != EINTR) stdin_parent.reset();  // helper stopped reading
        if (written == input.size()) stdin_parent.reset();
        continue;
      }
      const bool is_out = fds[i].fd == out_read.get();
      std::string& sink = is_out ? output.out : output.err;
      char buffer[4096];
      const ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
      if (n > 0) {
        if (sink.size() < kMaxOutput) sink.append(buffer, static_cast<size_t>(n));
      } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
        (is_out ? out_read : err_read).reset();
      }
    }
  }
  if (timed_out) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    return Error(ErrorCode::kDeadlineExceeded,
                 argv[0] + " did not finish within " + std::to_string(timeout.count()) + " ms");
  }
  stdin_parent.reset();
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return SystemError("waitpid");
  }
  output.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return output;
}

}  // namespace deliveryhook::engine
