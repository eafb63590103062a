#include "engine/dockerignore.h"

#include <cctype>

namespace deliveryhook::engine {
namespace {

// std::regex recurses about once per character of the pattern (compiling)
// and of the path (matching), so tens of thousands of characters overflow the
// stack. No file in a build context has a longer path than PATH_MAX, so a
// longer pattern is refused and a longer path matches no regexp pattern.
constexpr std::size_t kMaxLength = 4096;

std::string_view TrimSpace(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  return text;
}

// filepath.Match's syntax check: brackets closed and not empty, no trailing "\".
bool IsValidGlob(std::string_view pattern) {
  for (size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '\\') {
      if (++i >= pattern.size()) return false;
    } else if (c == '[') {
      ++i;
      if (i < pattern.size() && pattern[i] == '^') ++i;
      bool first = true;
      for (;; first = false) {
        if (i >= pattern.size()) return false;
        if (pattern[i] == ']' && !first) break;
        // One character (maybe escaped), then maybe "-" and another one.
        if (pattern[i] == '\\' && ++i >= pattern.size()) return false;
        if (pattern[i] == ']' && first) return false;  // "[]" is empty
        ++i;
        if (i < pattern.size() && pattern[i] == '-') {
          ++i;
          if (i >= pattern.size() || pattern[i] == ']') return false;
          if (pattern[i] == '\\' && ++i >= pattern.size()) return false;
          ++i;
        }
      }
    }
  }
  return true;
}

bool ShouldEscape(char c) {
  return c == '.' || c == '+' || c == '(' || c == ')' || c == '|' || c == '{' || c == '}' || c == '$';
}

}  // namespace

std::string CleanPath(std::string_view path) {
  if (path.empty()) return ".";
  const bool rooted = path.front() == '/';
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view part = path.substr(start, end - start);
    if (part.empty() || part == ".") {
      // skip
    } else if (part == "..") {
      if (!parts.empty() && parts.back() != "..") {
        parts.pop_back();
      } else if (!rooted) {
        parts.push_back(part);
      }
    } else {
      parts.push_back(part);
    }
    start = end + 1;
  }
  std::string out = rooted ? "/" : "";
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += '/';
    out += parts[i];
  }
  if (out.empty()) return ".";
  return out;
}

std::vector<std::string> ReadDockerignore(std::string_view content) {
  std::vector<std::string> patterns;
  bool first_line = true;
  while (!content.empty()) {
    const auto newline = content.find('\n');
    std::string_view line = content.substr(0, newline);
    content = newline == std::string_view::npos ? std::string_view() : content.substr(newline + 1);
    if (first_line && line.starts_with("\xEF\xBB\xBF")) line.remove_prefix(3);
    first_line = false;
    if (!line.empty() && line.front() == '#') continue;
    std::string_view pattern = TrimSpace(line);
    if (pattern.empty()) continue;
    const bool invert = pattern.front() == '!';
    if (invert) pattern = TrimSpace(pattern.substr(1));
    std::string cleaned;
    if (!pattern.empty()) {
      cleaned = CleanPath(pattern);
      if (cleaned.size() > 1 && cleaned.front() == '/') cleaned.erase(0, 1);
    }
    patterns.push_back(invert ? "!" + cleaned : cleaned);
  }
  return patterns;
}

Result<PatternMatcher> PatternMatcher::Create(const std::vector<std::string>& patterns) {
  PatternMatcher matcher;
  for (const auto& raw : patterns) {
    std::string_view trimmed = TrimSpace(raw);
    if (trimmed.empty()) continue;
    std::string text = CleanPath(trimmed);
    Pattern pattern;
    if (text.front() == '!') {
      if (text.size() == 1) return Error(ErrorCode::kInvalidArgument, "illegal exclusion pattern: \"!\"");
      pattern.exclusion = true;
      text.erase(0, 1);
      matcher.has_exclusions_ = true;
    }
    if (text.size() > kMaxLength) {
      return Error(ErrorCode::kInvalidArgument,
                   "pattern longer than " + std::to_string(kMaxLength) + " characters");
    }
    if (!IsValidGlob(text)) {
      return Error(ErrorCode::kInvalidArgument, "syntax error in pattern \"" + text + "\"");
    }
    pattern.cleaned = text;

    // The translation of moby's Pattern.compile.
    std::string regex = "^";
    for (size_t i = 0; i < text.size(); ++i) {
      const char c = text[i];
      if (c == '*') {
        if (i + 1 < text.size() && text[i + 1] == '*') {
          const bool at_start = i == 0;
          ++i;
          if (i + 1 < text.size() && text[i + 1] == '/') ++i;  // "**/" is "**"
          if (i + 1 == text.size()) {
            if (pattern.type == MatchType::kExact) {
              pattern.type = MatchType::kPrefix;
            } else {
              regex += ".*";
              pattern.type = MatchType::kRegexp;
            }
          } else {
            regex += "(.*/)?";
            pattern.type = MatchType::kRegexp;
          }
          if (at_start) pattern.type = MatchType::kSuffix;
        } else {
          regex += "[^/]*";
          pattern.type = MatchType::kRegexp;
        }
      } else if (c == '?') {
        regex += "[^/]";
        pattern.type = MatchType::kRegexp;
      } else if (ShouldEscape(c)) {
        regex += '\\';
        regex += c;
      } else if (c == '\\') {
        if (i + 1 < text.size()) {
          const char next = text[++i];
          if (!std::isalnum(static_cast<unsigned char>(next))) regex += '\\';
          regex += next;
          pattern.type = MatchType::kRegexp;
        } else {
          regex += "\\\\";
        }
      } else if (c == '[' || c == ']') {
        regex += c;
        pattern.type = MatchType::kRegexp;
      } else {
        regex += c;
      }
    }
    if (pattern.type == MatchType::kRegexp) {
      regex += '$';
      try {
        pattern.regex = std::make_shared<const std::regex>(regex, std::regex::ECMAScript);
      } catch (const std::regex_error&) {
        return Error(ErrorCode::kInvalidArgument, "syntax error in pattern \"" + text + "\"");
      }
    }
    matcher.patterns_.push_back(std::move(pattern));
  }
  return matcher;
}

bool PatternMatcher::Pattern::Match(std::string_view path) const {
  switch (type) {
    case MatchType::kExact:
      return path == cleaned;
    case MatchType::kPrefix:  // "foo/**": strip the "**"
      return path.starts_with(std::string_view(cleaned).substr(0, cleaned.size() - 2));
    case MatchType::kSuffix: {  // "**/foo"
      const std::string_view suffix = std::string_view(cleaned).substr(2);
      if (path.ends_with(suffix)) return true;
      return !suffix.empty() && suffix.front() == '/' && path == suffix.substr(1);
    }
    case MatchType::kRegexp:
      if (path.size() > kMaxLength) return false;
      return std::regex_match(path.begin(), path.end(), *regex);
  }
  return false;
}

bool PatternMatcher::MatchesOrParentMatches(std::string_view path) const {
  const std::string file = CleanPath(path);
  const auto slash = file.rfind('/');
  const std::string parent = slash == std::string::npos ? "." : file.substr(0, slash);
  bool matched = false;
  for (const auto& pattern : patterns_) {
    // An inclusion cannot change an already matched path, nor an exclusion
    // an unmatched one.
    if (pattern.exclusion != matched) continue;
    bool match = pattern.Match(file);
    if (!match && parent != ".") {
      for (size_t end = parent.find('/');; end = parent.find('/', end + 1)) {
        if (pattern.Match(std::string_view(parent).substr(0, end))) {
          match = true;
          break;
        }
        if (end == std::string::npos) break;
      }
    }
    if (match) matched = !pattern.exclusion;
  }
  return matched;
}

bool PatternMatcher::ExclusionMayMatchInside(std::string_view dir) const {
  const std::string prefix = std::string(dir) + "/";
  for (const auto& pattern : patterns_) {
    if (pattern.exclusion && (pattern.cleaned + "/").starts_with(prefix)) return true;
  }
  return false;
}

}  // namespace deliveryhook::engine
