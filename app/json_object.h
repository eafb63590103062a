// Writing the small JSON objects the hook answers with: one helper, so every
// answer escapes strings the same way (RapidJSON's writer).
#ifndef DELIVERY_HOOK_APP_JSON_OBJECT_H_
#define DELIVERY_HOOK_APP_JSON_OBJECT_H_

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <functional>
#include <string>

namespace delivery_hook {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

// {...} with the members `fill` writes.
inline std::string JsonObject(const std::function<void(JsonWriter&)>& fill) {
  rapidjson::StringBuffer buffer;
  JsonWriter writer(buffer);
  writer.StartObject();
  fill(writer);
  writer.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

// "key": "value", the whole string (embedded NULs included).
inline void Field(JsonWriter& w, const char* key, const std::string& value) {
  w.Key(key);
  w.String(value.c_str(), static_cast<rapidjson::SizeType>(value.size()));
}

}  // namespace delivery_hook

#endif  // DELIVERY_HOOK_APP_JSON_OBJECT_H_
