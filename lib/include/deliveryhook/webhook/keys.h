// Signing keys: who may trigger what.
//
// The hook accepts several keys at once, so a key can be rotated without
// downtime. Each has an id (named in the audit log, never the secret) and may
// be limited to compose projects and project/service pairs. Keys come from
// SECRET_KEY or SECRET_KEY_FILE (the key "default", unrestricted, as in the
// original design) and from a keys file, one key per line:
//
//   # id        secret                     options
//   ci-shop     6b0f...e1                  projects=shop
//   ci-blog     whsec_Wm9vZ2x5...          services=blog/web,blog/worker
//   ops         file:/run/secrets/ops_key  allow_self
//   viewer      3f9c...0a                  read projects=shop
//
//   - id: letters, digits, '.', '_', '-' (at most 64);
//   - secret: the text itself (no spaces), `whsec_<base64>` (Standard
//     Webhooks), or `file:<path>` whose content (trailing newlines stripped)
//     is the secret;
//   - projects=a,b: every service of these compose projects;
//   - services=p/s,...: these services of these projects;
//     with both, a target matching either is allowed; with neither, any;
//   - allow_self: the key may redeploy the hook's own container;
//   - read: the key may only read (GET /jobs, the jobs of its scope, and a
//     login to the web page, UI=1); a trigger it signs is refused with 403.
//     Only read keys (and UI_TOKEN) log in to the page, so a pipeline's
//     signing secret never has to be typed into a browser.
//   Blank lines and lines starting with '#' are ignored.
//
// Example:
//
//   auto keys = webhook::ParseKeysFile(text, webhook::ReadSecretFile);
//   if (!keys) return keys.error();  // "line 3: ..." for the first bad line
#ifndef DELIVERYHOOK_WEBHOOK_KEYS_H_
#define DELIVERYHOOK_WEBHOOK_KEYS_H_

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "deliveryhook/result.h"

namespace deliveryhook::webhook {

struct Key {
  std::string id;
  // As written: the HMAC key of the original scheme (X-Signature).
  std::string secret;
  std::vector<std::string> projects;                          // empty: no project-wide grant
  std::vector<std::pair<std::string, std::string>> services;  // (project, service)
  bool allow_self = false;
  bool read_only = false;  // the `read` option: reads, never triggers

  // The bytes a Standard Webhooks signature is made with: the base64-decoded
  // part after "whsec_", or the secret's own bytes when it has no prefix.
  std::string StandardWebhooksKey() const;
  // Neither projects nor services restrict it.
  bool Unrestricted() const { return projects.empty() && services.empty(); }
  // Whether the key's scope covers the compose service `project`/`service`.
  bool Covers(std::string_view project, std::string_view service) const;
};

// The key of SECRET_KEY / SECRET_KEY_FILE.
constexpr std::string_view kDefaultKeyId = "default";
Key DefaultKey(std::string secret);

// Reads a secret file: its content without trailing "\n" / "\r\n".
using SecretFileReader = std::function<Result<std::string>(const std::string& path)>;
Result<std::string> ReadSecretFile(const std::string& path);

// Parses a keys file (format above). Errors name the line: "line 4: ...".
Result<std::vector<Key>> ParseKeysFile(std::string_view text, const SecretFileReader& read_file);

// Checks a secret as written (the text after "file:" resolved): a "whsec_"
// secret must be valid base64. `where` prefixes the message ("SECRET_KEY").
Status CheckSecret(std::string_view where, std::string_view secret);

}  // namespace deliveryhook::webhook

#endif  // DELIVERYHOOK_WEBHOOK_KEYS_H_
