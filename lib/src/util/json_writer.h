// Writing small JSON objects: one helper, so every answer, notification and
// job document escapes strings the same way (RapidJSON's writer).
#ifndef DELIVERYHOOK_UTIL_JSON_WRITER_H_
#define DELIVERYHOOK_UTIL_JSON_WRITER_H_

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace deliveryhook::util {

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
inline void Field(JsonWriter& w, const char* key, std::string_view value) {
  w.Key(key);
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

// "key": number.
inline void Int64Field(JsonWriter& w, const char* key, std::int64_t value) {
  w.Key(key);
  w.Int64(value);
}

// `text` as a JSON string, quotes included, escaped like every answer: for
// bodies spelled by hand ({"container_name": "web-1"}).
inline std::string JsonString(std::string_view text) {
  rapidjson::StringBuffer buffer;
  JsonWriter writer(buffer);
  writer.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
  return {buffer.GetString(), buffer.GetSize()};
}

}  // namespace deliveryhook::util

#endif  // DELIVERYHOOK_UTIL_JSON_WRITER_H_
