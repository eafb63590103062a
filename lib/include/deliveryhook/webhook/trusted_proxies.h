// Which client a request came from, when it came through a reverse proxy.
//
// TRUSTED_PROXIES lists addresses and CIDR networks, IPv4 and IPv6, separated
// by commas or spaces ("127.0.0.1, 10.0.0.0/8, fd00::/8"). Only when the TCP
// peer is in the list are forwarding headers believed:
//
//   - X-Forwarded-For: the right-most address that is not itself a trusted
//     proxy is the client. Every proxy appends the address it was called
//     from, so entries left of that one were written by the client and prove
//     nothing. When every entry is trusted, the left-most one is the client.
//   - Forwarded (RFC 7239), used only when the request has no
//     X-Forwarded-For: its for= parameters, read the same way
//     (for=192.0.2.60, for="[2001:db8::17]:4711"; a port is dropped).
//
// A proxy must therefore set or append to X-Forwarded-For (traefik, caddy and
// nginx's $proxy_add_x_forwarded_for all do). When the header the hook reads
// holds no usable address at that position (an obfuscated "unknown", or
// garbage), the peer's own address is the client. From a peer not in the
// list both headers are ignored: anyone can write them.
//
// Example:
//
//   auto proxies = webhook::TrustedProxies::Parse("127.0.0.1,::1");
//   if (!proxies) return proxies.error();  // names the bad entry
//   const std::string client = proxies->ClientAddress(peer, xff, forwarded);
#ifndef DELIVERYHOOK_WEBHOOK_TRUSTED_PROXIES_H_
#define DELIVERYHOOK_WEBHOOK_TRUSTED_PROXIES_H_

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "deliveryhook/result.h"

namespace deliveryhook::webhook {

class TrustedProxies {
 public:
  // No proxy is trusted.
  TrustedProxies() = default;
  static Result<TrustedProxies> Parse(std::string_view list);

  bool empty() const { return networks_.empty(); }
  // Whether `address` (an IP address as text) is in one of the networks.
  bool Contains(std::string_view address) const;

  std::string ClientAddress(std::string_view peer, std::string_view x_forwarded_for,
                            std::string_view forwarded) const;

 private:
  struct Network {
    bool v6 = false;
    std::array<unsigned char, 16> bytes{};
    int prefix = 0;
  };
  // The client among `chain` (left to right, as sent), or `peer`.
  std::string RightMostUntrusted(const std::vector<std::string>& chain,
                                 std::string_view peer) const;

  std::vector<Network> networks_;
};

}  // namespace deliveryhook::webhook

#endif  // DELIVERYHOOK_WEBHOOK_TRUSTED_PROXIES_H_
