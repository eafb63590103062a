// Every route the server answers, in one table: WebhookHandler::Handle
// dispatches on it, the OpenAPI document (docs/openapi.json, served through
// openapi.h) describes exactly it, and a test checks that the two agree.
#ifndef DELIVERYHOOK_APP_ROUTES_H_
#define DELIVERYHOOK_APP_ROUTES_H_

#include <string>
#include <string_view>
#include <vector>

namespace deliveryhook::app {

enum class RouteId {
  kPull, kBuild, kRollback, kJobList, kJobStatus, kJobEvents, kHealth, kMetrics, kOpenApi, kDocs,
  // The operator's page (app/ui/ui.h), served with UI=1. Kept together,
  // kUiRoot first and kUiAudit last: IsUiRoute() compares with both.
  kUiRoot, kUiPage, kUiAsset, kUiLogin, kUiLogout, kUiSession, kUiJobs, kUiJob, kUiJobEvents,
  kUiServices, kUiAudit
};

// Whether the route is one of the operator's page's.
bool IsUiRoute(RouteId id);

struct Route {
  RouteId id;
  std::string_view method;  // "GET", "POST"
  // OpenAPI path template: literal segments and whole-segment {parameters}.
  std::string_view path;
};

const std::vector<Route>& Routes();

struct RouteMatch {
  // The route for this path and method; or, when only the method differs,
  // a route of that path (method_allowed false); nullptr: no such path.
  const Route* route = nullptr;
  bool method_allowed = false;
  std::string job_id;  // the {job_id} segment, when the template has one
  std::string asset;   // the {asset} segment, when the template has one
};

RouteMatch MatchRoute(std::string_view method, std::string_view path);

}  // namespace deliveryhook::app

#endif  // DELIVERYHOOK_APP_ROUTES_H_
