#include "compose/shellwords.h"

namespace deliveryhook::compose {
namespace {

bool IsShellSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

Error InvalidCommandLine() { return Error(ErrorCode::kInvalidArgument, "invalid command line string"); }

}  // namespace

Result<std::vector<std::string>> SplitShellWords(std::string_view line) {
  std::vector<std::string> args;
  std::string buf;
  bool escaped = false, double_quoted = false, single_quoted = false;
  bool back_quote = false, dollar_quote = false;
  bool got = false;  // an argument (possibly empty and quoted) is in progress

  for (size_t i = 0; i < line.size(); ++i) {
    char r = line[i];
    if (escaped) {
      if (r == 't') r = '\t';
      if (r == 'n') r = '\n';
      buf.push_back(r);
      escaped = false;
      got = true;
      continue;
    }
    if (r == '\\') {
      if (single_quoted) buf.push_back(r);
      else escaped = true;
      continue;
    }
    bool quoted = single_quoted || double_quoted || back_quote || dollar_quote;
    if (IsShellSpace(r)) {
      if (quoted) {
        buf.push_back(r);
      } else if (got) {
        args.push_back(std::move(buf));
        buf.clear();
        got = false;
      }
      continue;
    }
    switch (r) {
      case '`':
        if (!single_quoted && !double_quoted && !dollar_quote) back_quote = !back_quote;
        break;
      case ')':
        if (!single_quoted && !double_quoted && !back_quote) dollar_quote = !dollar_quote;
        break;
      case '(':
        if (!single_quoted && !double_quoted && !back_quote) {
          if (!dollar_quote && !buf.empty() && buf.back() == '$') {
            dollar_quote = true;
            buf.push_back('(');
            continue;
          }
          return InvalidCommandLine();
        }
        break;
      case '"':
        if (!single_quoted && !dollar_quote) {
          if (double_quoted) got = true;
          double_quoted = !double_quoted;
          continue;
        }
        break;
      case '\'':
        if (!double_quoted && !dollar_quote) {
          if (single_quoted) got = true;
          single_quoted = !single_quoted;
          continue;
        }
        break;
      case ';':
      case '&':
      case '|':
      case '<':
      case '>':
        if (!quoted) {
          // go-shellwords stops here and drops the rest of the line; a
          // redirection like `2>` also drops the digit buffered before it.
          if (r == '>' && !buf.empty() && buf[0] >= '0' && buf[0] <= '9') got = false;
          if (got) args.push_back(buf);
          if (escaped || single_quoted || double_quoted || back_quote || dollar_quote) {
            return InvalidCommandLine();
          }
          return args;
        }
        break;
      default:
        break;
    }
    got = true;
    buf.push_back(r);
  }
  if (got) args.push_back(std::move(buf));
  if (escaped || single_quoted || double_quoted || back_quote || dollar_quote) return InvalidCommandLine();
  return args;
}

}  // namespace deliveryhook::compose
