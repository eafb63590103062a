#include "deploy/project_resources.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <map>
#include <set>

#include "deliveryhook/engine/client.h"
#include "deploy/compose_labels.h"
#include "deploy/progress.h"

namespace deliveryhook::deploy {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

// compose 2.31.0 labels the networks it creates with their config hash,
// 2.32.0 the volumes.
constexpr compose::ComposeVersion kNetworkHashLabel{2, 31, 0};
constexpr compose::ComposeVersion kVolumeHashLabel{2, 32, 0};

rapidjson::Document Parse(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.c_str(), text.size());
  if (doc.HasParseError() || !doc.IsObject()) doc.SetObject();
  return doc;
}

const rapidjson::Value* Member(const rapidjson::Value& object, const char* key) {
  if (!object.IsObject()) return nullptr;
  auto it = object.FindMember(key);
  return it == object.MemberEnd() ? nullptr : &it->value;
}

std::string Text(const rapidjson::Value& object, const char* key) {
  const rapidjson::Value* value = Member(object, key);
  return value != nullptr && value->IsString() ? value->GetString() : "";
}

bool Flag(const rapidjson::Value& object, const char* key) {
  const rapidjson::Value* value = Member(object, key);
  return value != nullptr && value->IsBool() && value->GetBool();
}

std::map<std::string, std::string> StringMap(const rapidjson::Value* object) {
  std::map<std::string, std::string> out;
  if (object == nullptr || !object->IsObject()) return out;
  for (const auto& member : object->GetObject()) {
    if (member.value.IsString()) out[member.name.GetString()] = member.value.GetString();
  }
  return out;
}

void String(Writer& writer, const std::string& text) {
  writer.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}

void Key(Writer& writer, const char* key) { writer.Key(key); }

// A Go map[string]string: null when empty, keys sorted.
void Map(Writer& writer, const std::map<std::string, std::string>& map) {
  if (map.empty()) {
    writer.Null();
    return;
  }
  writer.StartObject();
  for (const auto& [key, value] : map) {
    String(writer, key);
    String(writer, value);
  }
  writer.EndObject();
}

// The user's labels, then compose's (compose's win, as mergeLabels does).
std::map<std::string, std::string> Labels(const rapidjson::Value& config, const char* key_label,
                                          const std::string& key, const ResourceLabelInputs& in) {
  std::map<std::string, std::string> labels = StringMap(Member(config, "labels"));
  labels[key_label] = key;
  labels[kProjectLabel] = in.project;
  labels[kVersionLabel] = in.version_label;
  return labels;
}

Error Precondition(std::string message) {
  return Error(ErrorCode::kFailedPrecondition, std::move(message));
}

// Which networks and named volumes of the project the service uses.
std::vector<const compose::Network*> NetworksOf(const compose::Project& project,
                                                const rapidjson::Value& service) {
  std::vector<const compose::Network*> networks;
  if (Member(service, "network_mode") != nullptr) return networks;
  const rapidjson::Value* attached = Member(service, "networks");
  if (attached == nullptr || !attached->IsObject()) return networks;
  for (const auto& member : attached->GetObject()) {
    auto it = project.networks.find(member.name.GetString());
    if (it != project.networks.end()) networks.push_back(&it->second);
  }
  return networks;
}

std::vector<const compose::Volume*> VolumesOf(const compose::Project& project,
                                              const rapidjson::Value& service) {
  std::vector<const compose::Volume*> volumes;
  const rapidjson::Value* mounts = Member(service, "volumes");
  if (mounts == nullptr || !mounts->IsArray()) return volumes;
  std::set<std::string> seen;
  for (const auto& mount : mounts->GetArray()) {
    if (Text(mount, "type") != "volume") continue;
    const std::string source = Text(mount, "source");
    auto it = project.volumes.find(source);
    if (it == project.volumes.end() || !seen.insert(source).second) continue;
    volumes.push_back(&it->second);
  }
  return volumes;
}

// kNotFound when no network has that exact name (the engine also matches id
// prefixes); else its com.docker.compose.network label.
Result<std::string> ExistingNetworkKey(engine::EngineApi& engine, const std::string& name) {
  auto inspected = engine.InspectNetwork(name);
  if (!inspected) return inspected.error();
  rapidjson::Document doc = Parse(*inspected);
  if (Text(doc, "Name") != name && Text(doc, "Id") != name) {
    return Error(ErrorCode::kNotFound, "network " + name + " not found");
  }
  auto labels = StringMap(Member(doc, "Labels"));
  auto it = labels.find(kNetworkLabel);
  return it == labels.end() ? std::string() : it->second;
}

}  // namespace

std::string NetworkCreateBody(const compose::Network& network, const ResourceLabelInputs& in,
                              const std::string& api_version) {
  rapidjson::Document config = Parse(network.canonical_json);
  std::map<std::string, std::string> labels = Labels(config, kNetworkLabel, network.key, in);
  if (in.compose_version >= kNetworkHashLabel) {
    labels[kConfigHashLabel] = compose::NetworkConfigHash(network);
  }
  rapidjson::StringBuffer buffer;
  Writer writer(buffer);
  writer.StartObject();
  Key(writer, "Driver");
  String(writer, Text(config, "driver"));
  Key(writer, "Scope");
  writer.String("");
  for (const char* field : {"enable_ipv4", "enable_ipv6"}) {
    const rapidjson::Value* value = Member(config, field);
    if (value == nullptr || !value->IsBool()) continue;
    Key(writer, field == std::string("enable_ipv4") ? "EnableIPv4" : "EnableIPv6");
    writer.Bool(value->GetBool());
  }
  // compose sends an IPAM only when the definition names a driver or pools.
  Key(writer, "IPAM");
  const rapidjson::Value* ipam = Member(config, "ipam");
  const rapidjson::Value* pools = ipam != nullptr ? Member(*ipam, "config") : nullptr;
  const std::string ipam_driver = ipam != nullptr ? Text(*ipam, "driver") : "";
  const bool has_pools = pools != nullptr && pools->IsArray() && !pools->Empty();
  if (ipam_driver.empty() && !has_pools) {
    writer.Null();
  } else {
    writer.StartObject();
    Key(writer, "Driver");
    String(writer, ipam_driver);
    Key(writer, "Options");
    writer.Null();
    Key(writer, "Config");
    if (!has_pools) {
      writer.Null();
    } else {
      writer.StartArray();
      for (const auto& pool : pools->GetArray()) {
        writer.StartObject();
        for (const auto& [from, to] : {std::pair{"subnet", "Subnet"}, std::pair{"ip_range", "IPRange"},
                                       std::pair{"gateway", "Gateway"}}) {
          if (std::string value = Text(pool, from); !value.empty()) {
            Key(writer, to);
            String(writer, value);
          }
        }
        if (auto aux = StringMap(Member(pool, "aux_addresses")); !aux.empty()) {
          Key(writer, "AuxiliaryAddresses");
          Map(writer, aux);
        }
        writer.EndObject();
      }
      writer.EndArray();
    }
    writer.EndObject();
  }
  Key(writer, "Internal");
  writer.Bool(Flag(config, "internal"));
  Key(writer, "Attachable");
  writer.Bool(Flag(config, "attachable"));
  Key(writer, "Ingress");
  writer.Bool(false);
  Key(writer, "ConfigOnly");
  writer.Bool(false);
  Key(writer, "ConfigFrom");
  writer.Null();
  Key(writer, "Options");
  Map(writer, StringMap(Member(config, "driver_opts")));
  Key(writer, "Labels");
  Map(writer, labels);
  Key(writer, "Name");
  String(writer, network.name);
  // The Go client asks engines before API 1.44 to refuse a duplicate name.
  if (engine::CompareApiVersions(api_version, "1.44") < 0) {
    Key(writer, "CheckDuplicate");
    writer.Bool(true);
  }
  writer.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string VolumeCreateBody(const compose::Volume& volume, const ResourceLabelInputs& in) {
  rapidjson::Document config = Parse(volume.canonical_json);
  std::map<std::string, std::string> labels = Labels(config, kVolumeLabel, volume.key, in);
  if (in.compose_version >= kVolumeHashLabel) {
    labels[kConfigHashLabel] = compose::VolumeConfigHash(volume);
  }
  rapidjson::StringBuffer buffer;
  Writer writer(buffer);
  writer.StartObject();
  if (std::string driver = Text(config, "driver"); !driver.empty()) {
    Key(writer, "Driver");
    String(writer, driver);
  }
  if (auto options = StringMap(Member(config, "driver_opts")); !options.empty()) {
    Key(writer, "DriverOpts");
    Map(writer, options);
  }
  Key(writer, "Labels");
  Map(writer, labels);
  Key(writer, "Name");
  String(writer, volume.name);
  writer.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

Result<ResourcePlan> PlanProjectResources(engine::EngineApi& engine, const compose::Project& project,
                                          const compose::Service& service,
                                          const ResourceLabelInputs& labels) {
  rapidjson::Document canonical = Parse(service.canonical_json);
  ResourcePlan plan;
  for (const compose::Network* network : NetworksOf(project, canonical)) {
    auto key = ExistingNetworkKey(engine, network->name);
    if (key) {
      if (!network->external && *key != network->key) {
        return Precondition("network " + network->name + " was found but has incorrect label " +
                            kNetworkLabel + " set to \"" + *key + "\" (expected: \"" +
                            network->key + "\")");
      }
      continue;
    }
    if (key.error().code() != ErrorCode::kNotFound) {
      return key.error().WithContext("inspect network " + network->name);
    }
    if (network->external) {
      return Precondition("network " + network->name +
                          " declared as external, but could not be found");
    }
    plan.networks.push_back(
        {network->name, NetworkCreateBody(*network, labels, engine.api_version())});
  }
  for (const compose::Volume* volume : VolumesOf(project, canonical)) {
    auto inspected = engine.InspectVolume(volume->name);
    if (inspected) continue;
    if (inspected.error().code() != ErrorCode::kNotFound) {
      return inspected.error().WithContext("inspect volume " + volume->name);
    }
    if (volume->external) {
      return Precondition("external volume \"" + volume->name + "\" not found");
    }
    plan.volumes.push_back({volume->name, VolumeCreateBody(*volume, labels)});
  }
  return plan;
}

Status CreateProjectResources(engine::EngineApi& engine, const ResourcePlan& plan,
                              const ProgressSink& progress) {
  for (const auto& network : plan.networks) {
    if (auto created = engine.CreateNetwork(network.body); !created) {
      return created.error().WithContext("failed to create network " + network.name);
    }
    Log(progress, "created network " + network.name);
  }
  for (const auto& volume : plan.volumes) {
    if (auto created = engine.CreateVolume(volume.body); !created) {
      return created.error().WithContext("create volume " + volume.name);
    }
    Log(progress, "created volume " + volume.name);
  }
  return Ok();
}

}  // namespace deliveryhook::deploy
