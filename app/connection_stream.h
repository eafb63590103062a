// The bytes of one accepted connection, plain or TLS, with deadlines.
//
// One stream serves every request of a keep-alive connection, so bytes a
// client sent ahead (a pipelined request) stay buffered for the next request
// instead of being dropped. Every wait is bounded twice: by the gap allowed
// between two reads or writes, and by a deadline the caller sets for the
// part of the request being read (its headers, its body).
#ifndef DELIVERYHOOK_APP_CONNECTION_STREAM_H_
#define DELIVERYHOOK_APP_CONNECTION_STREAM_H_

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

struct ssl_st;
struct ssl_ctx_st;

namespace deliveryhook::app {

class ConnectionStream {
 public:
  using Clock = std::chrono::steady_clock;

  // `fd` is the caller's (it closes it); it is made non-blocking. With a TLS
  // context, the stream owns its TLS session; call Handshake() first.
  ConnectionStream(int fd, ssl_ctx_st* tls, std::chrono::milliseconds read_gap,
                   std::chrono::milliseconds write_gap);
  ~ConnectionStream();
  ConnectionStream(const ConnectionStream&) = delete;
  ConnectionStream& operator=(const ConnectionStream&) = delete;

  // The TLS handshake, by `deadline`; true at once without TLS.
  bool Handshake(Clock::time_point deadline);
  // Reads wait no later than this (besides the gap).
  void set_read_deadline(Clock::time_point deadline) { read_deadline_ = deadline; }

  // True once a byte is buffered; false on end of stream, error or `deadline`.
  bool WaitForData(Clock::time_point deadline);
  // Like recv(): bytes read, 0 at the end of the stream, -1 on a timeout or
  // an error.
  ssize_t Read(char* data, std::size_t size);
  // Writes everything: `size`, or -1 when the client took nothing for the
  // write gap or is gone.
  ssize_t Write(const char* data, std::size_t size);
  // The client can take bytes (within the write gap) and has not closed.
  bool Writable() const;
  bool HasBuffered() const { return position_ < buffer_.size(); }

  // The end of the connection: TLS close_notify when `graceful`, then the
  // write side is shut. With `drain`, what the client still sends is read
  // and dropped for a short while, so that closing with unread bytes does not
  // reset the connection before the client has read the last answer.
  void Finish(bool graceful, bool drain);

  int fd() const { return fd_; }
  const ssl_st* tls_session() const { return ssl_; }
  // Numeric address and port of either end ("" and -1 when unknown).
  void Address(bool remote, std::string& address, int& port) const;

 private:
  // Reads more into buffer_; as Read().
  ssize_t Fill(Clock::time_point deadline);
  // Waits for `events` on the socket until `deadline`; false on timeout.
  bool Poll(short events, Clock::time_point deadline) const;

  const int fd_;
  ssl_st* ssl_ = nullptr;
  bool tls_failed_ = false;  // the TLS session could not be set up
  const std::chrono::milliseconds read_gap_;
  const std::chrono::milliseconds write_gap_;
  Clock::time_point read_deadline_ = Clock::time_point::max();
  std::vector<char> buffer_;
  std::size_t position_ = 0;
};

}  // namespace deliveryhook::app

#endif  // DELIVERYHOOK_APP_CONNECTION_STREAM_H_
