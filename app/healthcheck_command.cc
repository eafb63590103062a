// `delivery-hook healthcheck`: GET /healthz, exit 0 on a 2xx.
#include "healthcheck_command.h"

#include <chrono>
#include <memory>
#include <utility>

#include "config.h"

namespace deliveryhook::app::cli {

deliveryhook::Result<HookUrl> HealthUrlFromEnvironment(
    const std::map<std::string, std::string>& env) {
  // Dev mode only so that an unset SECRET_KEY is no error here: the probe
  // sends nothing signed. A LISTEN_ADDRESS left unset then reads as the
  // loopback, which is where the probe goes anyway.
  auto config = ConfigFromEnvironment(env, /*dev_mode=*/true);
  if (!config) return config.error();
  HookUrl url;
  url.port = config->port;
  url.host = config->listen_address;
  if (url.host == "0.0.0.0") url.host = "127.0.0.1";
  if (url.host == "::") url.host = "::1";
  return url;
}

int RunHealthcheck(const HookUrl& url, deliveryhook::engine::Transport& transport,
                   std::ostream& err) {
  deliveryhook::engine::HttpRequest request;
  request.method = "GET";
  request.target = url.prefix + "/healthz";
  auto response = transport.Send(request);
  if (!response) {
    err << "delivery-hook healthcheck: " << response.error().message() << "\n";
    return kExitUnhealthy;
  }
  if (response->status < 200 || response->status > 299) {
    err << "delivery-hook healthcheck: " << url.ToString() << "/healthz answered "
        << response->status << "\n";
    return kExitUnhealthy;
  }
  return kExitHealthy;
}

int RunHealthcheckCommand(const HealthcheckOptions& options,
                          const std::map<std::string, std::string>& env, std::ostream& err) {
  auto url = options.url.empty() ? HealthUrlFromEnvironment(env) : ParseHookUrl(options.url);
  if (!url) {
    err << "delivery-hook healthcheck: " << url.error().message() << "\n";
    return kExitUnhealthy;
  }
  deliveryhook::engine::Endpoint endpoint;
  endpoint.kind = deliveryhook::engine::Endpoint::Kind::kTcp;
  endpoint.host = url->host;
  endpoint.port = url->port;
  endpoint.tls = url->tls;
  deliveryhook::engine::TransportOptions transport_options;
  // Below Docker's default HEALTHCHECK timeout (30 s) and the image's (5 s).
  transport_options.connect_timeout = std::chrono::seconds(2);
  transport_options.request_timeout = std::chrono::seconds(4);
  transport_options.peer_name = "the hook at " + url->ToString();
  auto transport = deliveryhook::engine::MakeCurlTransport(endpoint, transport_options);
  return RunHealthcheck(*url, *transport, err);
}

}  // namespace deliveryhook::app::cli
