// Registry credentials from the docker CLI's config.json, encoded the way the
// Engine expects them in X-Registry-Auth and X-Registry-Config.
#ifndef DELIVERYHOOK_ENGINE_REGISTRY_AUTH_H_
#define DELIVERYHOOK_ENGINE_REGISTRY_AUTH_H_

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "deliveryhook/result.h"
#include "engine/subprocess.h"

namespace deliveryhook::engine {

// The Engine's registry.AuthConfig. Empty fields are left out of the JSON.
struct AuthConfig {
  std::string username;
  std::string password;
  std::string auth;
  std::string email;
  std::string server_address;
  std::string identity_token;
  std::string registry_token;

  bool empty() const {
    return username.empty() && password.empty() && auth.empty() && email.empty() &&
           server_address.empty() && identity_token.empty() && registry_token.empty();
  }
};

// The Docker Hub key of config.json.
inline constexpr std::string_view kDockerHubAuthKey = "https://index.docker.io/v1/";

// Compact JSON in the Engine's field order, empty fields omitted: {} when empty.
std::string AuthConfigJson(const AuthConfig& config);
// X-Registry-Auth: base64url (with padding) of AuthConfigJson; "e30=" when empty.
std::string EncodeRegistryAuth(const AuthConfig& config);
// X-Registry-Config: base64url of {"registry": AuthConfig, ...}; "e30=" when empty.
std::string EncodeRegistryConfig(const std::map<std::string, AuthConfig>& configs);

// The config.json key of a registry domain: Docker Hub's names map to
// kDockerHubAuthKey, anything else is itself ("127.0.0.1:5000").
std::string AuthConfigKey(std::string_view domain);
// "https://host:5000/v1/" -> "host:5000" (docker/cli ConvertToHostname).
std::string ConvertToHostname(std::string_view url);

// The folder of config.json: `configured` when set, else $DOCKER_CONFIG,
// else $HOME/.docker.
std::string ResolveDockerConfigDir(std::string_view configured);

// Runs `docker-credential-<helper> get`; replaceable in tests.
using HelperRunner = std::function<Result<ProcessOutput>(const std::vector<std::string>& argv,
                                                         std::string_view input)>;

class CredentialStore {
 public:
  // A missing config.json means no credentials; a malformed one is an error
  // when credentials are looked up.
  explicit CredentialStore(std::string config_dir, HelperRunner runner = {});

  // Credentials for a registry domain ("docker.io", "127.0.0.1:5000"), in
  // docker/cli order: credHelpers[key], credsStore, then auths[key] (also
  // matching keys such as "https://host/v1/" by hostname). Anonymous (an
  // empty AuthConfig) when none are configured or the helper has none.
  Result<AuthConfig> Get(std::string_view domain) const;

  // Every registry the config knows (auths and credHelpers keys, plus
  // credsStore's `list`), for X-Registry-Config. Registries whose lookup
  // fails are left out.
  Result<std::map<std::string, AuthConfig>> GetAll() const;

 private:
  Result<AuthConfig> FromHelper(const std::string& helper, const std::string& server) const;
  Result<std::vector<std::string>> ListHelper(const std::string& helper) const;

  std::string config_dir_;
  HelperRunner runner_;
};

}  // namespace deliveryhook::engine

#endif  // DELIVERYHOOK_ENGINE_REGISTRY_AUTH_H_
