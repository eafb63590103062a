// Errors as values.
//
// Every fallible call in deliveryhook returns a Result<T>: either a value or an
// Error that says what kind of failure happened (so callers can branch on it)
// and a human-readable message (so callers can show it). Nothing in the
// library throws across its public API.
//
// Example:
//
//   deliveryhook::Result<std::string> id = client.CreateContainer(spec);
//   if (!id) {
//     if (id.error().code() == deliveryhook::ErrorCode::kConflict) ...
//     std::cerr << id.error() << "\n";   // "conflict: name already in use"
//   }
#ifndef DELIVERYHOOK_RESULT_H_
#define DELIVERYHOOK_RESULT_H_

#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace deliveryhook {

enum class ErrorCode {
  kInvalidArgument,  // the caller's input is wrong (bad compose file, bad request)
  kUnsupported,      // valid input this version cannot honour (yet)
  kNotFound,         // a container, image or file does not exist (Engine 404)
  kConflict,         // name in use, container running (Engine 409)
  kUnavailable,      // the engine or a registry could not be reached
  kUnauthenticated,  // a signature, timestamp or credential was refused
  kFailedPrecondition,  // the host is not in a state that allows the action
  kDeadlineExceeded, // something took longer than allowed
  kInternal,         // the engine answered 5xx, or a bug
};

// Stable lower-case name of a code, e.g. "not found".
std::string_view ToString(ErrorCode code);

class Error {
 public:
  Error(ErrorCode code, std::string message, int http_status = 0)
      : code_(code), message_(std::move(message)), http_status_(http_status) {}

  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // The HTTP status the Engine answered with, or 0 when the error did not
  // come from an HTTP answer.
  int http_status() const { return http_status_; }

  // Prefixes the message with more context: "pull web: " + message.
  Error WithContext(std::string_view context) const;

  // True on the error of an operation that changed things, failed, and put
  // them back as they were: a deploy that rolled back to the old container.
  // WithContext keeps it.
  bool rolled_back() const { return rolled_back_; }
  // A copy with rolled_back() true.
  Error RolledBack() const;

 private:
  ErrorCode code_;
  std::string message_;
  int http_status_;
  bool rolled_back_ = false;
};

// "<code>: <message>"
std::ostream& operator<<(std::ostream& out, const Error& error);

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}       // NOLINT: implicit by design
  Result(Error error) : state_(std::move(error)) {}   // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return ok(); }

  // Precondition: ok().
  T& value() & { return std::get<T>(state_); }
  const T& value() const& { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  // Precondition: !ok().
  const Error& error() const { return std::get<Error>(state_); }

 private:
  std::variant<T, Error> state_;
};

// Result of an operation that yields nothing but success or an Error.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return error_; }

 private:
  Error error_{ErrorCode::kInternal, ""};
  bool ok_ = true;
};

using Status = Result<void>;

inline Status Ok() { return {}; }

}  // namespace deliveryhook

#endif  // DELIVERYHOOK_RESULT_H_
