// Merging one service's definitions from several compose files, with
// compose-go's override rules (override/merge.go), on canonical values:
//   - maps (environment, labels, networks, ulimits, ...) merge key by key,
//     the later file winning; structs (healthcheck, build, ...) merge field by field;
//   - scalars and command/entrypoint/healthcheck.test are replaced;
//   - lists are appended; those compose-go de-duplicates (EnforceUnicity)
//     keep one item per key, a later one replacing an earlier in place: ports
//     by ip:published:target/proto, volumes and devices by target, env_file
//     by path, secrets and configs by target (default /run/secrets/<source>,
//     /<source>), cap_add, dns, expose, links, tmpfs, aliases... by the text
//     before '='. The others (security_opt, volumes_from, group_add,
//     label_file, ...) keep every item, duplicates included;
//   - `logging` is replaced when the drivers differ;
//   - a key tagged `!reset` is removed, one tagged `!override` replaced.
#ifndef DELIVERYHOOK_COMPOSE_MERGE_H_
#define DELIVERYHOOK_COMPOSE_MERGE_H_

#include "compose/service_normalizer.h"

namespace deliveryhook::compose {

// Merges `override` into `base` (both one service's fragments).
void MergeServiceFragment(ServiceFragment& base, const ServiceFragment& override);

// Within one service, the de-duplication above (compose applies it to
// every file, so also to a list written twice in a single file).
void EnforceUnicity(Json& service);

// Merges one canonical value into another by the rules above; `field` is the
// key the values sit under (it selects the list rule).
void MergeJson(const std::string& field, Json& base, const Json& override);

}  // namespace deliveryhook::compose

#endif  // DELIVERYHOOK_COMPOSE_MERGE_H_
