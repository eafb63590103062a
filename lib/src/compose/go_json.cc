// Go encoding/json compatible writer, and a reader that keeps member order.
#include <rapidjson/error/en.h>
#include <rapidjson/reader.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "compose/json_value.h"

namespace deliveryhook::compose {
namespace {

// Length of the valid UTF-8 sequence at `s[i]`, or 0 when it is invalid.
size_t Utf8SequenceLength(std::string_view s, size_t i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  size_t length = 0;
  unsigned int min = 0;
  unsigned int code = 0;
  if (c >= 0xC2 && c <= 0xDF) length = 2, min = 0x80, code = c & 0x1F;
  else if (c >= 0xE0 && c <= 0xEF) length = 3, min = 0x800, code = c & 0x0F;
  else if (c >= 0xF0 && c <= 0xF4) length = 4, min = 0x10000, code = c & 0x07;
  else return 0;
  if (i + length > s.size()) return 0;
  for (size_t k = 1; k < length; ++k) {
    unsigned char cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) return 0;
    code = (code << 6) | (cc & 0x3F);
  }
  if (code < min || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return 0;
  return length;
}

void WriteString(std::string_view s, std::string& out) {
  static const char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        default:
          if (c < 0x20 || c == '<' || c == '>' || c == '&') {
            out += "\\u00";
            out.push_back(kHex[c >> 4]);
            out.push_back(kHex[c & 0xF]);
          } else {
            out.push_back(static_cast<char>(c));
          }
      }
      ++i;
      continue;
    }
    size_t length = Utf8SequenceLength(s, i);
    if (length == 0) {
      out += "\\ufffd";
      ++i;
      continue;
    }
    std::string_view sequence = s.substr(i, length);
    if (sequence == "\xE2\x80\xA8") out += "\\u2028";
    else if (sequence == "\xE2\x80\xA9") out += "\\u2029";
    else out.append(sequence);
    i += length;
  }
  out.push_back('"');
}

void Write(const Json& value, std::string& out) {
  switch (value.kind()) {
    case Json::Kind::kNull: out += "null"; return;
    case Json::Kind::kBool: out += value.bool_value() ? "true" : "false"; return;
    case Json::Kind::kNumber: out += value.text(); return;
    case Json::Kind::kString: WriteString(value.text(), out); return;
    case Json::Kind::kArray: {
      out.push_back('[');
      bool first = true;
      for (const Json& item : value.items()) {
        if (!first) out.push_back(',');
        first = false;
        Write(item, out);
      }
      out.push_back(']');
      return;
    }
    case Json::Kind::kObject: {
      std::vector<const Json::Member*> members;
      for (const Json::Member& member : value.members()) members.push_back(&member);
      if (value.is_map()) {
        std::sort(members.begin(), members.end(),
                  [](const Json::Member* a, const Json::Member* b) { return a->first < b->first; });
      }
      out.push_back('{');
      bool first = true;
      for (const Json::Member* member : members) {
        if (!first) out.push_back(',');
        first = false;
        WriteString(member->first, out);
        out.push_back(':');
        Write(member->second, out);
      }
      out.push_back('}');
      return;
    }
  }
}

// Builds a Json tree from RapidJSON's SAX events.
class TreeBuilder : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, TreeBuilder> {
 public:
  bool Null() { return Add(Json::Null()); }
  bool Bool(bool b) { return Add(Json::Bool(b)); }
  bool RawNumber(const char* str, rapidjson::SizeType length, bool) {
    return Add(Json::Number(std::string(str, length)));
  }
  bool String(const char* str, rapidjson::SizeType length, bool) {
    return Add(Json::String(std::string(str, length)));
  }
  bool StartObject() {
    stack_.push_back({Json::Struct(), ""});
    return true;
  }
  bool Key(const char* str, rapidjson::SizeType length, bool) {
    stack_.back().key.assign(str, length);
    return true;
  }
  bool EndObject(rapidjson::SizeType) { return Close(); }
  bool StartArray() {
    stack_.push_back({Json::Array(), ""});
    return true;
  }
  bool EndArray(rapidjson::SizeType) { return Close(); }

  Json root;

 private:
  struct Frame {
    Json value;
    std::string key;
  };

  bool Add(Json value) {
    if (stack_.empty()) {
      root = std::move(value);
    } else if (stack_.back().value.is_array()) {
      stack_.back().value.Append(std::move(value));
    } else {
      stack_.back().value.members().emplace_back(stack_.back().key, std::move(value));
    }
    return true;
  }

  bool Close() {
    Json done = std::move(stack_.back().value);
    stack_.pop_back();
    return Add(std::move(done));
  }

  std::vector<Frame> stack_;
};

}  // namespace

std::string EncodeGoJson(const Json& value) {
  std::string out;
  Write(value, out);
  return out;
}

Result<Json> ParseJson(std::string_view text) {
  TreeBuilder builder;
  rapidjson::Reader reader;
  std::string copy(text);
  rapidjson::StringStream stream(copy.c_str());
  rapidjson::ParseResult result =
      reader.Parse<rapidjson::kParseNumbersAsStringsFlag | rapidjson::kParseValidateEncodingFlag>(stream,
                                                                                                  builder);
  if (!result) {
    return Error(ErrorCode::kInvalidArgument, std::string("invalid JSON at offset ") +
                                                  std::to_string(result.Offset()) + ": " +
                                                  rapidjson::GetParseError_En(result.Code()));
  }
  return std::move(builder.root);
}

}  // namespace deliveryhook::compose
