#include "engine/build_context.h"

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <vector>

#include "engine/dockerignore.h"

namespace deliveryhook::engine {
namespace fs = std::filesystem;
namespace {

struct ArchiveDeleter {
  void operator()(archive* a) const { archive_write_free(a); }
};
struct EntryDeleter {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};
using ArchivePtr = std::unique_ptr<archive, ArchiveDeleter>;
using EntryPtr = std::unique_ptr<archive_entry, EntryDeleter>;

la_ssize_t AppendToString(archive*, void* user, const void* data, size_t size) {
  static_cast<std::string*>(user)->append(static_cast<const char*>(data), size);
  return static_cast<la_ssize_t>(size);
}

Error ArchiveError(archive* a, const std::string& what) {
  const char* detail = archive_error_string(a);
  return Error(ErrorCode::kInternal, "cannot tar the build context (" + what + "): " +
                                         (detail != nullptr ? detail : "unknown error"));
}

class TarWriter {
 public:
  Status Open() {
    archive_.reset(archive_write_new());
    if (!archive_) return Error(ErrorCode::kInternal, "archive_write_new failed");
    if (archive_write_set_format_pax_restricted(archive_.get()) != ARCHIVE_OK ||
        archive_write_open(archive_.get(), &tar_, nullptr, &AppendToString, nullptr) != ARCHIVE_OK) {
      return ArchiveError(archive_.get(), "open");
    }
    return Ok();
  }

  // Adds `source` (lstat-ed) under `name`.
  Status AddPath(const fs::path& source, const std::string& name) {
    struct stat st {};
    if (::lstat(source.c_str(), &st) != 0) {
      return Error(ErrorCode::kInvalidArgument, "cannot read " + name + ": " + std::strerror(errno));
    }
    EntryPtr entry(archive_entry_new());
    archive_entry_copy_stat(entry.get(), &st);
    archive_entry_set_pathname(entry.get(), name.c_str());
    archive_entry_set_uid(entry.get(), 0);
    archive_entry_set_gid(entry.get(), 0);
    archive_entry_set_uname(entry.get(), "");
    archive_entry_set_gname(entry.get(), "");
    archive_entry_set_nlink(entry.get(), 1);
    if (S_ISLNK(st.st_mode)) {
      std::error_code ec;
      const fs::path link = fs::read_symlink(source, ec);
      if (ec) return Error(ErrorCode::kInvalidArgument, "cannot read link " + name + ": " + ec.message());
      archive_entry_set_symlink(entry.get(), link.c_str());
      archive_entry_set_size(entry.get(), 0);
      return WriteHeader(entry.get(), name);
    }
    if (S_ISDIR(st.st_mode)) {
      archive_entry_set_size(entry.get(), 0);
      return WriteHeader(entry.get(), name);
    }
    if (!S_ISREG(st.st_mode)) return Ok();  // sockets, fifos, devices: not part of a context

    std::ifstream file(source, std::ios::binary);
    if (!file) return Error(ErrorCode::kInvalidArgument, "cannot read " + name + ": " + std::strerror(errno));
    if (auto status = WriteHeader(entry.get(), name); !status) return status;
    std::vector<char> buffer(64 * 1024);
    while (file) {
      file.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
      const auto count = file.gcount();
      if (count > 0 && archive_write_data(archive_.get(), buffer.data(), static_cast<size_t>(count)) < 0) {
        return ArchiveError(archive_.get(), name);
      }
    }
    if (file.bad()) return Error(ErrorCode::kInvalidArgument, "cannot read " + name);
    return Ok();
  }

  Status AddFile(const std::string& name, const std::string& content) {
    EntryPtr entry(archive_entry_new());
    archive_entry_set_pathname(entry.get(), name.c_str());
    archive_entry_set_filetype(entry.get(), AE_IFREG);
    archive_entry_set_perm(entry.get(), 0644);
    archive_entry_set_size(entry.get(), static_cast<la_int64_t>(content.size()));
    archive_entry_set_mtime(entry.get(), 0, 0);
    if (auto status = WriteHeader(entry.get(), name); !status) return status;
    if (archive_write_data(archive_.get(), content.data(), content.size()) < 0) {
      return ArchiveError(archive_.get(), name);
    }
    return Ok();
  }

  Result<std::string> Finish() {
    if (archive_write_close(archive_.get()) != ARCHIVE_OK) return ArchiveError(archive_.get(), "close");
    archive_.reset();
    return std::move(tar_);
  }

 private:
  Status WriteHeader(archive_entry* entry, const std::string& name) {
    if (archive_write_header(archive_.get(), entry) != ARCHIVE_OK) return ArchiveError(archive_.get(), name);
    return Ok();
  }

  std::string tar_;  // declared before archive_ so it outlives the archive's callbacks
  ArchivePtr archive_;
};

Status Walk(const fs::path& root, const std::string& relative, const PatternMatcher& matcher, TarWriter& tar) {
  std::error_code ec;
  std::vector<std::string> names;
  for (fs::directory_iterator it(relative.empty() ? root : root / relative, ec), end; !ec && it != end;
       it.increment(ec)) {
    names.push_back(it->path().filename().string());
  }
  if (ec) {
    return Error(ErrorCode::kInvalidArgument,
                 "cannot list " + (relative.empty() ? std::string("the build context") : relative) + ": " +
                     ec.message());
  }
  std::sort(names.begin(), names.end());
  for (const auto& name : names) {
    const std::string path = relative.empty() ? name : relative + "/" + name;
    const fs::path source = root / path;
    const bool is_dir = fs::is_directory(fs::symlink_status(source, ec));
    if (matcher.MatchesOrParentMatches(path)) {
      // An excluded folder is still walked when an exception may reach inside.
      if (is_dir && matcher.has_exclusions() && matcher.ExclusionMayMatchInside(path)) {
        if (auto status = Walk(root, path, matcher, tar); !status) return status;
      }
      continue;
    }
    if (auto status = tar.AddPath(source, path); !status) return status;
    if (is_dir) {
      if (auto status = Walk(root, path, matcher, tar); !status) return status;
    }
  }
  return Ok();
}

std::string RandomSuffix() {
  std::random_device device;
  std::uniform_int_distribution<int> digit(0, 15);
  std::string out;
  for (int i = 0; i < 20; ++i) out += "0123456789abcdef"[digit(device)];
  return out;
}

Result<std::string> ReadWholeFile(const fs::path& path, const std::string& shown) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return Error(ErrorCode::kInvalidArgument, "cannot read " + shown + ": " + std::strerror(errno));
  std::stringstream content;
  content << file.rdbuf();
  return content.str();
}

}  // namespace

Result<BuildContext> MakeBuildContext(const std::string& context_dir, const std::string& dockerfile) {
  std::error_code ec;
  const fs::path root = fs::path(context_dir);
  if (!fs::is_directory(root, ec)) {
    return Error(ErrorCode::kInvalidArgument, "the build context " + context_dir + " is not a folder");
  }

  // Where the Dockerfile is, relative to the context when it is inside.
  std::string relative = dockerfile.empty() ? "Dockerfile" : dockerfile;
  bool outside = false;
  if (fs::path(relative).is_absolute()) {
    const std::string rel = fs::path(relative).lexically_relative(root.lexically_normal()).generic_string();
    outside = rel.empty() || rel == ".." || rel.starts_with("../");
    if (!outside) relative = rel;
  } else {
    relative = CleanPath(relative);
    outside = relative == ".." || relative.starts_with("../");
  }
  const fs::path dockerfile_path = fs::path(relative).is_absolute() ? fs::path(relative) : root / relative;
  if (!fs::is_regular_file(dockerfile_path, ec)) {
    return Error(ErrorCode::kInvalidArgument, "the Dockerfile " + relative + " does not exist");
  }

  std::vector<std::string> patterns;
  if (fs::exists(root / ".dockerignore", ec)) {
    auto content = ReadWholeFile(root / ".dockerignore", ".dockerignore");
    if (!content) return content.error();
    patterns = ReadDockerignore(*content);
  }
  // docker/cli TrimBuildFilesFromExcludes: never leave out these two.
  {
    auto matcher = PatternMatcher::Create(patterns);
    if (!matcher) return matcher.error().WithContext(".dockerignore");
    if (matcher->MatchesOrParentMatches(".dockerignore")) patterns.push_back("!.dockerignore");
    if (!outside && matcher->MatchesOrParentMatches(relative)) patterns.push_back("!" + relative);
  }
  auto matcher = PatternMatcher::Create(patterns);
  if (!matcher) return matcher.error().WithContext(".dockerignore");

  TarWriter tar;
  if (auto status = tar.Open(); !status) return status.error();
  if (auto status = Walk(root, "", *matcher, tar); !status) return status.error();

  BuildContext context;
  context.dockerfile = relative;
  if (outside) {
    auto content = ReadWholeFile(dockerfile_path, "the Dockerfile");
    if (!content) return content.error();
    context.dockerfile = ".dockerfile." + RandomSuffix();
    if (auto status = tar.AddFile(context.dockerfile, *content); !status) return status.error();
  }
  auto bytes = tar.Finish();
  if (!bytes) return bytes.error();
  context.tar = std::move(*bytes);
  return context;
}

}  // namespace deliveryhook::engine
