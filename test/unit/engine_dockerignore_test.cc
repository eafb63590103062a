#include "engine/dockerignore.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace deliveryhook::engine {
namespace {

bool Excluded(const std::vector<std::string>& patterns, const std::string& path) {
  auto matcher = PatternMatcher::Create(patterns);
  EXPECT_TRUE(matcher) << matcher.error();
  return matcher && matcher->MatchesOrParentMatches(path);
}

TEST(CleanPath, BehavesLikeGoFilepathClean) {
  EXPECT_EQ(CleanPath(""), ".");
  EXPECT_EQ(CleanPath("a//b/./c/.."), "a/b");
  EXPECT_EQ(CleanPath("./a/"), "a");
  EXPECT_EQ(CleanPath("../a"), "../a");
  EXPECT_EQ(CleanPath("a/../.."), "..");
  EXPECT_EQ(CleanPath("/../a"), "/a");
  EXPECT_EQ(CleanPath("/"), "/");
}

TEST(ReadDockerignore, DropsCommentsAndCleansPatterns) {
  const std::string content =
      "\xEF\xBB\xBF# comment\n"
      "\n"
      "  node_modules  \n"
      "/build/\n"
      "! keep.txt\n"
      "a/./b//c\n"
      "!\n"
      " # not a comment once indented\n";
  EXPECT_EQ(ReadDockerignore(content), (std::vector<std::string>{"node_modules", "build", "!keep.txt", "a/b/c", "!",
                                                                 "# not a comment once indented"}));
}

TEST(PatternMatcher, GlobsStayWithinOneFolder) {
  EXPECT_TRUE(Excluded({"*.log"}, "debug.log"));
  EXPECT_FALSE(Excluded({"*.log"}, "logs/debug.log"));
  EXPECT_TRUE(Excluded({"*/*.log"}, "logs/debug.log"));
  EXPECT_TRUE(Excluded({"file?.txt"}, "file1.txt"));
  EXPECT_FALSE(Excluded({"file?.txt"}, "file10.txt"));
  EXPECT_TRUE(Excluded({"[a-c]at"}, "bat"));
  EXPECT_FALSE(Excluded({"[a-c]at"}, "rat"));
  EXPECT_TRUE(Excluded({"[^a-c]at"}, "rat"));
  EXPECT_TRUE(Excluded({"a.b"}, "a.b"));
  EXPECT_FALSE(Excluded({"a.b"}, "axb"));
  EXPECT_TRUE(Excluded({"\\*star"}, "*star"));
  EXPECT_FALSE(Excluded({"\\*star"}, "xstar"));
}

TEST(PatternMatcher, AMatchedFolderExcludesItsContent) {
  EXPECT_TRUE(Excluded({"node_modules"}, "node_modules/pkg/index.js"));
  EXPECT_TRUE(Excluded({"build"}, "build"));
  EXPECT_FALSE(Excluded({"build"}, "src/build"));
  EXPECT_FALSE(Excluded({"build"}, "builder"));
}

TEST(PatternMatcher, DoubleStarSpansFolders) {
  EXPECT_TRUE(Excluded({"**/*.go"}, "main.go"));
  EXPECT_TRUE(Excluded({"**/*.go"}, "a/b/c/main.go"));
  EXPECT_TRUE(Excluded({"**/tmp"}, "tmp"));
  EXPECT_TRUE(Excluded({"**/tmp"}, "a/b/tmp"));
  EXPECT_TRUE(Excluded({"docs/**"}, "docs/a/b.md"));
  EXPECT_FALSE(Excluded({"docs/**"}, "docsx"));
  EXPECT_TRUE(Excluded({"a/**/z"}, "a/z"));
  EXPECT_TRUE(Excluded({"a/**/z"}, "a/b/c/z"));
  EXPECT_FALSE(Excluded({"a/**/z"}, "b/a/z"));
  EXPECT_TRUE(Excluded({"**"}, "anything/at/all"));
  // moby's quirk, kept: "**" not followed by "/" still becomes "(.*/)?".
  EXPECT_FALSE(Excluded({"a/**.txt"}, "a/b/c.txt"));
  EXPECT_TRUE(Excluded({"a/**.txt"}, "a/b/.txt"));
}

TEST(PatternMatcher, ExceptionsReincludeAndTheLastMatchWins) {
  EXPECT_FALSE(Excluded({"*.md", "!README.md"}, "README.md"));
  EXPECT_TRUE(Excluded({"*.md", "!README.md"}, "CHANGES.md"));
  EXPECT_TRUE(Excluded({"*.md", "!README.md", "README*"}, "README.md"));
  EXPECT_FALSE(Excluded({"docs", "!docs/keep"}, "docs/keep"));
  EXPECT_FALSE(Excluded({"docs", "!docs/keep"}, "docs/keep/inner.txt"));
  EXPECT_TRUE(Excluded({"docs", "!docs/keep"}, "docs/other"));
}

TEST(PatternMatcher, KnowsWhenAnExcludedFolderMustStillBeWalked) {
  auto matcher = PatternMatcher::Create({"docs", "!docs/keep/*.md"});
  ASSERT_TRUE(matcher);
  EXPECT_TRUE(matcher->has_exclusions());
  EXPECT_TRUE(matcher->ExclusionMayMatchInside("docs"));
  EXPECT_TRUE(matcher->ExclusionMayMatchInside("docs/keep"));
  EXPECT_FALSE(matcher->ExclusionMayMatchInside("src"));
}

TEST(PatternMatcher, RejectsMalformedPatterns) {
  auto lone = PatternMatcher::Create({"!"});
  ASSERT_FALSE(lone);
  EXPECT_EQ(lone.error().message(), "illegal exclusion pattern: \"!\"");
  auto bracket = PatternMatcher::Create({"[a-"});
  ASSERT_FALSE(bracket);
  EXPECT_EQ(bracket.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(bracket.error().message(), "syntax error in pattern \"[a-\"");
  EXPECT_FALSE(PatternMatcher::Create({"[]"}));
  EXPECT_FALSE(PatternMatcher::Create({"abc\\"}));
}

}  // namespace
}  // namespace deliveryhook::engine
