// Reading RapidJSON objects whose members may be missing, null or of another
// type, as in the engine's answers and compose's canonical service JSON:
// a missing or mistyped member reads as absent, never as an error.
#ifndef DELIVERYHOOK_UTIL_JSON_FIELDS_H_
#define DELIVERYHOOK_UTIL_JSON_FIELDS_H_

#include <rapidjson/document.h>

#include <cstdint>
#include <string>

namespace deliveryhook::util {

// The member `key` of `object`; null when `object` is no object or the member
// is missing or JSON null.
inline const rapidjson::Value* Find(const rapidjson::Value& object, const char* key) {
  if (!object.IsObject()) return nullptr;
  auto it = object.FindMember(key);
  if (it == object.MemberEnd() || it->value.IsNull()) return nullptr;
  return &it->value;
}

// The string member `key` (the whole string, embedded NULs included), or ""
// when it is missing or no string.
inline std::string GetString(const rapidjson::Value& object, const char* key) {
  const rapidjson::Value* value = Find(object, key);
  if (value == nullptr || !value->IsString()) return {};
  return {value->GetString(), value->GetStringLength()};
}

// The object member `key`; null when it is missing or no object.
inline const rapidjson::Value* FindObject(const rapidjson::Value& object, const char* key) {
  const rapidjson::Value* value = Find(object, key);
  return value != nullptr && value->IsObject() ? value : nullptr;
}

// The integer member `key`, or 0 when it is missing or no integer. An
// unsigned value beyond int64's range wraps (the engine's progress counts
// never get there).
inline std::int64_t GetInt64(const rapidjson::Value& object, const char* key) {
  const rapidjson::Value* value = Find(object, key);
  if (value == nullptr) return 0;
  if (value->IsInt64()) return value->GetInt64();
  if (value->IsUint64()) return static_cast<std::int64_t>(value->GetUint64());
  return 0;
}

// The boolean member `key`, or false when it is missing or no boolean.
inline bool GetBool(const rapidjson::Value& object, const char* key) {
  const rapidjson::Value* value = Find(object, key);
  return value != nullptr && value->IsBool() && value->GetBool();
}

}  // namespace deliveryhook::util

#endif  // DELIVERYHOOK_UTIL_JSON_FIELDS_H_
