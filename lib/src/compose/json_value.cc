#include "compose/json_value.h"

#include <algorithm>

namespace deliveryhook::compose {

Json Json::Bool(bool value) {
  Json json;
  json.kind_ = Kind::kBool;
  json.bool_ = value;
  return json;
}

Json Json::Number(std::string text) {
  Json json;
  json.kind_ = Kind::kNumber;
  json.text_ = std::move(text);
  return json;
}

Json Json::Int(long long value) { return Number(std::to_string(value)); }

Json Json::String(std::string value) {
  Json json;
  json.kind_ = Kind::kString;
  json.text_ = std::move(value);
  return json;
}

Json Json::Array(std::vector<Json> items) {
  Json json;
  json.kind_ = Kind::kArray;
  json.items_ = std::move(items);
  return json;
}

Json Json::StringArray(const std::vector<std::string>& items) {
  Json json = Array();
  for (const std::string& item : items) json.Append(String(item));
  return json;
}

Json Json::Struct() {
  Json json;
  json.kind_ = Kind::kObject;
  return json;
}

Json Json::Map() {
  Json json = Struct();
  json.sorted_ = true;
  return json;
}

const Json* Json::Find(std::string_view key) const {
  for (const Member& member : members_) {
    if (member.first == key) return &member.second;
  }
  return nullptr;
}

Json* Json::Find(std::string_view key) {
  for (Member& member : members_) {
    if (member.first == key) return &member.second;
  }
  return nullptr;
}

Json& Json::Set(std::string_view key, Json value) {
  if (Json* existing = Find(key)) {
    *existing = std::move(value);
    return *existing;
  }
  members_.emplace_back(std::string(key), std::move(value));
  return members_.back().second;
}

void Json::Erase(std::string_view key) {
  std::erase_if(members_, [&](const Member& member) { return member.first == key; });
}

}  // namespace deliveryhook::compose
