// Turning an Engine error answer into an Error.
#ifndef DELIVERYHOOK_ENGINE_HTTP_ERROR_H_
#define DELIVERYHOOK_ENGINE_HTTP_ERROR_H_

#include <string>
#include <string_view>

#include "deliveryhook/result.h"

namespace deliveryhook::engine {

// The ErrorCode for an Engine HTTP status: 400 kInvalidArgument, 401
// kUnauthenticated, 403 kFailedPrecondition, 404 kNotFound, 409 kConflict,
// other 4xx kInvalidArgument, 501 kUnsupported, 503 kUnavailable, other
// statuses kInternal.
ErrorCode ErrorCodeForStatus(int status);

// An Error for a non-success answer. The message is the Engine's own
// `{"message": ...}`; without one, the body's first line; with an empty body,
// "the Docker engine answered HTTP <status>".
Error ErrorFromResponse(int status, std::string_view body);

// The code for an error line inside a 200 stream (pull, build), guessed from
// its text since the Engine sends no status there: "not found", "manifest
// unknown", "does not exist" -> kNotFound; "unauthorized", "authentication
// required", "denied" -> kUnauthenticated; "connection refused", "no such
// host", "i/o timeout" -> kUnavailable; anything else kInternal.
ErrorCode ErrorCodeForStreamMessage(std::string_view message);

}  // namespace deliveryhook::engine

#endif  // DELIVERYHOOK_ENGINE_HTTP_ERROR_H_
