// Writing the small JSON objects the hook answers with: one helper, so every
// answer escapes strings the same way (RapidJSON's writer).
#ifndef DELIVERY_HOOK_APP_JSON_OBJECT_H_
#define DELIVERY_HOOK_APP_JSON_OBJECT_H_

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <functional>
#include <string>
#include <string_view>

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

// `text` as a JSON string, quotes included, escaped like every answer: for the
// bodies the CLI spells by hand ({"container_name": "web-1"}).
inline std::string JsonString(std::string_view text) {
  rapidjson::StringBuffer buffer;
  JsonWriter writer(buffer);
  writer.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
  return {buffer.GetString(), buffer.GetSize()};
}

}  // namespace delivery_hook

#endif  // DELIVERY_HOOK_APP_JSON_OBJECT_H_
