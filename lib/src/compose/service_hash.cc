// ServiceConfigHash(): compose's ServiceHash (pkg/compose/hash.go) for the
// compose release that created the container.
#include <openssl/evp.h>

#include <charconv>
#include <cstdlib>

#include "compose/json_value.h"
#include "deliveryhook/compose/project.h"
#include "util/hex.h"

namespace deliveryhook::compose {
namespace {

std::string Sha256Hex(const std::string& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr);
  return util::LowerHex(digest, length);
}

// compose 5.x (compose-go 2.10+) writes `create_host_path` only when false;
// the canonical form here is compose 2.x's, where it is written when true.
void DropCreateHostPathTrue(Json& service) {
  Json* volumes = service.Find("volumes");
  if (volumes == nullptr) return;
  for (Json& volume : volumes->items()) {
    Json* bind = volume.Find("bind");
    if (bind == nullptr) continue;
    const Json* create = bind->Find("create_host_path");
    if (create && create->bool_value()) bind->Erase("create_host_path");
  }
}

// Before compose 2.34.0 (compose-go 2.4.9), secrets' and configs' `mode`
// was a plain uint32 in the JSON; the canonical form is the later octal text.
void ModesAsNumbers(Json& service) {
  for (const char* key : {"secrets", "configs"}) {
    Json* references = service.Find(key);
    if (references == nullptr) continue;
    for (Json& reference : references->items()) {
      Json* mode = reference.Find("mode");
      if (mode == nullptr || !mode->is_string()) continue;
      *mode = Json::Int(std::strtoll(mode->text().c_str(), nullptr, 8));
    }
  }
}

// Before compose 2.36.0 (compose-go 2.6.2) a network attachment's fields came
// in another order, without interface_name, and before 2.34.0 (compose-go
// 2.4.9) without gw_priority; compose dropped the keys it did not know.
void OldNetworkAttachmentOrder(Json& service, const ComposeVersion& version) {
  Json* networks = service.Find("networks");
  if (networks == nullptr) return;
  const bool gw_priority = version >= ComposeVersion{2, 34, 0};
  for (auto& [name, attachment] : networks->members()) {
    if (!attachment.is_object()) continue;
    Json ordered = Json::Struct();
    for (const char* key : {"priority", "gw_priority", "aliases", "ipv4_address", "ipv6_address", "link_local_ips",
                            "mac_address", "driver_opts"}) {
      if (std::string(key) == "gw_priority" && !gw_priority) continue;
      if (const Json* value = attachment.Find(key)) ordered.Set(key, *value);
    }
    attachment = std::move(ordered);
  }
}

}  // namespace

std::optional<ComposeVersion> ComposeVersion::Parse(std::string_view text) {
  if (!text.empty() && text[0] == 'v') text.remove_prefix(1);
  int parts[3] = {0, 0, 0};
  const char* cursor = text.data();
  const char* end = text.data() + text.size();
  for (int i = 0; i < 3; ++i) {
    auto [next, error] = std::from_chars(cursor, end, parts[i]);
    if (error != std::errc() || parts[i] < 0) return std::nullopt;
    cursor = next;
    if (i < 2) {
      if (cursor == end || *cursor != '.') return std::nullopt;
      ++cursor;
    }
  }
  // Anything after the patch number ("-3", "+ds1", "-rc.1") is a build
  // detail that does not change the hash.
  if (cursor != end && std::isdigit(static_cast<unsigned char>(*cursor))) return std::nullopt;
  return ComposeVersion{parts[0], parts[1], parts[2]};
}

std::string ComposeVersion::ToString() const {
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}

std::string ServiceConfigHash(const Service& service, const ComposeVersion& version) {
  Result<Json> parsed = ParseJson(service.canonical_json);
  if (!parsed || !parsed->is_object()) return Sha256Hex(service.canonical_json);
  Json& config = *parsed;
  // Always left out of the hash (hash.go): build, pull policy, scale, replicas.
  config.Erase("build");
  config.Erase("pull_policy");
  config.Erase("scale");
  if (Json* deploy = config.Find("deploy")) deploy->Erase("replicas");
  if (version >= ComposeVersion{2, 29, 3}) config.Erase("depends_on");
  if (version >= ComposeVersion{2, 30, 2}) config.Erase("profiles");
  // label_file reached the hashed service with compose-go 2.4.6 (compose
  // 2.32.0); earlier releases that read it at all (distribution builds on a
  // newer compose-go) discard the list once its labels are merged.
  if (version < ComposeVersion{2, 32, 0}) config.Erase("label_file");
  if (version.major >= 5) DropCreateHostPathTrue(config);
  if (version < ComposeVersion{2, 34, 0}) ModesAsNumbers(config);
  if (version < ComposeVersion{2, 36, 0}) OldNetworkAttachmentOrder(config, version);
  return Sha256Hex(EncodeGoJson(config));
}

}  // namespace deliveryhook::compose

namespace deliveryhook::compose {

std::string NetworkConfigHash(const Network& network) { return Sha256Hex(network.canonical_json); }

std::string VolumeConfigHash(const Volume& volume) {
  Result<Json> parsed = ParseJson(volume.canonical_json);
  if (!parsed || !parsed->is_object()) return Sha256Hex(volume.canonical_json);
  if (parsed->Find("driver") != nullptr) return Sha256Hex(volume.canonical_json);
  // VolumeHash: a volume without a driver is hashed as driver "local", in
  // the struct's place, right after the name.
  Json config = Json::Struct();
  for (const auto& [key, value] : parsed->members()) {
    config.Set(key, value);
    if (key == "name") config.Set("driver", Json::String("local"));
  }
  return Sha256Hex(EncodeGoJson(config));
}

}  // namespace deliveryhook::compose
