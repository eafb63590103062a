// Shell-style splitting of `command:` / `entrypoint:` strings, as
// go-shellwords v1.0.12 Parse() does it with compose's default parser (no
// variable or backtick expansion).
//
//   sh -c "echo hi"        -> ["sh", "-c", "echo hi"]
//   a\ b 'c d' ""          -> ["a b", "c d", ""]
//   echo a && echo b       -> ["echo", "a"]   (an unquoted ; & | < > ends parsing)
#ifndef DELIVERYHOOK_COMPOSE_SHELLWORDS_H_
#define DELIVERYHOOK_COMPOSE_SHELLWORDS_H_

#include <string>
#include <string_view>
#include <vector>

#include "deliveryhook/result.h"

namespace deliveryhook::compose {

// Fails with kInvalidArgument "invalid command line string" on unbalanced
// quotes, a trailing backslash or an unquoted `(` not preceded by `$`.
Result<std::vector<std::string>> SplitShellWords(std::string_view line);

}  // namespace deliveryhook::compose

#endif  // DELIVERYHOOK_COMPOSE_SHELLWORDS_H_
