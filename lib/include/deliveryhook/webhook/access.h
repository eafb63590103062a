// Whether an authenticated key may redeploy a target.
//
// Three rules, checked after the target was found on the engine:
//   - the key's scope (projects=, services=) covers the target's compose
//     project and service;
//   - with `require_opt_in`, the container carries the label
//     org.deliveryhook.enable=true;
//   - the target is not the hook's own container, unless the key has
//     allow_self (redeploying itself would stop the hook mid-deploy).
// The caller answers every refusal exactly as an unknown target, so a key
// learns nothing about containers outside its reach.
//
// The hook's own container is recognised by the ids the OS shows it
// (/proc/self/cgroup on cgroup v1, the /etc/hostname bind mount in
// /proc/self/mountinfo) or by its hostname, which Docker sets to the first 12
// hex digits of the container id unless told otherwise. OsView is the seam
// that lets tests supply those files.
#ifndef DELIVERYHOOK_WEBHOOK_ACCESS_H_
#define DELIVERYHOOK_WEBHOOK_ACCESS_H_

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "deliveryhook/deploy/target.h"
#include "deliveryhook/webhook/keys.h"

namespace deliveryhook::webhook {

constexpr std::string_view kOptInLabel = "org.deliveryhook.enable";

// What the process knows about the container it may run in.
struct SelfIdentity {
  std::vector<std::string> container_ids;  // full 64-hex ids
  std::string hostname;

  bool IsSelf(std::string_view container_id) const;
};

struct OsView {
  std::function<std::string(const std::string& path)> read_file;  // "" when unreadable
  std::function<std::string()> hostname;
};
OsView RealOs();
SelfIdentity DetectSelf(const OsView& os);

struct AccessPolicy {
  bool require_opt_in = false;
  SelfIdentity self;
};

enum class Access { kAllowed, kOutOfScope, kNotOptedIn, kSelf };
// "allowed", "out_of_scope", "not_opted_in", "self": for the audit log.
std::string_view ToString(Access access);

Access Decide(const Key& key, const deploy::Target& target, const AccessPolicy& policy);

}  // namespace deliveryhook::webhook

#endif  // DELIVERYHOOK_WEBHOOK_ACCESS_H_
