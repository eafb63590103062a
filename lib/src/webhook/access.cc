#include "deliveryhook/webhook/access.h"

#include <unistd.h>

#include <algorithm>
#include <climits>
#include <fstream>
#include <sstream>

namespace deliveryhook::webhook {
namespace {

constexpr std::size_t kIdLength = 64;
constexpr std::size_t kShortIdLength = 12;

bool IsLowerHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

// Every run of exactly 64 lowercase hex digits in `text`.
std::vector<std::string> HexIds(std::string_view text) {
  std::vector<std::string> ids;
  std::size_t i = 0;
  while (i < text.size()) {
    if (!IsLowerHex(text[i])) {
      ++i;
      continue;
    }
    std::size_t end = i;
    while (end < text.size() && IsLowerHex(text[end])) ++end;
    if (end - i == kIdLength) ids.emplace_back(text.substr(i, kIdLength));
    i = end;
  }
  return ids;
}

// The container ids in the sources of the bind mounts Docker makes for every
// container (/etc/hostname, /etc/hosts, /etc/resolv.conf). Other mounts are
// skipped: on a host, mountinfo lists every container's shm and overlay.
std::vector<std::string> IdsFromMountinfo(const std::string& mountinfo) {
  std::vector<std::string> ids;
  std::istringstream lines(mountinfo);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    std::string id, parent, device, root, mount_point;
    if (!(fields >> id >> parent >> device >> root >> mount_point)) continue;
    if (mount_point != "/etc/hostname" && mount_point != "/etc/hosts" &&
        mount_point != "/etc/resolv.conf") {
      continue;
    }
    if (root.find("/containers/") == std::string::npos) continue;
    for (auto& found : HexIds(root)) ids.push_back(std::move(found));
  }
  return ids;
}

}  // namespace

bool SelfIdentity::IsSelf(std::string_view container_id) const {
  for (const auto& id : container_ids) {
    if (id == container_id) return true;
  }
  const bool short_id = hostname.size() == kShortIdLength &&
                        std::all_of(hostname.begin(), hostname.end(), IsLowerHex);
  return short_id && container_id.substr(0, kShortIdLength) == hostname;
}

OsView RealOs() {
  OsView os;
  os.read_file = [](const std::string& path) {
    std::ifstream file(path);
    std::ostringstream content;
    content << file.rdbuf();
    return content.str();
  };
  os.hostname = [] {
    char name[HOST_NAME_MAX + 1] = {};
    if (gethostname(name, sizeof name - 1) != 0) return std::string();
    return std::string(name);
  };
  return os;
}

SelfIdentity DetectSelf(const OsView& os) {
  SelfIdentity self;
  self.container_ids = HexIds(os.read_file("/proc/self/cgroup"));
  for (auto& id : IdsFromMountinfo(os.read_file("/proc/self/mountinfo"))) {
    self.container_ids.push_back(std::move(id));
  }
  self.hostname = os.hostname();
  return self;
}

std::string_view ToString(Access access) {
  switch (access) {
    case Access::kAllowed: return "allowed";
    case Access::kOutOfScope: return "out_of_scope";
    case Access::kNotOptedIn: return "not_opted_in";
    case Access::kSelf: return "self";
  }
  return "unknown";
}

Access Decide(const Key& key, const deploy::Target& target, const AccessPolicy& policy) {
  if (!key.Covers(target.project, target.service)) return Access::kOutOfScope;
  if (policy.require_opt_in) {
    auto label = target.labels.find(std::string(kOptInLabel));
    if (label == target.labels.end() || label->second != "true") return Access::kNotOptedIn;
  }
  if (!key.allow_self && policy.self.IsSelf(target.container_id)) return Access::kSelf;
  return Access::kAllowed;
}

}  // namespace deliveryhook::webhook
