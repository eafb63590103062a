// The newline-delimited JSON stream of `POST /images/create` and `POST /build`.
//
// The Engine answers these with HTTP 200 at once and reports failures later,
// as a line carrying `errorDetail` and/or `error`. The parser turns each line
// into a StreamMessage, and remembers the first failure so that a 200 stream
// that ends with an error line is still a failed pull or build.
//
//   JsonStreamParser parser([&](const StreamMessage& m) { ... });
//   parser.Feed(chunk);  // as chunks arrive, split anywhere
//   Status done = parser.Finish();
#ifndef DELIVERYHOOK_ENGINE_JSON_STREAM_H_
#define DELIVERYHOOK_ENGINE_JSON_STREAM_H_

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "deliveryhook/result.h"

namespace deliveryhook::engine {

// One line of the stream (moby's jsonmessage.JSONMessage, the fields we use).
struct StreamMessage {
  std::string id;
  std::string status;
  std::string stream;    // build output: "Step 1/3 : FROM base\n"
  long long current = 0;  // progressDetail.current
  long long total = 0;    // progressDetail.total
  std::string aux_id;     // aux.ID: the image built
  std::string error;      // errorDetail.message, else error; empty on success lines
};

// Parses one line (without its newline). Fails with kInternal on a line that
// is not a JSON object.
Result<StreamMessage> ParseStreamLine(std::string_view line);

class JsonStreamParser {
 public:
  using Handler = std::function<void(const StreamMessage&)>;

  explicit JsonStreamParser(Handler on_message = {});

  // Consumes the next piece of the body. Complete lines are parsed at once.
  void Feed(std::string_view chunk);

  // Parses what is left and returns the stream's outcome: the first error
  // line (kNotFound, kUnauthenticated, kUnavailable or kInternal after
  // ErrorCodeForStreamMessage, with the Engine's message), a malformed line
  // (kInternal), or success.
  Status Finish();

 private:
  void HandleLine(std::string_view line);

  Handler on_message_;
  std::string pending_;
  std::optional<Error> failure_;
};

}  // namespace deliveryhook::engine

#endif  // DELIVERYHOOK_ENGINE_JSON_STREAM_H_
