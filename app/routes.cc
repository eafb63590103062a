#include "routes.h"

namespace deliveryhook::app {
namespace {

// Splits "/a/b" into {"a", "b"}; "/" and "" into {}.
std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> segments;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  while (!path.empty()) {
    const auto slash = path.find('/');
    segments.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
    if (path.empty()) segments.emplace_back();  // a trailing slash is a segment too
  }
  return segments;
}

bool IsParameter(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

// Whether `path` fits the template; fills job_id and asset from their segments.
bool Matches(std::string_view pattern, std::string_view path, std::string* job_id,
             std::string* asset) {
  const auto want = Segments(pattern);
  const auto have = Segments(path);
  if (want.size() != have.size()) return false;
  for (std::size_t i = 0; i < want.size(); ++i) {
    if (IsParameter(want[i])) {
      if (have[i].empty()) return false;
      if (want[i] == "{job_id}") *job_id = std::string(have[i]);
      if (want[i] == "{asset}") *asset = std::string(have[i]);
    } else if (want[i] != have[i]) {
      return false;
    }
  }
  return true;
}

}  // namespace

const std::vector<Route>& Routes() {
  static const std::vector<Route> kRoutes = {
      {RouteId::kPull, "POST", "/pull"},           {RouteId::kBuild, "POST", "/build"},
      {RouteId::kJobList, "GET", "/jobs"},         {RouteId::kJobStatus, "GET", "/jobs/{job_id}"},
      {RouteId::kJobEvents, "GET", "/jobs/{job_id}/events"},
      {RouteId::kRollback, "POST", "/rollback"},
      {RouteId::kHealth, "GET", "/healthz"},       {RouteId::kMetrics, "GET", "/metrics"},
      {RouteId::kOpenApi, "GET", "/openapi.json"}, {RouteId::kDocs, "GET", "/docs"},
      {RouteId::kUiRoot, "GET", "/ui"},            {RouteId::kUiPage, "GET", "/ui/"},
      {RouteId::kUiAsset, "GET", "/ui/{asset}"},   {RouteId::kUiLogin, "POST", "/ui/login"},
      {RouteId::kUiLogout, "POST", "/ui/logout"},  {RouteId::kUiSession, "GET", "/ui/api/session"},
      {RouteId::kUiJobs, "GET", "/ui/api/jobs"},   {RouteId::kUiJob, "GET", "/ui/api/jobs/{job_id}"},
      {RouteId::kUiJobEvents, "GET", "/ui/api/jobs/{job_id}/events"},
      {RouteId::kUiServices, "GET", "/ui/api/services"},
      {RouteId::kUiAudit, "GET", "/ui/api/audit"},
  };
  return kRoutes;
}

bool IsUiRoute(RouteId id) { return id >= RouteId::kUiRoot && id <= RouteId::kUiAudit; }

RouteMatch MatchRoute(std::string_view method, std::string_view path) {
  RouteMatch match;
  for (const Route& route : Routes()) {
    std::string job_id, asset;
    if (!Matches(route.path, path, &job_id, &asset)) continue;
    if (route.method == method) return {&route, true, job_id, asset};
    if (match.route == nullptr) match = {&route, false, job_id, asset};
  }
  return match;
}

}  // namespace deliveryhook::app
