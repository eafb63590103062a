// Go's text formats for the values compose writes: fmt.Sprint of YAML
// scalars, encoding/json floats, time.Duration strings, byte sizes.
#ifndef DELIVERYHOOK_COMPOSE_GO_FORMAT_H_
#define DELIVERYHOOK_COMPOSE_GO_FORMAT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "compose/yaml_node.h"

namespace deliveryhook::compose {

// fmt.Sprint of a float64: shortest digits, exponent form ("1e-06",
// "1e+21") outside [1e-4, 1e21).
std::string FormatGoFloat(double value);

// encoding/json of a float32 (compose's `cpus`): "1.5", "0.0001", "1e-7".
std::string FormatJsonFloat32(float value);

// fmt.Sprint of a YAML scalar as compose-go decoded it: "true", "493" for
// 0755, "1" for 1.0. Precondition: node.IsScalar().
std::string ScalarToString(const YamlNode& node);

// time.Duration.String(): "1m30s", "1.5s", "500ms", "1h0m0s", "0s".
std::string FormatDuration(int64_t nanoseconds);

// go-str2duration: Go durations plus "d" and "w" units ("1h30m", "2d", "1.5s").
std::optional<int64_t> ParseDuration(std::string_view text);

// go-units RAMInBytes: "512m" = 536870912, "1g", "64k", "1.5GiB", "1024".
std::optional<int64_t> ParseRamInBytes(std::string_view text);

}  // namespace deliveryhook::compose

#endif  // DELIVERYHOOK_COMPOSE_GO_FORMAT_H_
