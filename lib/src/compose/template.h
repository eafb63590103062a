// Variable substitution in compose strings, as compose-go's `template`
// package (v2.9.x) does it.
//
//   $$          a literal $
//   $VAR ${VAR} the value, or "" when unset
//   ${VAR:-d}   d when VAR is unset or empty     ${VAR-d}  d when unset
//   ${VAR:?e}   error e when unset or empty      ${VAR?e}  error when unset
//   ${VAR:+a}   a when VAR is set and non-empty  ${VAR+a}  a when set
//
// Defaults, alternatives and error texts are substituted themselves, so
// `${A:-${B:-x}}` nests; like compose-go 2.9 they are substituted before the
// variable is looked at (so `${A:-${B:?e}}` fails even when A is set). A `$`
// not followed by `$`, a name or `{` stays as it is.
#ifndef DELIVERYHOOK_COMPOSE_TEMPLATE_H_
#define DELIVERYHOOK_COMPOSE_TEMPLATE_H_

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace deliveryhook::compose {

using Lookup = std::function<std::optional<std::string>(const std::string& name)>;

// Why a substitution failed; the loader words it with the key path.
struct TemplateError {
  enum class Kind {
    kInvalid,          // malformed `${...}`; `detail` is the whole template
    kMissingRequired,  // `${VAR?err}`; `detail` is "required variable VAR is missing a value[: err]"
  };
  Kind kind;
  std::string detail;
};

using SubstituteResult = std::variant<std::string, TemplateError>;

SubstituteResult Substitute(std::string_view text, const Lookup& lookup);

}  // namespace deliveryhook::compose

#endif  // DELIVERYHOOK_COMPOSE_TEMPLATE_H_
