#include "compose/go_format.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string>

namespace deliveryhook::compose {
namespace {

// Shortest round-trip digits ("15") and decimal exponent (0 for 1.5) of a
// finite, non-zero value.
struct Decimal {
  std::string digits;
  int exponent = 0;
};

template <typename Float>
Decimal ShortestDecimal(Float value) {
  char buffer[64];
  auto result = std::to_chars(buffer, buffer + sizeof(buffer), value, std::chars_format::scientific);
  std::string text(buffer, result.ptr);
  size_t e = text.find('e');
  Decimal decimal;
  for (size_t i = 0; i < e; ++i) {
    if (text[i] != '.') decimal.digits.push_back(text[i]);
  }
  decimal.exponent = std::atoi(text.c_str() + e + 1);
  return decimal;
}

std::string FixedForm(const Decimal& d) {
  int point = d.exponent + 1;  // digits before the decimal point
  std::string out;
  if (point <= 0) {
    out = "0." + std::string(static_cast<size_t>(-point), '0') + d.digits;
  } else if (static_cast<size_t>(point) >= d.digits.size()) {
    out = d.digits + std::string(point - d.digits.size(), '0');
  } else {
    out = d.digits.substr(0, point) + "." + d.digits.substr(point);
  }
  return out;
}

std::string ExponentForm(const Decimal& d, int min_exponent_digits) {
  std::string out = d.digits.substr(0, 1);
  if (d.digits.size() > 1) out += "." + d.digits.substr(1);
  std::string exponent = std::to_string(std::abs(d.exponent));
  while (static_cast<int>(exponent.size()) < min_exponent_digits) exponent = "0" + exponent;
  return out + "e" + (d.exponent < 0 ? "-" : "+") + exponent;
}

template <typename Float>
std::string FormatFloat(Float value, bool exponent_form, int min_exponent_digits) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value == 0) return std::signbit(value) ? "-0" : "0";
  std::string sign = value < 0 ? "-" : "";
  Decimal d = ShortestDecimal(std::fabs(value));
  return sign + (exponent_form ? ExponentForm(d, min_exponent_digits) : FixedForm(d));
}

bool ParseNumberPrefix(std::string_view& text, double& value) {
  size_t end = 0;
  while (end < text.size() && (std::isdigit(static_cast<unsigned char>(text[end])) || text[end] == '.')) ++end;
  if (end == 0) return false;
  std::string number(text.substr(0, end));
  if (number == ".") return false;
  value = std::strtod(number.c_str(), nullptr);
  text.remove_prefix(end);
  return true;
}

std::string FractionDigits(uint64_t fraction, int width) {
  std::string digits = std::to_string(fraction);
  digits = std::string(width - digits.size(), '0') + digits;
  while (!digits.empty() && digits.back() == '0') digits.pop_back();
  return digits.empty() ? "" : "." + digits;
}

}  // namespace

std::string FormatGoFloat(double value) {
  if (std::isfinite(value) && value != 0) {
    int exponent = ShortestDecimal(std::fabs(value)).exponent;
    return FormatFloat(value, exponent < -4 || exponent >= 21, 2);
  }
  return FormatFloat(value, false, 2);
}

std::string FormatJsonFloat32(float value) {
  float magnitude = std::fabs(value);
  bool exponent_form = magnitude != 0 && (magnitude < 1e-6f || magnitude >= 1e21f);
  // Go cleans "e-07" up to "e-7".
  return FormatFloat(value, exponent_form, 1);
}

std::string ScalarToString(const YamlNode& node) {
  switch (node.kind) {
    case YamlNode::Kind::kBool: return node.bool_value ? "true" : "false";
    case YamlNode::Kind::kInt: return std::to_string(node.int_value);
    case YamlNode::Kind::kFloat: return FormatGoFloat(node.float_value);
    default: return node.text;
  }
}

std::string FormatDuration(int64_t nanoseconds) {
  if (nanoseconds == 0) return "0s";
  bool negative = nanoseconds < 0;
  uint64_t u = negative ? static_cast<uint64_t>(-(nanoseconds + 1)) + 1 : static_cast<uint64_t>(nanoseconds);
  std::string out;
  if (u < 1000000000ULL) {
    if (u < 1000ULL) out = std::to_string(u) + "ns";
    else if (u < 1000000ULL) out = std::to_string(u / 1000) + FractionDigits(u % 1000, 3) + "\xC2\xB5s";
    else out = std::to_string(u / 1000000) + FractionDigits(u % 1000000, 6) + "ms";
  } else {
    uint64_t seconds = u / 1000000000ULL;
    out = std::to_string(seconds % 60) + FractionDigits(u % 1000000000ULL, 9) + "s";
    uint64_t minutes = seconds / 60;
    if (minutes > 0) {
      out = std::to_string(minutes % 60) + "m" + out;
      uint64_t hours = minutes / 60;
      if (hours > 0) out = std::to_string(hours) + "h" + out;
    }
  }
  return negative ? "-" + out : out;
}

std::optional<int64_t> ParseDuration(std::string_view text) {
  bool negative = false;
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) {
    negative = text[0] == '-';
    text.remove_prefix(1);
  }
  if (text == "0") return 0;
  if (text.empty()) return std::nullopt;
  struct Unit {
    std::string_view name;
    double nanos;
  };
  static const Unit kUnits[] = {
      {"ns", 1},         {"us", 1e3},         {"\xC2\xB5s", 1e3}, {"\xCE\xBCs", 1e3},
      {"ms", 1e6},       {"s", 1e9},          {"m", 60e9},        {"h", 3600e9},
      {"d", 86400e9},    {"w", 7 * 86400e9},
  };
  double total = 0;
  while (!text.empty()) {
    double value = 0;
    if (!ParseNumberPrefix(text, value)) return std::nullopt;
    const Unit* found = nullptr;
    for (const Unit& unit : kUnits) {
      // Longest match first: "ms" before "m", "ns" before... (listed so).
      if (text.substr(0, unit.name.size()) == unit.name &&
          (found == nullptr || unit.name.size() > found->name.size())) {
        found = &unit;
      }
    }
    if (found == nullptr) return std::nullopt;  // missing or unknown unit
    text.remove_prefix(found->name.size());
    total += value * found->nanos;
  }
  int64_t nanos = static_cast<int64_t>(std::llround(total));
  return negative ? -nanos : nanos;
}

std::optional<int64_t> ParseRamInBytes(std::string_view text) {
  double value = 0;
  std::string_view rest = text;
  if (!ParseNumberPrefix(rest, value)) return std::nullopt;
  if (!rest.empty() && rest[0] == ' ') rest.remove_prefix(1);
  double multiplier = 1;
  if (!rest.empty()) {
    switch (std::tolower(static_cast<unsigned char>(rest[0]))) {
      case 'k': multiplier = 1024.0; break;
      case 'm': multiplier = 1024.0 * 1024; break;
      case 'g': multiplier = 1024.0 * 1024 * 1024; break;
      case 't': multiplier = 1024.0 * 1024 * 1024 * 1024; break;
      case 'p': multiplier = 1024.0 * 1024 * 1024 * 1024 * 1024; break;
      default: multiplier = 0;
    }
    if (multiplier != 0) rest.remove_prefix(1);
    else multiplier = 1;
  }
  if (!rest.empty() && (rest[0] == 'i' || rest[0] == 'I')) rest.remove_prefix(1);
  if (!rest.empty() && (rest[0] == 'b' || rest[0] == 'B')) rest.remove_prefix(1);
  if (!rest.empty()) return std::nullopt;
  return static_cast<int64_t>(value * multiplier);
}

}  // namespace deliveryhook::compose
