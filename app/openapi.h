// The API description: an OpenAPI 3 document of exactly the routes in
// routes.h (docs/openapi.json, compiled in; a test checks the two agree),
// and the human-readable page /docs renders from it.
#ifndef DELIVERYHOOK_APP_OPENAPI_H_
#define DELIVERYHOOK_APP_OPENAPI_H_

#include <string>
#include <string_view>

namespace deliveryhook::app {

// docs/openapi.json as it was when the hook was built (embedded by CMake,
// cmake/embed_text.cmake).
std::string_view OpenApiJsonText();

// The OpenAPI 3.0 document served at /openapi.json: OpenApiJsonText() as
// compact JSON, with `version` as info.version.
std::string OpenApiDocument(std::string_view version);

// A self-contained HTML page (no scripts, styles inline, nothing fetched)
// listing every operation and schema of `openapi_json`.
std::string DocsPage(const std::string& openapi_json);

}  // namespace deliveryhook::app

#endif  // DELIVERYHOOK_APP_OPENAPI_H_
