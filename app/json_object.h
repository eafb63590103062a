// The app writes its JSON answers with the library's one JSON writer.
#ifndef DELIVERYHOOK_APP_JSON_OBJECT_H_
#define DELIVERYHOOK_APP_JSON_OBJECT_H_

#include "util/json_writer.h"

namespace deliveryhook::app {

using util::Field;
using util::Int64Field;
using util::JsonObject;
using util::JsonString;
using util::JsonWriter;

}  // namespace deliveryhook::app

#endif  // DELIVERYHOOK_APP_JSON_OBJECT_H_
