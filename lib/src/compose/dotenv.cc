#include "compose/dotenv.h"

#include <cctype>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

namespace deliveryhook::compose {
namespace {

// Blanks that do not end a line, as compose-go's dotenv counts them.
bool IsBlank(char c) { return c == '\t' || c == '\v' || c == '\f' || c == '\r' || c == ' '; }
bool IsSpaceOrNewline(char c) { return IsBlank(c) || c == '\n'; }

bool IsKeyChar(char c) {
  unsigned char u = static_cast<unsigned char>(c);
  return std::isalnum(u) || u >= 0x80 || c == '_' || c == '.' || c == '-' || c == '[' || c == ']';
}

// Go's %q for the short strings that appear in these messages.
std::string Quote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "\"";
}

std::string TrimRightSpace(std::string_view text) {
  size_t end = text.size();
  while (end > 0 && IsSpaceOrNewline(text[end - 1])) --end;
  return std::string(text.substr(0, end));
}

// The escapes a double-quoted value understands:
// \a \b \c(kept) \f \n \r \t \v \$ \" \\ and octal \0NNN.
std::string ExpandEscapes(std::string_view value) {
  std::string out;
  for (size_t i = 0; i < value.size(); ++i) {
    if (value[i] != '\\' || i + 1 >= value.size()) {
      out.push_back(value[i]);
      continue;
    }
    char next = value[i + 1];
    switch (next) {
      case 'a': out.push_back('\a'); break;
      case 'b': out.push_back('\b'); break;
      case 'f': out.push_back('\f'); break;
      case 'n': out.push_back('\n'); break;
      case 'r': out.push_back('\r'); break;
      case 't': out.push_back('\t'); break;
      case 'v': out.push_back('\v'); break;
      case '"': out.push_back('"'); break;
      case '\\': out.push_back('\\'); break;
      case '$': out += "$$"; break;  // substitution turns $$ into a literal $
      case '0': {
        size_t end = i + 2;
        while (end < value.size() && end < i + 5 && std::isdigit(static_cast<unsigned char>(value[end]))) ++end;
        std::string_view digits = value.substr(i + 2, end - (i + 2));
        bool octal = digits.size() == 3 && digits.find_first_not_of("01234567") == std::string_view::npos;
        if (octal) {
          out.push_back(static_cast<char>(std::stoi(std::string(digits), nullptr, 8)));
        } else {
          out.append(value.substr(i, end - i));  // Go cannot unquote it: kept as written
        }
        i = end - 1;
        continue;
      }
      default:
        out.push_back('\\');
        out.push_back(next);
        break;
    }
    ++i;
  }
  return out;
}

class DotEnvParser {
 public:
  DotEnvParser(std::string_view text, const Lookup& lookup) : src_(text), lookup_(lookup) {
    if (src_.substr(0, 3) == "\xEF\xBB\xBF") src_.remove_prefix(3);
  }

  Result<Environment> Parse() {
    while (SkipToStatement()) {
      if (Status s = ParseStatement(); !s) return s.error();
    }
    return std::move(out_);
  }

 private:
  // Skips blank and comment lines; false at the end of the input.
  bool SkipToStatement() {
    while (true) {
      while (!src_.empty() && IsSpaceOrNewline(src_[0])) Advance(1);
      if (src_.empty()) return false;
      if (src_[0] != '#') return true;
      size_t newline = src_.find('\n');
      if (newline == std::string_view::npos) return false;
      Advance(newline);
    }
  }

  void Advance(size_t count) {
    for (size_t i = 0; i < count; ++i) {
      if (src_[i] == '\n') ++line_;
    }
    src_.remove_prefix(count);
  }

  void SkipBlanks() {
    while (!src_.empty() && IsBlank(src_[0])) src_.remove_prefix(1);
  }

  Status Fail(const std::string& message) {
    return Error(ErrorCode::kInvalidArgument, "line " + std::to_string(line_) + ": " + message);
  }

  Status ParseStatement() {
    // `export` followed by any white space (a line break included) is dropped.
    if (src_.substr(0, 6) == "export" && src_.size() > 6 && IsSpaceOrNewline(src_[6])) {
      Advance(6);
      while (!src_.empty() && IsSpaceOrNewline(src_[0])) Advance(1);
    }
    size_t end = 0;
    bool found = false;
    bool inherited = false;
    for (; end < src_.size(); ++end) {
      char c = src_[end];
      if (IsBlank(c)) continue;
      if (c == '=' || c == ':' || c == '\n') {
        found = true;
        inherited = c == '\n';
        break;
      }
      if (!IsKeyChar(c)) {
        std::string_view line = src_.substr(0, src_.find('\n'));
        return Fail("unexpected character " + Quote(std::string_view(&src_[end], 1)) +
                    " in variable name " + Quote(line));
      }
    }
    // A last line without `=` reads as a value with an empty key, as compose does.
    std::string key = found ? TrimRightSpace(src_.substr(0, end)) : std::string();
    if (key.find(' ') != std::string::npos) return Fail("key cannot contain a space");
    if (found) {
      Advance(end + 1);
      if (inherited) {
        if (std::optional<std::string> value = lookup_(key)) out_[key] = *value;
        return Ok();
      }
      SkipBlanks();
    }
    Result<std::string> value = ParseValue();
    if (!value) return value.error();
    out_[key] = *value;
    return Ok();
  }

  Result<std::string> ParseValue() {
    if (!src_.empty() && (src_[0] == '"' || src_[0] == '\'')) return ParseQuoted(src_[0]);
    size_t newline = src_.find('\n');
    std::string_view value = src_.substr(0, newline);
    size_t comment = value.find(" #");
    if (comment != std::string_view::npos) value = value.substr(0, comment);
    std::string trimmed = TrimRightSpace(value);
    Advance(newline == std::string_view::npos ? src_.size() : newline + 1);
    return Expand(trimmed);
  }

  Result<std::string> ParseQuoted(char quote) {
    for (size_t i = 1; i < src_.size(); ++i) {
      if (src_[i] != quote || src_[i - 1] == '\\') continue;
      std::string value(src_.substr(1, i - 1));
      Advance(i + 1);
      if (quote == '\'') return value;
      return Expand(ExpandEscapes(value));
    }
    std::string_view first_line = src_.substr(0, src_.find('\n'));
    Advance(src_.size());
    return Fail("unterminated quoted value " + std::string(first_line)).error();
  }

  Result<std::string> Expand(const std::string& value) {
    Lookup lookup = [this](const std::string& name) -> std::optional<std::string> {
      if (std::optional<std::string> found = lookup_(name)) return found;
      auto it = out_.find(name);
      if (it != out_.end()) return it->second;
      return std::nullopt;
    };
    SubstituteResult result = Substitute(value, lookup);
    if (auto* error = std::get_if<TemplateError>(&result)) return Fail(error->detail).error();
    return std::get<std::string>(result);
  }

  std::string_view src_;
  const Lookup& lookup_;
  Environment out_;
  int line_ = 1;
};

}  // namespace

Result<Environment> ParseDotEnv(std::string_view text, const Lookup& lookup) {
  return DotEnvParser(text, lookup).Parse();
}

Result<Environment> ReadDotEnvFile(const std::string& path, const Lookup& lookup) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Error(ErrorCode::kNotFound, "failed to read " + path + ": no such file or directory");
  }
  std::ostringstream content;
  content << in.rdbuf();
  Result<Environment> parsed = ParseDotEnv(content.str(), lookup);
  if (!parsed) return parsed.error().WithContext("failed to read " + path);
  return parsed;
}

Result<Environment> ParseRawEnv(std::string_view text, const Lookup& lookup) {
  Environment out;
  bool first = true;
  while (!text.empty() || first) {
    size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);  // bufio.ScanLines
    if (first && line.substr(0, 3) == "\xEF\xBB\xBF") line.remove_prefix(3);
    first = false;
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.front()))) line.remove_prefix(1);
    if (line.empty() || line.front() == '#') continue;
    size_t equals = line.find('=');
    std::string_view variable = line.substr(0, equals);
    if (variable.find_first_of(" \t") != std::string_view::npos) {
      return Error(ErrorCode::kInvalidArgument, "variable '" + std::string(variable) + "' contains whitespaces");
    }
    if (variable.empty()) {
      return Error(ErrorCode::kInvalidArgument, "no variable name on line '" + std::string(line) + "'");
    }
    if (equals != std::string_view::npos) {
      out[std::string(variable)] = std::string(line.substr(equals + 1));  // passed through, no trimming
    } else if (std::optional<std::string> value = lookup(std::string(variable))) {
      out[std::string(variable)] = *value;
    }
  }
  return out;
}

}  // namespace deliveryhook::compose
