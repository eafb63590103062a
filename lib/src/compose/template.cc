#include "compose/template.h"

#include <array>
#include <string>
#include <utility>

namespace deliveryhook::compose {
namespace {

bool IsNameStart(char c) {
  return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool IsNameChar(char c) { return IsNameStart(c) || (c >= '0' && c <= '9'); }

size_t NameEnd(std::string_view text, size_t pos) {
  while (pos < text.size() && IsNameChar(text[pos])) ++pos;
  return pos;
}

// One match of compose's pattern
//   \$(?i:(\$)|([_a-z][_a-z0-9]*)|{(?:([_a-z][_a-z0-9]*(?::?[-+?](.*))?)}|()))
// starting at a `$`.
struct Match {
  enum class Kind { kNone, kEscaped, kNamed, kBraced, kInvalid } kind = Kind::kNone;
  size_t end = 0;         // one past the match
  std::string_view body;  // the name, or what is between `${` and `}`
};

Match MatchAt(std::string_view text, size_t dollar) {
  Match match;
  size_t next = dollar + 1;
  if (next >= text.size()) return match;
  if (text[next] == '$') return {Match::Kind::kEscaped, next + 1, text.substr(next, 1)};
  if (IsNameStart(text[next])) {
    size_t end = NameEnd(text, next);
    return {Match::Kind::kNamed, end, text.substr(next, end - next)};
  }
  if (text[next] != '{') return match;
  size_t name_begin = next + 1;
  if (name_begin < text.size() && IsNameStart(text[name_begin])) {
    size_t name_end = NameEnd(text, name_begin);
    size_t op = name_end;
    if (op < text.size() && text[op] == ':') ++op;
    if (op < text.size() && (text[op] == '-' || text[op] == '+' || text[op] == '?')) {
      // `(.*)}`: greedy up to the last `}` before the end of the line.
      size_t line_end = text.find('\n', op);
      std::string_view rest = text.substr(0, line_end == std::string_view::npos ? text.size() : line_end);
      size_t close = rest.rfind('}');
      if (close != std::string_view::npos && close > op) {
        return {Match::Kind::kBraced, close + 1, text.substr(name_begin, close - name_begin)};
      }
    }
    if (name_end < text.size() && text[name_end] == '}') {
      return {Match::Kind::kBraced, name_end + 1, text.substr(name_begin, name_end - name_begin)};
    }
  }
  return {Match::Kind::kInvalid, next + 1, {}};
}

// Index of the `}` that closes the first `{` of `s`, counting every brace.
size_t ClosingBrace(std::string_view s) {
  int open = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '}') {
      if (--open == 0) return i;
    }
    if (s[i] == '{') {
      ++open;
      ++i;
    }
  }
  return std::string_view::npos;
}

enum class Operator { kRequiredNonEmpty, kRequired, kDefaultNonEmpty, kDefault, kAltNonEmpty, kAlt };

struct OperatorSpelling {
  std::string_view text;
  Operator op;
};
constexpr std::array<OperatorSpelling, 6> kOperators = {{
    {":?", Operator::kRequiredNonEmpty}, {"?", Operator::kRequired},
    {":-", Operator::kDefaultNonEmpty},  {"-", Operator::kDefault},
    {":+", Operator::kAltNonEmpty},      {"+", Operator::kAlt},
}};

// compose applies the operator that appears first in the matched text.
OperatorSpelling FirstOperator(std::string_view matched) {
  OperatorSpelling best = kOperators[0];
  size_t best_index = std::string_view::npos;
  for (const OperatorSpelling& candidate : kOperators) {
    size_t index = matched.find(candidate.text);
    if (index < best_index) {
      best = candidate;
      best_index = index;
    }
  }
  return best;
}

// Run() recurses for every nested `${...:-...}` and for every braced
// variable after the first one of a line; past this many levels the text is
// refused instead of overflowing the stack.
constexpr int kMaxNesting = 1000;
// Variables may hold other variables' values several times over (in .env,
// A=$A$A on each of 30 lines is 2^30 copies); one Substitute() call stops
// once it has produced this much text.
constexpr std::size_t kMaxProducedBytes = 1 << 20;

class Substituter {
 public:
  explicit Substituter(const Lookup& lookup) : lookup_(lookup) {}

  SubstituteResult Run(std::string_view text) {
    if (nesting_ >= kMaxNesting) {
      return TemplateError{TemplateError::Kind::kInvalid,
                           "more than " + std::to_string(kMaxNesting) +
                               " nested or chained ${...} in one value"};
    }
    ++nesting_;
    SubstituteResult result = RunUnbounded(text);
    --nesting_;
    return result;
  }

 private:
  SubstituteResult RunUnbounded(std::string_view text) {
    std::string out;
    size_t pos = 0;
    while (pos < text.size()) {
      size_t dollar = text.find('$', pos);
      if (dollar == std::string_view::npos) {
        out.append(text.substr(pos));
        break;
      }
      out.append(text.substr(pos, dollar - pos));
      Match match = MatchAt(text, dollar);
      if (match.kind == Match::Kind::kNone) {
        out.push_back('$');
        pos = dollar + 1;
        continue;
      }
      SubstituteResult replaced = Replace(text, text.substr(dollar, match.end - dollar), match);
      if (auto* error = std::get_if<TemplateError>(&replaced)) return *error;
      produced_ += std::get<std::string>(replaced).size();
      if (produced_ > kMaxProducedBytes) {
        return TemplateError{TemplateError::Kind::kInvalid,
                             "the value grows past " + std::to_string(kMaxProducedBytes) +
                                 " bytes once variables are substituted"};
      }
      out += std::get<std::string>(replaced);
      pos = match.end;
    }
    return out;
  }

  SubstituteResult Replace(std::string_view whole, std::string_view matched, const Match& match) {
    switch (match.kind) {
      case Match::Kind::kEscaped:
        return std::string("$");
      case Match::Kind::kNamed:
        return lookup_(std::string(match.body)).value_or("");
      case Match::Kind::kInvalid:
        return TemplateError{TemplateError::Kind::kInvalid, std::string(whole)};
      default:
        return ReplaceBraced(whole, matched);
    }
  }

  SubstituteResult ReplaceBraced(std::string_view whole, std::string_view matched) {
    OperatorSpelling op = FirstOperator(matched);
    size_t close = ClosingBrace(matched);
    std::string_view head = matched;
    std::string_view rest;
    if (close != std::string_view::npos) {
      head = matched.substr(0, close + 1);
      rest = matched.substr(close + 1);
    }
    Match inner = MatchAt(head, 0);
    if (inner.kind != Match::Kind::kBraced || inner.end != head.size()) {
      return TemplateError{TemplateError::Kind::kInvalid, std::string(whole)};
    }
    std::string_view body = inner.body;
    size_t sep = body.find(op.text);
    if (sep == std::string_view::npos) return lookup_(std::string(body)).value_or("");

    SubstituteResult value = Apply(op.op, body.substr(0, sep), body.substr(sep + op.text.size()));
    if (std::holds_alternative<TemplateError>(value)) return value;
    SubstituteResult tail = Run(rest);
    if (std::holds_alternative<TemplateError>(tail)) return tail;
    return std::get<std::string>(value) + std::get<std::string>(tail);
  }

  SubstituteResult Apply(Operator op, std::string_view name_view, std::string_view argument) {
    // compose-go 2.9 substitutes the argument first, whatever the variable holds.
    SubstituteResult substituted = Run(argument);
    if (std::holds_alternative<TemplateError>(substituted)) return substituted;
    const std::string& arg = std::get<std::string>(substituted);
    std::string name(name_view);
    std::optional<std::string> value = lookup_(name);
    bool set = value.has_value();
    bool non_empty = set && !value->empty();
    switch (op) {
      case Operator::kRequiredNonEmpty:
      case Operator::kRequired: {
        bool ok = op == Operator::kRequired ? set : non_empty;
        if (ok) return *value;
        std::string detail = "required variable " + name + " is missing a value";
        if (!arg.empty()) detail += ": " + arg;
        return TemplateError{TemplateError::Kind::kMissingRequired, detail};
      }
      case Operator::kDefaultNonEmpty:
        return non_empty ? *value : arg;
      case Operator::kDefault:
        return set ? *value : arg;
      case Operator::kAltNonEmpty:
        return non_empty ? arg : value.value_or("");
      case Operator::kAlt:
        return set ? arg : std::string();
    }
    return std::string();
  }

  const Lookup& lookup_;
  int nesting_ = 0;
  std::size_t produced_ = 0;
};

}  // namespace

SubstituteResult Substitute(std::string_view text, const Lookup& lookup) {
  return Substituter(lookup).Run(text);
}

}  // namespace deliveryhook::compose
