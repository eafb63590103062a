// The `.env` / `env_file` format, as compose-go's dotenv package parses it.
//
//   # comment                 skipped
//   KEY=value  # note         unquoted: up to the line end, " #" starts a comment,
//                             trailing blanks trimmed, ${VAR} substituted
//   export KEY=value          `export ` is dropped
//   KEY: value                yaml style works too
//   KEY='raw $text'           single quotes: literal, may span lines
//   KEY="a\nb $VAR"           double quotes: \n \r \t \" \\ \$ \0NNN ... then ${VAR}
//   KEY                       inherits KEY from the lookup environment, else skipped
//
// Variables are looked up in `lookup` first, then in the keys read so far.
#ifndef DELIVERYHOOK_COMPOSE_DOTENV_H_
#define DELIVERYHOOK_COMPOSE_DOTENV_H_

#include <string_view>

#include "compose/template.h"
#include "deliveryhook/compose/project.h"
#include "deliveryhook/result.h"

namespace deliveryhook::compose {

// Errors (kInvalidArgument) are compose's, e.g.
//   line 3: unexpected character "'" in variable name "'s'"
//   line 2: unterminated quoted value "abc
Result<Environment> ParseDotEnv(std::string_view text, const Lookup& lookup);

// The `format: raw` of an env_file (compose 2.40; the parser of `docker run
// --env-file`): KEY=VALUE lines taken as written (no quotes, no
// substitution, the value not trimmed), `#` lines and blank lines skipped,
// a bare KEY taken from `lookup` or skipped. Errors, as docker words them:
//   variable 'A B' contains whitespaces
//   no variable name on line '=x'
Result<Environment> ParseRawEnv(std::string_view text, const Lookup& lookup);

// Reads and parses a file; errors are prefixed "failed to read <path>: ".
Result<Environment> ReadDotEnvFile(const std::string& path, const Lookup& lookup);

}  // namespace deliveryhook::compose

#endif  // DELIVERYHOOK_COMPOSE_DOTENV_H_
