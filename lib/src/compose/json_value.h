// A JSON value that remembers member order, for Go-compatible encoding.
//
// Go's encoding/json writes struct fields in declaration order and map keys
// sorted; a Json object is therefore either a "struct" (members written in
// insertion order) or a "map" (members written sorted by key, byte-wise).
// Numbers are kept as the exact text to write.
#ifndef DELIVERYHOOK_COMPOSE_JSON_VALUE_H_
#define DELIVERYHOOK_COMPOSE_JSON_VALUE_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "deliveryhook/result.h"

namespace deliveryhook::compose {

class Json {
 public:
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };
  using Member = std::pair<std::string, Json>;

  Json() = default;
  static Json Null() { return Json(); }
  static Json Bool(bool value);
  static Json Number(std::string text);
  static Json Int(long long value);
  static Json String(std::string value);
  static Json Array(std::vector<Json> items = {});
  static Json StringArray(const std::vector<std::string>& items);
  static Json Struct();  // members written in insertion order
  static Json Map();     // members written sorted by key

  Kind kind() const { return kind_; }
  bool is_null() const { return kind_ == Kind::kNull; }
  bool is_object() const { return kind_ == Kind::kObject; }
  bool is_array() const { return kind_ == Kind::kArray; }
  bool is_string() const { return kind_ == Kind::kString; }
  bool is_map() const { return kind_ == Kind::kObject && sorted_; }

  bool bool_value() const { return bool_; }
  // The string value, or the number's text.
  const std::string& text() const { return text_; }

  std::vector<Json>& items() { return items_; }
  const std::vector<Json>& items() const { return items_; }
  std::vector<Member>& members() { return members_; }
  const std::vector<Member>& members() const { return members_; }

  const Json* Find(std::string_view key) const;
  Json* Find(std::string_view key);
  // Replaces the member in place, or appends it.
  Json& Set(std::string_view key, Json value);
  void Erase(std::string_view key);
  void Append(Json item) { items_.push_back(std::move(item)); }
  bool empty() const { return members_.empty() && items_.empty(); }

  bool operator==(const Json& other) const = default;

 private:
  Kind kind_ = Kind::kNull;
  bool bool_ = false;
  bool sorted_ = false;
  std::string text_;
  std::vector<Json> items_;
  std::vector<Member> members_;
};

// Compact JSON exactly as Go's json.Marshal writes it: HTML-safe escaping
// (<, >, & as \u003c \u003e \u0026), U+2028/U+2029 escaped, invalid UTF-8
// as \ufffd, map members sorted by key.
std::string EncodeGoJson(const Json& value);

// Parses JSON text; objects become structs (their order is kept) and
// numbers keep their text, so EncodeGoJson(ParseJson(EncodeGoJson(v)))
// gives the same bytes back.
Result<Json> ParseJson(std::string_view text);

}  // namespace deliveryhook::compose

#endif  // DELIVERYHOOK_COMPOSE_JSON_VALUE_H_
