// Reading what a trigger (POST /pull, POST /build) asks for, before anything
// is looked up: the body's target and pin, and the ?wait parameter.
#ifndef DELIVERYHOOK_APP_TRIGGER_REQUEST_H_
#define DELIVERYHOOK_APP_TRIGGER_REQUEST_H_

#include <optional>
#include <string>

#include "deliveryhook/deploy/target.h"
#include "deliveryhook/result.h"

namespace deliveryhook::app {

// The body {"container_name": ...} or {"project": ..., "service": ...},
// with an optional "image" and "digest". kInvalidArgument with the message
// the caller gets (400): not JSON, not an object, a key twice, a name that
// is no Docker name, both or neither target forms, a bad pin.
Result<deploy::TargetSelector> ParseSelector(const std::string& body);

// The optional "to" of a POST /rollback body ("" when absent), checked as
// jobs::CheckRollbackTarget does. kInvalidArgument with the caller's
// message (400). The body's target is read by ParseSelector.
Result<std::string> ParseRollbackTo(const std::string& body);

// ?wait=: "0".."max" whole seconds, or nothing.
std::optional<int> ParseWait(const std::string& text, int max);

// Docker's rule for container names: [a-zA-Z0-9][a-zA-Z0-9_.-]*, at most 255.
bool IsValidName(const std::string& name);

}  // namespace deliveryhook::app

#endif  // DELIVERYHOOK_APP_TRIGGER_REQUEST_H_
