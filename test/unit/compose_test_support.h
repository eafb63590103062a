// Helpers for the compose loader tests: fixture projects under
// test/data/compose/<case>/ are copied to a temp dir named after the case
// (so paths and the project name are predictable) and loaded with a fixed
// environment: HOME=/home/tester plus the case's `process.env`.
#ifndef DELIVERYHOOK_TEST_UNIT_COMPOSE_TEST_SUPPORT_H_
#define DELIVERYHOOK_TEST_UNIT_COMPOSE_TEST_SUPPORT_H_

#include <openssl/evp.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "deliveryhook/compose/project.h"

namespace deliveryhook::compose::testing {

namespace fs = std::filesystem;

inline std::string FixtureDir(const std::string& name) {
  return std::string(DELIVERYHOOK_TEST_DATA) + "/compose/" + name;
}

inline std::string ReadText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

inline void WriteText(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

inline std::string ReplaceAll(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

inline std::string Sha256(const std::string& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr);
  std::string hex;
  static const char kHex[] = "0123456789abcdef";
  for (unsigned int i = 0; i < length; ++i) hex += {kHex[digest[i] >> 4], kHex[digest[i] & 0xF]};
  return hex;
}

// A temp directory removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "dh-compose-XXXXXX").string();
    path_ = mkdtemp(pattern.data());
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// Variables of a `process.env` file: KEY=VALUE lines, taken literally.
inline Environment ReadProcessEnv(const fs::path& file) {
  Environment environment{{"HOME", "/home/tester"}};
  std::istringstream lines(fs::exists(file) ? ReadText(file) : "");
  for (std::string line; std::getline(lines, line);) {
    size_t equals = line.find('=');
    if (line.empty() || line[0] == '#' || equals == std::string::npos) continue;
    environment[line.substr(0, equals)] = line.substr(equals + 1);
  }
  return environment;
}

// Copies fixture `name` into `temp`/<name> and returns load options for it.
inline LoadOptions PrepareFixture(const std::string& name, const TempDir& temp) {
  fs::path dir = temp.path() / name;
  fs::copy(FixtureDir(name), dir, fs::copy_options::recursive);
  LoadOptions options;
  options.working_dir = dir.string();
  std::istringstream files(fs::exists(dir / "files") ? ReadText(dir / "files") : "compose.yaml");
  for (std::string file; files >> file;) options.config_files.push_back((dir / file).string());
  options.environment = ReadProcessEnv(dir / "process.env");
  return options;
}

}  // namespace deliveryhook::compose::testing

#endif  // DELIVERYHOOK_TEST_UNIT_COMPOSE_TEST_SUPPORT_H_
