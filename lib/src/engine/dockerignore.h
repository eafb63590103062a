// .dockerignore patterns, matched like moby's patternmatcher: Go
// filepath.Match syntax ("*", "?", "[a-z]", "\" escapes) on slash-separated
// paths relative to the build context, "**" for any number of folders, and
// "!" exceptions where the last matching line wins. A pattern that matches a
// folder matches everything inside it.
#ifndef DELIVERYHOOK_ENGINE_DOCKERIGNORE_H_
#define DELIVERYHOOK_ENGINE_DOCKERIGNORE_H_

#include <memory>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "deliveryhook/result.h"

namespace deliveryhook::engine {

// Go filepath.Clean on a slash-separated path: "a//b/./c/.." -> "a/b"; "" -> ".".
std::string CleanPath(std::string_view path);

// The patterns of a .dockerignore file (moby ignorefile.ReadAll): "#" lines
// and blank lines dropped, spaces trimmed, paths cleaned, a leading "/"
// removed, "!" kept in front.
std::vector<std::string> ReadDockerignore(std::string_view content);

class PatternMatcher {
 public:
  // Fails with kInvalidArgument on a malformed pattern ("[a", a lone "!").
  static Result<PatternMatcher> Create(const std::vector<std::string>& patterns);

  // Whether `path` (relative, slash-separated) or one of its parent folders
  // is excluded by the patterns.
  bool MatchesOrParentMatches(std::string_view path) const;

  // Whether any pattern is an exception ("!...").
  bool has_exclusions() const { return has_exclusions_; }

  // Whether an exception pattern could re-include something inside `dir`, so
  // an excluded folder must still be walked.
  bool ExclusionMayMatchInside(std::string_view dir) const;

 private:
  enum class MatchType { kExact, kPrefix, kSuffix, kRegexp };
  struct Pattern {
    std::string cleaned;
    bool exclusion = false;
    MatchType type = MatchType::kExact;
    std::shared_ptr<const std::regex> regex;  // kRegexp only
    bool Match(std::string_view path) const;
  };

  std::vector<Pattern> patterns_;
  bool has_exclusions_ = false;
};

}  // namespace deliveryhook::engine

#endif  // DELIVERYHOOK_ENGINE_DOCKERIGNORE_H_
