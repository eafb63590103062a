#include "deploy/compose_labels.h"

#include <rapidjson/document.h>

namespace deliveryhook::deploy {
namespace {

// Since 2.39.0 compose names the replaced container; before, it gave its id.
constexpr compose::ComposeVersion kReplaceByName{2, 39, 0};

std::string Join(const std::vector<std::string>& parts, char separator) {
  std::string joined;
  for (const auto& part : parts) {
    if (!joined.empty()) joined.push_back(separator);
    joined += part;
  }
  return joined;
}

}  // namespace

std::string DependsOnLabel(const std::string& service_canonical_json) {
  rapidjson::Document service;
  service.Parse(service_canonical_json.c_str());
  if (service.HasParseError() || !service.IsObject() || !service.HasMember("depends_on") ||
      !service["depends_on"].IsObject()) {
    return {};
  }
  std::vector<std::string> entries;
  for (const auto& dependency : service["depends_on"].GetObject()) {
    std::string condition = "service_started";
    bool restart = false;
    if (dependency.value.IsObject()) {
      if (dependency.value.HasMember("condition") && dependency.value["condition"].IsString()) {
        condition = dependency.value["condition"].GetString();
      }
      restart = dependency.value.HasMember("restart") && dependency.value["restart"].IsBool() &&
                dependency.value["restart"].GetBool();
    }
    entries.push_back(std::string(dependency.name.GetString()) + ":" + condition + ":" +
                      (restart ? "true" : "false"));
  }
  return Join(entries, ',');
}

std::map<std::string, std::string> ComposeLabels(const LabelInputs& in) {
  const Target& target = *in.target;
  std::map<std::string, std::string> labels;
  labels[kProjectLabel] = target.project;
  labels[kServiceLabel] = in.service->name;
  labels[kVersionLabel] = target.compose_version.ToString();
  if (in.old_labels != nullptr) {
    if (auto it = in.old_labels->find(kVersionLabel); it != in.old_labels->end()) {
      labels[kVersionLabel] = it->second;
    }
    if (auto it = in.old_labels->find(kEnvironmentFileLabel); it != in.old_labels->end()) {
      labels[kEnvironmentFileLabel] = it->second;
    }
  }
  labels[kWorkingDirLabel] = target.working_dir;
  labels[kConfigFilesLabel] = Join(target.config_files, ',');
  labels[kOneoffLabel] = "False";
  labels[kImageLabel] = in.image_id;
  labels[kConfigHashLabel] = compose::ServiceConfigHash(*in.service, target.compose_version);
  labels[kContainerNumberLabel] = std::to_string(target.container_number);
  labels[kDependsOnLabel] = DependsOnLabel(in.service->canonical_json);
  if (target.compose_version >= kReplaceByName) {
    labels[kReplaceLabel] = !in.service->container_name.empty()
                                ? in.service->container_name
                                : in.service->name + "-" + std::to_string(target.container_number);
  } else {
    labels[kReplaceLabel] = in.old_container_id;
  }
  return labels;
}

}  // namespace deliveryhook::deploy
