// Writing the small JSON objects the hook answers with: one helper, so every
// answer escapes strings the same way (RapidJSON's writer).
#ifndef DELIVERYHOOK_APP_JSON_OBJECT_H_
#define DELIVERYHOOK_APP_JSON_OBJECT_H_

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <functional>
#include <string>
#include <string_view>

namespace deliveryhook::app {

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

}  // namespace deliveryhook::app

#endif  // DELIVERYHOOK_APP_JSON_OBJECT_H_
