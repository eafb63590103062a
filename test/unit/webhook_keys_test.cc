#include "deliveryhook/webhook/keys.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

namespace deliveryhook::webhook {
namespace {

// Secret files served from a map instead of the disk.
SecretFileReader FakeFiles(std::map<std::string, std::string> files) {
  return [files](const std::string& path) -> Result<std::string> {
    auto it = files.find(path);
    if (it == files.end()) return Error(ErrorCode::kInvalidArgument, "cannot read secret file " + path);
    return it->second;
  };
}

std::string ErrorOf(std::string_view text) {
  auto keys = ParseKeysFile(text, FakeFiles({}));
  return keys ? "<parsed>" : keys.error().message();
}

TEST(KeysFileTest, ParsesIdsSecretsAndScopes) {
  auto keys = ParseKeysFile(
      "# comment\n"
      "\n"
      "ci-shop   s3cret-shop   projects=shop,shop-staging\n"
      "  ci-blog whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw services=blog/web,blog/worker\r\n"
      "ops file:/run/secrets/ops allow_self\n"
      "both x projects=a services=b/web",
      FakeFiles({{"/run/secrets/ops", "from-a-file"}}));
  ASSERT_TRUE(keys) << keys.error().message();
  ASSERT_EQ(keys->size(), 4u);
  const Key& shop = (*keys)[0];
  EXPECT_EQ(shop.id, "ci-shop");
  EXPECT_EQ(shop.secret, "s3cret-shop");
  EXPECT_EQ(shop.projects, (std::vector<std::string>{"shop", "shop-staging"}));
  EXPECT_FALSE(shop.allow_self);
  EXPECT_TRUE(shop.Covers("shop", "anything"));
  EXPECT_FALSE(shop.Covers("blog", "web"));

  const Key& blog = (*keys)[1];
  EXPECT_EQ(blog.secret, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
  EXPECT_EQ(blog.StandardWebhooksKey().size(), 24u);
  EXPECT_TRUE(blog.Covers("blog", "worker"));
  EXPECT_FALSE(blog.Covers("blog", "db"));
  EXPECT_FALSE(blog.Covers("shop", "web"));

  const Key& ops = (*keys)[2];
  EXPECT_EQ(ops.secret, "from-a-file");
  EXPECT_TRUE(ops.allow_self);
  EXPECT_TRUE(ops.Unrestricted());
  EXPECT_TRUE(ops.Covers("any", "thing"));
  EXPECT_EQ(ops.StandardWebhooksKey(), "from-a-file");  // no whsec_: the bytes as written

  const Key& both = (*keys)[3];
  EXPECT_TRUE(both.Covers("a", "x"));
  EXPECT_TRUE(both.Covers("b", "web"));
  EXPECT_FALSE(both.Covers("b", "db"));
}

TEST(KeysFileTest, ErrorsNameTheLine) {
  EXPECT_EQ(ErrorOf("# only a comment\n"), "the keys file has no keys");
  EXPECT_EQ(ErrorOf("ok secret\nlonely\n"),
            "line 2: expected \"<id> <secret> [projects=...] [services=...] [allow_self] [read]\"");
  EXPECT_EQ(ErrorOf("\n\nbad/id secret\n"),
            "line 3: key id \"bad/id\" must be 1 to 64 letters, digits, '.', '_' or '-'");
  EXPECT_EQ(ErrorOf("a s1\nb s2\na s3\n"), "line 3: key id \"a\" is already used on line 1");
  EXPECT_EQ(ErrorOf("a s1 project=shop\n"),
            "line 1: unknown option \"project=shop\" (expected projects=, services=, allow_self or read)");
  EXPECT_EQ(ErrorOf("a s1 allow_self=yes\n"),
            "line 1: unknown option \"allow_self=yes\" (expected projects=, services=, allow_self or read)");
  EXPECT_EQ(ErrorOf("a s1 services=web\n"), "line 1: \"web\" in services= must be project/service");
  EXPECT_EQ(ErrorOf("a s1 services=shop/\n"), "line 1: \"shop/\" in services= must be project/service");
  EXPECT_EQ(ErrorOf("a s1 services=\n"), "line 1: services= needs at least one project/service");
  EXPECT_EQ(ErrorOf("a s1 projects=\n"), "line 1: projects= needs at least one project");
  EXPECT_EQ(ErrorOf("a s1 projects=shop,,blog\n"),
            "line 1: \"\" in projects= is not a compose project name");
  EXPECT_EQ(ErrorOf("a whsec_!!!\n"), "line 1: the secret starts with whsec_ but the rest is not base64");
  EXPECT_EQ(ErrorOf("a file:\n"), "line 1: file: needs a path");
  EXPECT_EQ(ErrorOf("a file:/nope\n"), "line 1: cannot read secret file /nope");
}

TEST(KeysFileTest, SecretFilesLoseTheirTrailingNewline) {
  const auto dir = std::filesystem::temp_directory_path() / "deliveryhook-keys-test";
  std::filesystem::create_directories(dir);
  const auto path = (dir / "secret").string();
  std::ofstream(path) << "docker-secret\r\n\n";
  auto secret = ReadSecretFile(path);
  ASSERT_TRUE(secret);
  EXPECT_EQ(*secret, "docker-secret");
  std::ofstream(path) << "\n";
  EXPECT_EQ(ReadSecretFile(path).error().message(), "secret file " + path + " is empty");
  std::filesystem::remove_all(dir);
}

TEST(KeysTest, DefaultKeyIsUnrestrictedAndAWhsecLookalikeStaysAsWritten) {
  Key key = DefaultKey("whsec_!!not-base64");
  EXPECT_EQ(key.id, "default");
  EXPECT_TRUE(key.Unrestricted());
  EXPECT_FALSE(key.allow_self);
  // Never an empty HMAC key.
  EXPECT_EQ(key.StandardWebhooksKey(), "whsec_!!not-base64");
}

}  // namespace
}  // namespace deliveryhook::webhook
