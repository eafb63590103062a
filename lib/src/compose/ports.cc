// `ports:` as compose-go parses it: short syntax through docker's
// nat.ParsePortSpecs, long syntax with defaults mode=ingress, protocol=tcp.
#include <algorithm>
#include <map>
#include <string>

#include "compose/go_format.h"
#include "compose/service_fields.h"
#include "compose/value_convert.h"

namespace deliveryhook::compose {
namespace {

struct Range {
  unsigned long long start = 0;
  unsigned long long end = 0;
};

std::optional<unsigned long long> ParsePortNumber(const std::string& text) {
  if (text.empty() || text.size() > 5 || text.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  unsigned long long value = std::stoull(text);
  if (value > 65535) return std::nullopt;
  return value;
}

std::optional<Range> ParsePortRange(const std::string& text) {
  size_t dash = text.find('-');
  if (dash == std::string::npos) {
    auto port = ParsePortNumber(text);
    if (!port) return std::nullopt;
    return Range{*port, *port};
  }
  auto start = ParsePortNumber(text.substr(0, dash));
  auto end = ParsePortNumber(text.substr(dash + 1));
  if (!start || !end || *end < *start) return std::nullopt;
  return Range{*start, *end};
}

std::vector<std::string> Split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t end = text.find(separator, start);
    parts.push_back(text.substr(start, end - start));
    if (end == std::string::npos) return parts;
    start = end + 1;
  }
}

Json PortJson(const std::string& host_ip, unsigned long long target, const std::string& published,
              const std::string& protocol) {
  Json port = Json::Struct();
  port.Set("mode", Json::String("ingress"));
  if (!host_ip.empty()) port.Set("host_ip", Json::String(host_ip));
  port.Set("target", Json::Int(static_cast<long long>(target)));
  if (!published.empty()) port.Set("published", Json::String(published));
  port.Set("protocol", Json::String(protocol));
  return port;
}

Result<std::vector<Json>> ParseShortPort(const std::string& spec, const std::string& path) {
  std::vector<std::string> parts = Split(spec, ':');
  size_t n = parts.size();
  std::string ip, host_port, container = parts[n - 1];
  if (n == 2) {
    host_port = parts[0];
  } else if (n >= 3) {
    host_port = parts[n - 2];
    for (size_t i = 0; i + 2 < n; ++i) ip += (i ? ":" : "") + parts[i];
  }
  std::string proto = "tcp";
  std::vector<std::string> proto_parts = Split(container, '/');
  if (proto_parts.size() > 1 && !proto_parts[1].empty()) proto = proto_parts[1];
  container = proto_parts[0];
  if (ip.size() >= 2 && ip.front() == '[' && ip.back() == ']') ip = ip.substr(1, ip.size() - 2);
  std::transform(proto.begin(), proto.end(), proto.begin(), ::tolower);
  if (container.empty()) return InvalidValue(path, "no port specified: " + spec + "<empty>");
  auto container_range = ParsePortRange(container);
  if (!container_range) return InvalidValue(path, "invalid containerPort: " + container);
  Range host_range;
  if (!host_port.empty()) {
    auto parsed = ParsePortRange(host_port);
    if (!parsed) return InvalidValue(path, "invalid hostPort: " + host_port);
    host_range = *parsed;
  }
  unsigned long long count = container_range->end - container_range->start;
  if (!host_port.empty() && count != host_range.end - host_range.start && count != 0) {
    return InvalidValue(path, "invalid ranges specified for container and host Ports: " + container +
                                  " and " + host_port);
  }
  if (proto != "tcp" && proto != "udp" && proto != "sctp") return InvalidValue(path, "invalid proto: " + proto);

  // compose sorts the ports of one spec by their "port/proto" text.
  std::map<std::string, Json> by_key;
  for (unsigned long long i = 0; i <= count; ++i) {
    unsigned long long target = container_range->start + i;
    std::string published;
    if (!host_port.empty()) {
      published = std::to_string(host_range.start + i);
      if (count == 0 && host_range.start != host_range.end) {
        published += "-" + std::to_string(host_range.end);
      }
    }
    by_key.emplace(std::to_string(target) + "/" + proto, PortJson(ip, target, published, proto));
  }
  std::vector<Json> out;
  for (auto& [key, port] : by_key) out.push_back(std::move(port));
  return out;
}

Result<Json> ParseLongPort(const YamlNode& node, const std::string& path) {
  std::string name, mode = "ingress", host_ip, published, protocol = "tcp", app_protocol;
  long long target = 0;
  for (const YamlEntry& entry : node.entries) {
    std::string key_path = path + "." + entry.key;
    if (entry.value.IsNull()) continue;
    if (entry.key == "target") {
      Result<long long> value = ToInt(entry.value, key_path);
      if (!value) return value.error();
      target = *value;
      continue;
    }
    Result<std::string> value = ToStr(entry.value, key_path);
    if (!value) return value.error();
    if (entry.key == "name") name = *value;
    else if (entry.key == "mode") mode = *value;
    else if (entry.key == "host_ip") host_ip = *value;
    else if (entry.key == "published") published = *value;
    else if (entry.key == "protocol") protocol = *value;
    else if (entry.key == "app_protocol") app_protocol = *value;
    else if (entry.key.rfind("x-", 0) != 0) return InvalidValue(path, "additional property " + entry.key + " is not allowed");
  }
  Json port = Json::Struct();
  if (!name.empty()) port.Set("name", Json::String(name));
  if (!mode.empty()) port.Set("mode", Json::String(mode));
  if (!host_ip.empty()) port.Set("host_ip", Json::String(host_ip));
  if (target != 0) port.Set("target", Json::Int(target));
  if (!published.empty()) port.Set("published", Json::String(published));
  if (!protocol.empty()) port.Set("protocol", Json::String(protocol));
  if (!app_protocol.empty()) port.Set("app_protocol", Json::String(app_protocol));
  return port;
}

}  // namespace

Result<std::vector<Json>> NormalizePort(const YamlNode& node, const std::string& path) {
  if (node.IsMapping()) {
    Result<Json> port = ParseLongPort(node, path);
    if (!port) return port.error();
    return std::vector<Json>{*port};
  }
  Result<std::string> spec = ToStr(node, path);
  if (!spec) return spec.error();
  return ParseShortPort(*spec, path);
}

std::string PortKey(const Json& port) {
  auto text = [&](std::string_view key) {
    const Json* value = port.Find(key);
    return value ? value->text() : std::string();
  };
  return text("host_ip") + ":" + text("published") + ":" + text("target") + "/" + text("protocol");
}

}  // namespace deliveryhook::compose
