#include "deliveryhook/result.h"

namespace deliveryhook {

std::string_view ToString(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return "invalid argument";
    case ErrorCode::kUnsupported: return "unsupported";
    case ErrorCode::kNotFound: return "not found";
    case ErrorCode::kConflict: return "conflict";
    case ErrorCode::kUnavailable: return "unavailable";
    case ErrorCode::kUnauthenticated: return "unauthenticated";
    case ErrorCode::kFailedPrecondition: return "failed precondition";
    case ErrorCode::kDeadlineExceeded: return "deadline exceeded";
    case ErrorCode::kInternal: return "internal";
  }
  return "unknown";
}

Error Error::WithContext(std::string_view context) const {
  Error with_context(code_, std::string(context) + ": " + message_, http_status_);
  with_context.rolled_back_ = rolled_back_;
  return with_context;
}

Error Error::RolledBack() const {
  Error rolled_back = *this;
  rolled_back.rolled_back_ = true;
  return rolled_back;
}

std::ostream& operator<<(std::ostream& out, const Error& error) {
  return out << ToString(error.code()) << ": " << error.message();
}

}  // namespace deliveryhook
