// Endpoint parsing (its authority by engine/url.h) and HttpResponse's transport-neutral parts.
#include <cctype>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>

#include "deliveryhook/engine/transport.h"
#include "engine/url.h"

namespace deliveryhook::engine {

std::string_view HttpResponse::Header(std::string_view lower_case_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_case_name) return value;
  }
  return {};
}

namespace {

Error BadHost(std::string_view docker_host, std::string_view why) {
  return Error(ErrorCode::kInvalidArgument,
               "invalid DOCKER_HOST \"" + std::string(docker_host) + "\": " + std::string(why));
}

}  // namespace

Result<Endpoint> Endpoint::Parse(std::string_view docker_host) {
  Endpoint endpoint;
  if (docker_host.empty()) return endpoint;

  const auto scheme_end = docker_host.find("://");
  if (scheme_end == std::string_view::npos) {
    return BadHost(docker_host, "expected unix://, tcp:// or http://");
  }
  const std::string_view scheme = docker_host.substr(0, scheme_end);
  const std::string_view rest = docker_host.substr(scheme_end + 3);

  if (scheme == "unix") {
    if (rest.empty() || rest.front() != '/') {
      return BadHost(docker_host, "the socket path must be absolute");
    }
    endpoint.kind = Kind::kUnixSocket;
    endpoint.socket_path = std::string(rest);
    return endpoint;
  }
  if (scheme != "tcp" && scheme != "http") {
    return BadHost(docker_host, "unsupported scheme \"" + std::string(scheme) +
                                    "\" (expected unix://, tcp:// or http://)");
  }

  std::string_view authority = rest;
  if (const auto slash = authority.find('/'); slash != std::string_view::npos) {
    if (authority.substr(slash) != "/") {
      return BadHost(docker_host, "a path after the address is not supported");
    }
    authority = authority.substr(0, slash);
  }
  auto parsed =
      ParseAuthority(authority, {.empty_port_is_default = true, .refuse_userinfo = false});
  if (!parsed) return BadHost(docker_host, parsed.error().message());
  endpoint.kind = Kind::kTcp;
  endpoint.host = std::move(parsed->host);
  if (parsed->port != 0) endpoint.port = parsed->port;
  return endpoint;
}

Result<Endpoint> Endpoint::FromEnvironment() {
  const char* value = std::getenv("DOCKER_HOST");
  return Parse(value ? std::string_view(value) : std::string_view());
}

std::string Endpoint::ToString() const {
  if (kind == Kind::kUnixSocket) return "unix://" + socket_path;
  const bool ipv6 = host.find(':') != std::string::npos;
  return "tcp://" + (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

}  // namespace deliveryhook::engine
