// Loading a Docker Compose project the way Docker Compose v2 loads it.
//
// The hook never runs `docker compose`; it reads the compose files itself so
// that a container it recreates is indistinguishable from one `docker compose
// up -d` would create: same labels, same config hash, same networks and
// mounts. LoadProject() follows compose's pipeline: the files of the
// `com.docker.compose.project.config_files` label are read in order (YAML
// anchors, aliases and merge keys as go-yaml reads them), interpolated with
// the project environment (process environment, then `.env`), `extends`
// and `include` resolved, `!reset`/`!override` applied, merged with
// compose-go's per-key rules, normalized (short syntax to long syntax,
// defaults, absolute paths) and each service's `env_file`s are folded into
// its `environment` and `label_file`s into its `labels`.
//
// Example:
//
//   compose::LoadOptions options;
//   options.config_files = {"/srv/app/compose.yaml", "/srv/app/compose.override.yaml"};
//   options.working_dir = "/srv/app";
//   options.project_name = "app";
//   options.environment = compose::ProcessEnvironment();
//   Result<compose::Project> project = compose::LoadProject(options);
//   if (!project) { std::cerr << project.error() << "\n"; return; }
//   const compose::Service* web = project->FindService("web");
//   std::string hash = compose::ServiceConfigHash(*web, compose::ComposeVersion{2, 40, 3});
#ifndef DELIVERYHOOK_COMPOSE_PROJECT_H_
#define DELIVERYHOOK_COMPOSE_PROJECT_H_

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "deliveryhook/result.h"

namespace deliveryhook::compose {

using Environment = std::map<std::string, std::string>;

// The environment of the current process, as a map.
Environment ProcessEnvironment();

struct LoadOptions {
  // Absolute paths of the top-level compose files, in order; later files
  // override earlier ones. Empty: found as compose finds them in
  // `working_dir` (then required): COMPOSE_FILE from the environment or
  // its `.env` (split on COMPOSE_PATH_SEPARATOR, default ':', relative
  // paths against working_dir), else compose.yaml, compose.yml,
  // docker-compose.yml or docker-compose.yaml plus its override file, in
  // working_dir or the nearest parent that has one.
  std::vector<std::string> config_files;
  // Absolute project directory: relative paths resolve against it and
  // `.env` is read from it. Empty: the directory of the first file.
  std::string working_dir;
  // The project name. Empty: derived as compose does (COMPOSE_PROJECT_NAME,
  // then the files' `name:`, then the working dir's base name, normalized).
  std::string project_name;
  // Variables for interpolation; they win over `.env` (as the OS
  // environment does for compose).
  Environment environment;
  // Env files read instead of `<working_dir>/.env` (compose's --env-file).
  std::vector<std::string> env_files;
  // Active profiles (compose's --profile). Empty: COMPOSE_PROFILES from the
  // environment or `.env`, comma-separated; "*" activates all.
  std::vector<std::string> profiles;
};

// Where a key was written: "compose.yaml:12".
struct SourceLocation {
  std::string file;  // absolute path
  int line = 0;      // 1-based
};

struct BuildSpec {
  std::string context;     // absolute directory
  std::string dockerfile;  // relative to context; default "Dockerfile"
  std::map<std::string, std::string> args;
  std::string target;
};

// A service after loading, in compose's canonical form.
struct Service {
  std::string name;            // the key under `services:`
  std::string image;           // empty when only `build:` is given
  std::string container_name;  // empty when not set
  std::optional<BuildSpec> build;
  // The service exactly as `docker compose config --format json` prints it
  // (compose-go's field order, long syntax, absolute paths), except that
  // env_file contents are already folded into `environment` and `env_file`
  // is dropped: the state compose v2 hashes and creates containers from.
  // Written compact, byte for byte as Go's json.Marshal writes it (HTML-safe
  // escaping, sorted map keys), with real values: where `config` prints `$$`
  // this holds the `$` the container gets. The form is compose 2.x's
  // (compose-go 2.9); ServiceConfigHash() adapts it to other releases.
  std::string canonical_json;
  // Where each top-level key of the service was last defined (after merge).
  std::map<std::string, SourceLocation> key_locations;
  // False when none of the service's `profiles` is active: compose's `up`
  // leaves such a service (and its container) alone. The hook can still
  // redeploy its existing container.
  bool enabled = true;
};

struct Network {
  std::string key;   // the key under `networks:`, e.g. "default"
  std::string name;  // the engine's name, e.g. "app_default"
  bool external = false;
  std::string canonical_json;  // as `docker compose config --format json`
  // Where each key of its definition was last set; empty for the implicit
  // `default` network.
  std::map<std::string, SourceLocation> key_locations;
};

struct Volume {
  std::string key;
  std::string name;  // e.g. "app_data"
  bool external = false;
  std::string canonical_json;
  std::map<std::string, SourceLocation> key_locations;  // as for Network
};

// A top-level `secrets:` or `configs:` entry. Exactly one source is set:
// `file` (absolute), `environment` (a variable name) or `content`.
struct FileObject {
  std::string key;
  std::string name;  // e.g. "app_token"
  bool external = false;
  std::string file;
  std::string environment;
  std::string content;
  bool has_content = false;
  std::string driver;           // refused, as compose refuses it
  std::string template_driver;  // same
  std::map<std::string, SourceLocation> key_locations;  // as for Network
};

class Project {
 public:
  std::string name;
  std::string working_dir;
  std::vector<std::string> config_files;
  std::vector<std::string> profiles;  // the active profiles
  Environment environment;  // the interpolation environment that was used
  std::vector<Service> services;
  std::map<std::string, Network> networks;  // by key; includes "default" when used
  std::map<std::string, Volume> volumes;    // by key
  std::map<std::string, FileObject> secrets;  // by key, all of them
  std::map<std::string, FileObject> configs;  // by key, all of them

  const Service* FindService(std::string_view service_name) const;
};

Result<Project> LoadProject(const LoadOptions& options);

// Fails with kUnsupported, naming the key, its file and line, when the service
// (or a network or volume it uses) sets a key the deployer cannot honour:
//   compose.yaml:12: service "web": key "secrets" is not supported by delivery-hook yet
//   compose.yaml:30: network "front": key "internal" is not supported by delivery-hook yet
// The file is the base name only, to keep host paths out of messages that may
// reach a webhook client. `x-*` keys are always accepted. When several keys
// are unsupported, the first in file order is named (UnsupportedKeys().front()).
Status CheckSupported(const Project& project, const Service& service);

// Every reason CheckSupported() would refuse the service, each an kUnsupported
// error worded as above: the service's keys in file order, then deploy
// settings (more than one replica: `scale` or `deploy.replicas` above 1,
// `deploy.mode` other than replicated), then the keys of the networks and
// volumes it uses. Empty when the hook can redeploy it.
std::vector<Error> UnsupportedKeys(const Project& project, const Service& service);

// A compose release, read from the `com.docker.compose.version` label.
struct ComposeVersion {
  int major = 2;
  int minor = 40;
  int patch = 3;

  static std::optional<ComposeVersion> Parse(std::string_view text);  // "2.40.3"
  std::string ToString() const;
  auto operator<=>(const ComposeVersion&) const = default;
};

// The `com.docker.compose.config-hash` that the given compose release writes
// for this service: 64 lowercase hex characters. build, pull_policy, scale
// and deploy.replicas never count; depends_on counts before 2.29.3, profiles
// before 2.30.2; from 5.0 a bind's `create_host_path: true` is left out.
std::string ServiceConfigHash(const Service& service, const ComposeVersion& version);

// The `com.docker.compose.config-hash` label compose puts on a network it
// creates (from 2.31.0) and on a volume (from 2.32.0): the SHA-256 of the
// definition's canonical JSON, a volume without a driver hashed with
// driver "local" (compose's NetworkHash and VolumeHash).
std::string NetworkConfigHash(const Network& network);
std::string VolumeConfigHash(const Volume& volume);

}  // namespace deliveryhook::compose

#endif  // DELIVERYHOOK_COMPOSE_PROJECT_H_
