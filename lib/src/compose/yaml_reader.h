// Reads one compose file's YAML into a YamlNode tree.
#ifndef DELIVERYHOOK_COMPOSE_YAML_READER_H_
#define DELIVERYHOOK_COMPOSE_YAML_READER_H_

#include <string_view>

#include "compose/yaml_node.h"
#include "deliveryhook/result.h"

namespace deliveryhook::compose {

// Parses `text` (the content of `file_name`, used only in messages). Plain
// scalars are typed as go-yaml v3 types them (null, bool, int, float, else
// string); quoted and block scalars are strings. Anchors and aliases are
// expanded, `<<` merge keys applied as go-yaml v3 applies them: at any
// depth (a merge inside a merged mapping), a list of merges (the first that
// has a key wins), keys written in the mapping winning over merged ones. A
// key tagged `!reset` does not hide a merged key of the same name: both stay,
// the tagged one first, for the loader to record and drop. A key written
// twice is an error, as in compose. An empty document is a null node.
Result<YamlNode> ReadYaml(std::string_view text, std::string_view file_name);

// The YAML type go-yaml v3 gives a plain scalar, filled into `node`
// (which must hold the text). Exposed for tests.
void ResolvePlainScalar(YamlNode& node);

}  // namespace deliveryhook::compose

#endif  // DELIVERYHOOK_COMPOSE_YAML_READER_H_
