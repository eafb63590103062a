#include "connection_stream.h"

#include <fcntl.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>

namespace deliveryhook::app {
namespace {

constexpr std::size_t kReadChunk = 16 * 1024;
// Closing with unread bytes makes the kernel reset the connection, which can
// discard an answer the client has not read yet; so after a refusal the
// client's leftovers are read and dropped, for this long at most.
constexpr std::chrono::milliseconds kDrainTime{1000};
constexpr std::size_t kDrainBytes = 16 * 1024 * 1024;

bool IsWouldBlock(int error) { return error == EAGAIN || error == EWOULDBLOCK; }

void AddressOf(int fd, bool remote, std::string& address, int& port) {
  sockaddr_storage storage{};
  socklen_t length = sizeof storage;
  auto* name = reinterpret_cast<sockaddr*>(&storage);
  const int rc = remote ? getpeername(fd, name, &length) : getsockname(fd, name, &length);
  if (rc != 0) return;
  char host[NI_MAXHOST];
  char service[NI_MAXSERV];
  if (getnameinfo(name, length, host, sizeof host, service, sizeof service,
                  NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
    return;
  }
  address = host;
  port = std::atoi(service);
}

}  // namespace

ConnectionStream::ConnectionStream(int fd, ssl_ctx_st* tls, std::chrono::milliseconds read_gap,
                                   std::chrono::milliseconds write_gap)
    : fd_(fd), read_gap_(read_gap), write_gap_(write_gap) {
  const int flags = fcntl(fd_, F_GETFL, 0);
  if (flags >= 0) fcntl(fd_, F_SETFL, flags | O_NONBLOCK);
  if (tls != nullptr) {
    ssl_ = SSL_new(tls);
    if (ssl_ != nullptr && SSL_set_fd(ssl_, fd_) != 1) {
      SSL_free(ssl_);
      ssl_ = nullptr;
    }
    tls_failed_ = ssl_ == nullptr;
  }
}

ConnectionStream::~ConnectionStream() {
  if (ssl_ != nullptr) SSL_free(ssl_);
}

bool ConnectionStream::Poll(short events, Clock::time_point deadline) const {
  for (;;) {
    const auto now = Clock::now();
    if (now >= deadline) return false;
    const auto wait = std::chrono::ceil<std::chrono::milliseconds>(deadline - now);
    pollfd entry{fd_, events, 0};
    const int rc = ::poll(&entry, 1, static_cast<int>(std::min<std::int64_t>(wait.count(), 60000)));
    if (rc > 0) return true;  // ready, or an error/hang-up the next call reports
    if (rc < 0 && errno != EINTR) return false;
  }
}

bool ConnectionStream::Handshake(Clock::time_point deadline) {
  if (tls_failed_) return false;
  if (ssl_ == nullptr) return true;
  for (;;) {
    ERR_clear_error();
    const int rc = SSL_accept(ssl_);
    if (rc == 1) return true;
    const int error = SSL_get_error(ssl_, rc);
    const auto until = std::min(deadline, Clock::now() + read_gap_);
    if (error == SSL_ERROR_WANT_READ) {
      if (!Poll(POLLIN, until)) return false;
    } else if (error == SSL_ERROR_WANT_WRITE) {
      if (!Poll(POLLOUT, until)) return false;
    } else {
      ERR_clear_error();
      return false;
    }
  }
}

ssize_t ConnectionStream::Fill(Clock::time_point deadline) {
  if (tls_failed_) return -1;
  buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(position_));
  position_ = 0;
  const std::size_t before = buffer_.size();
  buffer_.resize(before + kReadChunk);
  char* into = buffer_.data() + before;
  ssize_t got = -1;
  for (;;) {
    const auto until = std::min(deadline, Clock::now() + read_gap_);
    if (ssl_ == nullptr) {
      const ssize_t n = ::recv(fd_, into, kReadChunk, 0);
      if (n >= 0) {
        got = n;
        break;
      }
      if (errno == EINTR) continue;
      if (!IsWouldBlock(errno) || !Poll(POLLIN, until)) break;
      continue;
    }
    ERR_clear_error();
    const int n = SSL_read(ssl_, into, static_cast<int>(kReadChunk));
    if (n > 0) {
      got = n;
      break;
    }
    const int error = SSL_get_error(ssl_, n);
    if (error == SSL_ERROR_WANT_READ) {
      if (!Poll(POLLIN, until)) break;
    } else if (error == SSL_ERROR_WANT_WRITE) {
      if (!Poll(POLLOUT, until)) break;
    } else {
      // close_notify, or the client closed without one: the end either way.
      ERR_clear_error();
      got = (error == SSL_ERROR_ZERO_RETURN || error == SSL_ERROR_SYSCALL) ? 0 : -1;
      break;
    }
  }
  buffer_.resize(before + static_cast<std::size_t>(std::max<ssize_t>(got, 0)));
  return got;
}

bool ConnectionStream::WaitForData(Clock::time_point deadline) {
  if (HasBuffered()) return true;
  return Fill(deadline) > 0;
}

ssize_t ConnectionStream::Read(char* data, std::size_t size) {
  if (!HasBuffered()) {
    const ssize_t n = Fill(read_deadline_);
    if (n <= 0) return n;
  }
  const std::size_t count = std::min(size, buffer_.size() - position_);
  std::copy_n(buffer_.data() + position_, count, data);
  position_ += count;
  return static_cast<ssize_t>(count);
}

ssize_t ConnectionStream::Write(const char* data, std::size_t size) {
  if (tls_failed_) return -1;
  std::size_t done = 0;
  while (done < size) {
    const auto until = Clock::now() + write_gap_;
    if (ssl_ == nullptr) {
      const ssize_t n = ::send(fd_, data + done, size - done, MSG_NOSIGNAL);
      if (n >= 0) {
        done += static_cast<std::size_t>(n);
        continue;
      }
      if (errno == EINTR) continue;
      if (!IsWouldBlock(errno) || !Poll(POLLOUT, until)) return -1;
      continue;
    }
    // After a want-read/write, OpenSSL needs the same arguments again.
    const int piece = static_cast<int>(std::min<std::size_t>(size - done, 1 << 20));
    ERR_clear_error();
    const int n = SSL_write(ssl_, data + done, piece);
    if (n > 0) {
      done += static_cast<std::size_t>(n);
      continue;
    }
    const int error = SSL_get_error(ssl_, n);
    if (error == SSL_ERROR_WANT_WRITE) {
      if (!Poll(POLLOUT, until)) return -1;
    } else if (error == SSL_ERROR_WANT_READ) {
      if (!Poll(POLLIN, until)) return -1;
    } else {
      ERR_clear_error();
      return -1;
    }
  }
  return static_cast<ssize_t>(size);
}

bool ConnectionStream::Writable() const {
  if (!Poll(POLLOUT, Clock::now() + write_gap_)) return false;
  pollfd entry{fd_, POLLIN, 0};
  if (::poll(&entry, 1, 0) == 1) {
    if (entry.revents & (POLLERR | POLLNVAL)) return false;
    // Readable: either bytes sent ahead (alive) or the end of the stream.
    char byte;
    const ssize_t n = ::recv(fd_, &byte, 1, MSG_PEEK);
    if (n == 0 || (n < 0 && !IsWouldBlock(errno))) return false;
  }
  return true;
}

void ConnectionStream::Finish(bool graceful, bool drain) {
  if (ssl_ != nullptr && graceful && !tls_failed_) {
    ERR_clear_error();
    SSL_shutdown(ssl_);  // sends close_notify; the client's is not waited for
    ERR_clear_error();
  }
  ::shutdown(fd_, SHUT_WR);
  if (!drain) return;
  const auto deadline = Clock::now() + kDrainTime;
  char sink[4096];
  for (std::size_t drained = 0; drained < kDrainBytes;) {
    const ssize_t n = ::recv(fd_, sink, sizeof sink, 0);
    if (n > 0) {
      drained += static_cast<std::size_t>(n);
      continue;
    }
    if (n == 0) break;
    if (errno == EINTR) continue;
    if (!IsWouldBlock(errno) || !Poll(POLLIN, deadline)) break;
  }
}

void ConnectionStream::Address(bool remote, std::string& address, int& port) const {
  AddressOf(fd_, remote, address, port);
}

}  // namespace deliveryhook::app
