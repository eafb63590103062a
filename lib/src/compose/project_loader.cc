// LoadProject(): compose's loading pipeline, file by file then as a whole.
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "compose/dotenv.h"
#include "compose/interpolation.h"
#include "compose/merge.h"
#include "compose/project_name.h"
#include "compose/service_normalizer.h"
#include "compose/top_level.h"
#include "compose/value_convert.h"
#include "compose/yaml_reader.h"
#include "deliveryhook/compose/project.h"

extern char** environ;

namespace deliveryhook::compose {
namespace {

namespace fs = std::filesystem;

Lookup LookupIn(const Environment& environment) {
  return [&environment](const std::string& name) -> std::optional<std::string> {
    auto it = environment.find(name);
    if (it == environment.end()) return std::nullopt;
    return it->second;
  };
}

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error(ErrorCode::kNotFound, "open " + path + ": no such file or directory");
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

std::string AbsoluteAgainst(const std::string& path, const std::string& base) {
  if (!path.empty() && path[0] == '/') return path;
  return (fs::path(base) / path).lexically_normal().string();
}

// The interpolation environment: the caller's (the OS environment for
// compose) plus the env files, which never override it.
Result<Environment> ProjectEnvironment(const LoadOptions& options, const std::string& working_dir) {
  Environment environment = options.environment;
  std::vector<std::string> files;
  for (const std::string& file : options.env_files) files.push_back(AbsoluteAgainst(file, working_dir));
  if (options.env_files.empty()) {
    std::string dot_env = working_dir + "/.env";
    std::error_code error;
    if (fs::is_regular_file(dot_env, error)) files.push_back(dot_env);
  }
  Environment from_files;
  for (const std::string& file : files) {
    Lookup lookup = [&](const std::string& name) -> std::optional<std::string> {
      if (auto it = from_files.find(name); it != from_files.end()) return it->second;
      if (auto it = options.environment.find(name); it != options.environment.end()) return it->second;
      return std::nullopt;
    };
    Result<Environment> parsed = ReadDotEnvFile(file, lookup);
    if (!parsed) return parsed.error();
    for (auto& [key, value] : *parsed) from_files[key] = value;
  }
  for (auto& [key, value] : from_files) environment.emplace(key, value);  // keeps existing keys
  return environment;
}

struct ComposeFile {
  std::string path;
  YamlNode root;
};

Result<std::string> ChooseProjectName(const LoadOptions& options, const std::vector<ComposeFile>& files,
                                      const Environment& environment, const std::string& working_dir) {
  if (!options.project_name.empty()) return ValidateProjectName(options.project_name);
  if (auto it = environment.find("COMPOSE_PROJECT_NAME"); it != environment.end() && !it->second.empty()) {
    return ValidateProjectName(it->second);
  }
  std::string from_files;
  for (const ComposeFile& file : files) {
    const YamlNode* name = file.root.Find("name");
    if (name == nullptr || !name->IsScalar()) continue;
    YamlNode copy = *name;
    YamlNode holder;
    holder.kind = YamlNode::Kind::kMapping;
    holder.entries.push_back({"name", 0, copy});
    if (Status s = InterpolateTree(holder, LookupIn(environment)); !s) return s.error();
    std::string value = holder.entries[0].value.text;
    if (!value.empty()) from_files = value;
  }
  if (!from_files.empty()) return NormalizeProjectName(from_files);
  return NormalizeProjectName(fs::path(working_dir).filename().string());
}

struct Model {
  std::vector<std::string> service_order;
  std::map<std::string, ServiceFragment> services;
  std::map<std::string, Json> networks;
  std::map<std::string, Json> volumes;
  std::map<std::string, std::map<std::string, SourceLocation>> network_keys, volume_keys;
  std::map<std::string, Json> secrets, configs;
  std::map<std::string, std::map<std::string, SourceLocation>> secret_keys, config_keys;
};

// Where a file is read: compose-go's loader working dir (relative paths,
// `extends.file` and `include` paths resolve against it: the project
// directory, an included project's directory, or an extended file's
// directory), the interpolation environment, and the chain of files that
// include it (for compose's cycle error).
struct Scope {
  std::string working_dir;
  std::string home_dir;
  Environment environment;
  std::vector<std::string> included;
};

Result<YamlNode> ReadComposeYaml(const std::string& path) {
  Result<std::string> text = ReadFile(path);
  if (!text) return text.error();
  Result<YamlNode> root = ReadYaml(*text, fs::path(path).filename().string());
  if (!root) return root.error();
  if (!root->IsNull() && !root->IsMapping()) {
    return Error(ErrorCode::kInvalidArgument, path + ": top-level object must be a mapping");
  }
  return root;
}

Result<YamlNode> ReadInterpolated(const std::string& path, const Environment& environment) {
  Result<YamlNode> root = ReadComposeYaml(path);
  if (!root) return root.error();
  if (Status s = InterpolateTree(*root, LookupIn(environment)); !s) return s.error();
  return root;
}

Result<std::vector<ComposeFile>> ReadComposeFiles(const std::vector<std::string>& paths) {
  std::vector<ComposeFile> files;
  for (const std::string& path : paths) {
    Result<YamlNode> root = ReadComposeYaml(path);
    if (!root) return root.error();
    files.push_back({path, std::move(*root)});
  }
  return files;
}

NormalizeContext ContextFor(const Scope& scope, const std::string& file) {
  NormalizeContext context;
  context.paths.working_dir = scope.working_dir;
  context.paths.home_dir = scope.home_dir;
  context.lookup = LookupIn(scope.environment);
  context.file = file;
  return context;
}

// ---- !reset and !override ------------------------------------------------
//
// compose-go's ResetProcessor: a value tagged `!reset` is dropped from its
// file, `!override` kept, and both record their path (services.web.ports),
// which is then deleted from what the earlier files (or an extended
// service) defined, before this file merges in. So `!reset` leaves the key
// as if never written and `!override` replaces instead of merging, at any
// depth. Sequence items tagged `!reset` are only dropped.

using TagPath = std::vector<std::string>;

void TakeTaggedPaths(YamlNode& node, TagPath& path, std::vector<TagPath>& out) {
  if (node.IsMapping()) {
    std::vector<YamlEntry> kept;
    for (YamlEntry& entry : node.entries) {
      path.push_back(entry.key);
      if (entry.value.tag == "!reset") {
        out.push_back(path);
      } else {
        if (entry.value.tag == "!override") out.push_back(path);
        TakeTaggedPaths(entry.value, path, out);
        kept.push_back(std::move(entry));
      }
      path.pop_back();
    }
    node.entries = std::move(kept);
  } else if (node.IsSequence()) {
    std::vector<YamlNode> kept;
    for (YamlNode& item : node.items) {
      if (item.tag == "!reset") continue;
      path.push_back("[]");  // compose never matches paths through sequences
      TakeTaggedPaths(item, path, out);
      path.pop_back();
      kept.push_back(std::move(item));
    }
    node.items = std::move(kept);
  }
}

std::vector<TagPath> TakeTaggedPaths(YamlNode& root) {
  std::vector<TagPath> out;
  TagPath path;
  TakeTaggedPaths(root, path, out);
  return out;
}

// Deletes path[from...] inside `value`; false when the path does not lead
// anywhere.
void EraseJsonPath(Json& value, const TagPath& path, size_t from) {
  Json* current = &value;
  for (size_t i = from; i + 1 < path.size(); ++i) {
    current = current->is_object() ? current->Find(path[i]) : nullptr;
    if (current == nullptr) return;
  }
  if (current->is_object()) current->Erase(path.back());
}

// The tagged paths under services.<name> applied to one fragment.
void ApplyTaggedPaths(const std::vector<TagPath>& paths, const std::string& name, ServiceFragment& fragment) {
  for (const TagPath& path : paths) {
    if (path.size() < 3 || path[0] != "services" || path[1] != name) continue;
    EraseJsonPath(fragment.fields, path, 2);
    if (path.size() == 3) fragment.key_locations.erase(path[2]);
  }
}

void ApplyTaggedPaths(const std::vector<TagPath>& paths, Model& model) {
  for (const TagPath& path : paths) {
    if (path.empty()) continue;
    if (path[0] == "services") {
      if (path.size() == 1) {
        model.services.clear();
        model.service_order.clear();
        continue;
      }
      auto it = model.services.find(path[1]);
      if (it == model.services.end()) continue;
      if (path.size() == 2) {
        model.services.erase(it);
        std::erase(model.service_order, path[1]);
      } else {
        ApplyTaggedPaths({path}, path[1], it->second);
      }
    } else if (path[0] == "networks" || path[0] == "volumes") {
      auto& resources = path[0] == "networks" ? model.networks : model.volumes;
      auto& locations = path[0] == "networks" ? model.network_keys : model.volume_keys;
      if (path.size() == 1) {
        resources.clear();
        continue;
      }
      auto it = resources.find(path[1]);
      if (it == resources.end()) continue;
      if (path.size() == 2) {
        resources.erase(it);
        locations.erase(path[1]);
      } else {
        EraseJsonPath(it->second, path, 2);
        if (path.size() == 3) locations[path[1]].erase(path[2]);
      }
    }
  }
}

// ---- extends ---------------------------------------------------------------

struct ServiceRef {
  std::string file, service;
  bool operator==(const ServiceRef&) const = default;
};

Error CircularExtends(const std::vector<ServiceRef>& chain, const ServiceRef& again) {
  std::string message = "Circular reference:\n  " + chain.front().service + " in " + chain.front().file;
  for (size_t i = 1; i < chain.size(); ++i) {
    message += "\n  extends " + chain[i].service + " in " + chain[i].file;
  }
  message += "\n  extends " + again.service + " in " + again.file;
  return Error(ErrorCode::kInvalidArgument, message);
}

// A key whose value interpolated to "" and that the normalizer dropped
// (`platform: ${DOCKER_PLATFORM:-}`) is, for compose, not there at all.
void ForgetEmptyKeys(const YamlNode& node, ServiceFragment& fragment) {
  for (const YamlEntry& entry : node.entries) {
    if (entry.value.kind == YamlNode::Kind::kString && entry.value.text.empty() &&
        fragment.fields.Find(entry.key) == nullptr) {
      fragment.key_locations.erase(entry.key);
    }
  }
}

Result<ServiceFragment> ResolveService(const std::string& name, const YamlNode& services, const std::string& file,
                                       const Scope& scope, const std::vector<TagPath>& tags,
                                       std::vector<ServiceRef>& chain);

// The normalizer fills in defaults that compose-go only sets once the
// files are merged (transform.SetDefaultValues): a build's context and
// dockerfile, a dependency's condition and required. Left in a fragment
// they would override what an earlier file or an extended service set
// (`build: {args: ...}` in an override keeps the base's context).
void DropEarlyDefaults(const YamlNode& node, ServiceFragment& fragment) {
  if (!node.IsMapping()) return;
  if (const YamlNode* build = node.Find("build"); build && !build->IsNull()) {
    if (Json* fields = fragment.fields.Find("build"); fields && fields->is_object()) {
      if (build->IsMapping() && build->Find("context") == nullptr) fields->Erase("context");
      if (!build->IsMapping() || build->Find("dockerfile") == nullptr) fields->Erase("dockerfile");
    }
  }
  const YamlNode* depends_on = node.Find("depends_on");
  Json* dependencies = fragment.fields.Find("depends_on");
  if (depends_on == nullptr || !depends_on->IsMapping() || dependencies == nullptr) return;
  for (const YamlEntry& entry : depends_on->entries) {
    Json* dependency = dependencies->Find(entry.key);
    if (dependency == nullptr || !entry.value.IsMapping()) continue;
    if (entry.value.Find("condition") == nullptr) dependency->Erase("condition");
    if (entry.value.Find("required") == nullptr) dependency->Erase("required");
  }
}

// Puts `first` members (those present) ahead of the others, which keep
// their order: Go writes struct fields in declaration order.
Json WithLeadingMembers(const Json& value, std::initializer_list<const char*> first) {
  Json ordered = Json::Struct();
  for (const char* key : first) {
    if (const Json* member = value.Find(key)) ordered.Set(key, *member);
  }
  for (const auto& [key, member] : value.members()) {
    if (ordered.Find(key) == nullptr) ordered.Set(key, member);
  }
  return ordered;
}

// SetDefaultValues, once the files of a load (the project, or an included
// project) are merged: relative to that load's directory.
void ApplyLateDefaults(Model& model, const std::string& working_dir) {
  for (auto& [name, fragment] : model.services) {
    if (Json* build = fragment.fields.Find("build"); build && build->is_object()) {
      if (build->Find("context") == nullptr) build->Set("context", Json::String(working_dir));
      if (build->Find("dockerfile") == nullptr && build->Find("dockerfile_inline") == nullptr) {
        build->Set("dockerfile", Json::String("Dockerfile"));
      }
      *build = WithLeadingMembers(*build, {"context", "dockerfile"});
    }
    if (Json* dependencies = fragment.fields.Find("depends_on"); dependencies && dependencies->is_object()) {
      for (auto& [key, dependency] : dependencies->members()) {
        if (!dependency.is_object()) continue;
        if (dependency.Find("condition") == nullptr) dependency.Set("condition", Json::String("service_started"));
        if (dependency.Find("required") == nullptr) dependency.Set("required", Json::Bool(true));
        dependency = WithLeadingMembers(dependency, {"condition", "restart", "required"});
      }
    }
  }
}


// The base an `extends` names, from this file or from another one (read
// and interpolated like any compose file, its relative paths resolved
// against its own directory), with its own `extends` applied.
Result<ServiceFragment> ExtendsBase(const std::string& name, const YamlNode& extends, const YamlNode& services,
                                    const std::string& file, const Scope& scope, std::vector<ServiceRef>& chain) {
  std::string ref, other;
  if (extends.IsScalar()) {
    ref = extends.text;
  } else if (extends.IsMapping()) {
    const YamlNode* service = extends.Find("service");
    if (service == nullptr || !service->IsScalar()) {
      return Error(ErrorCode::kInvalidArgument, "extends." + name + ".service is required");
    }
    ref = service->text;
    if (const YamlNode* value = extends.Find("file"); value && value->IsScalar()) other = value->text;
  } else {
    return Error(ErrorCode::kInvalidArgument, "services." + name + ".extends must be a string or a mapping");
  }
  if (other.empty()) {
    if (services.Find(ref) == nullptr) {
      return Error(ErrorCode::kInvalidArgument, "cannot extend service \"" + name + "\" in " + file +
                                                    ": service \"" + ref + "\" not found");
    }
    return ResolveService(ref, services, file, scope, {}, chain);
  }
  std::string path = AbsolutePath(other, scope.working_dir, scope.home_dir);
  Result<YamlNode> root = ReadInterpolated(path, scope.environment);
  if (!root) return root.error();
  std::vector<TagPath> tags = TakeTaggedPaths(*root);
  const YamlNode* base_services = root->Find("services");
  if (base_services == nullptr) {
    return Error(ErrorCode::kInvalidArgument,
                 "cannot extend service \"" + name + "\" in " + path + ": no services section");
  }
  if (!base_services->IsMapping() || base_services->Find(ref) == nullptr) {
    return Error(ErrorCode::kInvalidArgument, "cannot extend service \"" + name + "\" in " + file +
                                                  ": service \"" + ref + "\" not found in " + other);
  }
  Scope base_scope = scope;
  base_scope.working_dir = fs::path(path).parent_path().string();
  return ResolveService(ref, *base_services, path, base_scope, tags, chain);
}

// One service of a file, `extends` applied as compose-go applies it: the
// base (itself extended first) is copied, this file's !reset/!override
// paths for this service are applied to it, and the service merges onto it
// with the same rules as a later compose file.
Result<ServiceFragment> ResolveService(const std::string& name, const YamlNode& services, const std::string& file,
                                       const Scope& scope, const std::vector<TagPath>& tags,
                                       std::vector<ServiceRef>& chain) {
  const YamlNode& node = *services.Find(name);
  NormalizeContext context = ContextFor(scope, file);
  const YamlNode* extends = node.IsMapping() ? node.Find("extends") : nullptr;
  if (extends == nullptr) {
    Result<ServiceFragment> fragment = NormalizeService(name, node, context);
    if (!fragment) return fragment.error();
    ForgetEmptyKeys(node, *fragment);
    DropEarlyDefaults(node, *fragment);
    EnforceUnicity(fragment->fields);
    return fragment;
  }
  ServiceRef self{file, name};
  if (std::find(chain.begin(), chain.end(), self) != chain.end()) return CircularExtends(chain, self);
  // Each service resolves its own chain, so a long one costs its length
  // squared and as many stack frames: far past anything real, stop.
  constexpr size_t kMaxExtendsDepth = 64;
  if (chain.size() >= kMaxExtendsDepth) {
    return Error(ErrorCode::kInvalidArgument, "services." + chain.front().service + ": extends chain longer than " +
                                                  std::to_string(kMaxExtendsDepth) + " services");
  }
  chain.push_back(self);
  Result<ServiceFragment> base = ExtendsBase(name, *extends, services, file, scope, chain);
  chain.pop_back();
  if (!base) return base.error();
  YamlNode own = node;
  std::erase_if(own.entries, [](const YamlEntry& entry) { return entry.key == "extends"; });
  Result<ServiceFragment> fragment = NormalizeService(name, own, context);
  if (!fragment) return fragment.error();
  ForgetEmptyKeys(own, *fragment);
  DropEarlyDefaults(own, *fragment);
  EnforceUnicity(fragment->fields);
  ServiceFragment merged = std::move(*base);
  ApplyTaggedPaths(tags, name, merged);
  MergeServiceFragment(merged, *fragment);
  EnforceUnicity(merged.fields);
  return merged;
}

// ---- one file --------------------------------------------------------------

template <typename Normalize>
Status MergeResources(const YamlNode* section, const std::string& kind, const std::string& file,
                      Normalize normalize, std::map<std::string, Json>& into,
                      std::map<std::string, std::map<std::string, SourceLocation>>& locations) {
  if (section == nullptr || section->IsNull()) return Ok();
  if (!section->IsMapping()) return Error(ErrorCode::kInvalidArgument, kind + " must be a mapping");
  for (const YamlEntry& entry : section->entries) {
    if (entry.key.rfind("x-", 0) == 0) continue;
    Result<Json> config = normalize(entry.value, kind + "." + entry.key);
    if (!config) return config.error();
    auto [it, inserted] = into.emplace(entry.key, *config);
    if (!inserted) MergeJson(kind, it->second, *config);
    if (entry.value.IsMapping()) {
      for (const YamlEntry& field : entry.value.entries) {
        locations[entry.key][field.key] = SourceLocation{file, field.key_line};
      }
    }
  }
  return Ok();
}

// Top-level secrets or configs, named as compose names them.
void AddFileObjects(const std::map<std::string, Json>& definitions,
                    std::map<std::string, std::map<std::string, SourceLocation>>& locations,
                    const std::string& project_name, std::map<std::string, FileObject>& into) {
  for (const auto& [key, config] : definitions) {
    Json named = WithResourceName(config, project_name, key);
    FileObject object;
    object.key = key;
    object.name = named.Find("name")->text();
    auto text = [&](const char* field) { return named.Find(field) ? named.Find(field)->text() : std::string(); };
    object.external = named.Find("external") && named.Find("external")->bool_value();
    object.file = text("file");
    object.environment = text("environment");
    object.content = text("content");
    object.has_content = named.Find("content") != nullptr;
    object.driver = text("driver");
    object.template_driver = text("template_driver");
    object.key_locations = locations[key];
    into[key] = std::move(object);
  }
}

// Merges a later file's model into `into`, compose's override rules.
void MergeModel(Model& into, Model from) {
  for (const std::string& name : from.service_order) {
    ServiceFragment& fragment = from.services[name];
    auto it = into.services.find(name);
    if (it == into.services.end()) {
      into.service_order.push_back(name);
      into.services.emplace(name, std::move(fragment));
    } else {
      MergeServiceFragment(it->second, fragment);
    }
  }
  auto merge = [](std::map<std::string, Json>& to, std::map<std::string, Json>& more, const std::string& kind) {
    for (auto& [key, config] : more) {
      auto [it, inserted] = to.emplace(key, config);
      if (!inserted) MergeJson(kind, it->second, config);
    }
  };
  merge(into.networks, from.networks, "networks");
  merge(into.volumes, from.volumes, "volumes");
  merge(into.secrets, from.secrets, "secrets");
  merge(into.configs, from.configs, "configs");
  for (auto& [key, fields] : from.network_keys) {
    for (auto& [field, location] : fields) into.network_keys[key][field] = location;
  }
  for (auto& [key, fields] : from.volume_keys) {
    for (auto& [field, location] : fields) into.volume_keys[key][field] = location;
  }
  for (auto& [key, fields] : from.secret_keys) {
    for (auto& [field, location] : fields) into.secret_keys[key][field] = location;
  }
  for (auto& [key, fields] : from.config_keys) {
    for (auto& [field, location] : fields) into.config_keys[key][field] = location;
  }
}

Result<Model> LoadFile(YamlNode& root, const std::string& path, const Scope& scope, std::vector<TagPath>& tags);

// Several files loaded as one project (an include's `path` list): the
// first is the main file, the others override it.
Result<Model> LoadFiles(const std::vector<std::string>& paths, const Scope& scope) {
  Model model;
  for (const std::string& path : paths) {
    Result<YamlNode> root = ReadInterpolated(path, scope.environment);
    if (!root) return root.error();
    std::vector<TagPath> tags;
    Result<Model> file_model = LoadFile(*root, path, scope, tags);
    if (!file_model) return file_model.error();
    ApplyTaggedPaths(tags, model);
    MergeModel(model, std::move(*file_model));
  }
  ApplyLateDefaults(model, scope.working_dir);
  return model;
}

// compose-go's importResources: an included resource may not differ from
// one of the same name that the including file defines.
Status ImportModel(Model& into, Model from) {
  for (const std::string& name : from.service_order) {
    ServiceFragment& fragment = from.services[name];
    auto it = into.services.find(name);
    if (it != into.services.end()) {
      if (EncodeGoJson(it->second.fields) == EncodeGoJson(fragment.fields)) continue;
      return Error(ErrorCode::kInvalidArgument, "services." + name + " conflicts with imported resource");
    }
    into.service_order.push_back(name);
    into.services.emplace(name, std::move(fragment));
  }
  struct Section {
    const char* kind;
    std::map<std::string, Json>& to;
    std::map<std::string, Json>& more;
    std::map<std::string, std::map<std::string, SourceLocation>>& to_keys;
    std::map<std::string, std::map<std::string, SourceLocation>>& more_keys;
  };
  for (Section section : {Section{"volumes", into.volumes, from.volumes, into.volume_keys, from.volume_keys},
                          Section{"networks", into.networks, from.networks, into.network_keys, from.network_keys},
                          Section{"secrets", into.secrets, from.secrets, into.secret_keys, from.secret_keys},
                          Section{"configs", into.configs, from.configs, into.config_keys, from.config_keys}}) {
    const std::string kind = section.kind;
    auto& to = section.to;
    auto& to_keys = section.to_keys;
    auto& more_keys = section.more_keys;
    for (auto& [key, config] : section.more) {
      auto it = to.find(key);
      if (it != to.end()) {
        if (EncodeGoJson(it->second) == EncodeGoJson(config)) continue;
        return Error(ErrorCode::kInvalidArgument, kind + "." + key + " conflicts with imported resource");
      }
      to.emplace(key, config);
      to_keys[key] = more_keys[key];
    }
  }
  return Ok();
}

Result<std::vector<std::string>> StringOrList(const YamlNode& node, const std::string& what) {
  std::vector<std::string> out;
  if (node.IsNull()) return out;
  if (node.IsScalar()) {
    out.push_back(node.text);
    return out;
  }
  if (!node.IsSequence()) return Error(ErrorCode::kInvalidArgument, what + " must be a string or a list");
  for (const YamlNode& item : node.items) {
    if (!item.IsScalar()) return Error(ErrorCode::kInvalidArgument, what + " must be a list of strings");
    out.push_back(item.text);
  }
  return out;
}

std::string JoinPath(const std::string& base, const std::string& path) {
  if (!path.empty() && path[0] == '/') return path;
  return CleanPath(base + "/" + path);
}

// compose-go's ApplyInclude: each entry is loaded as a project of its own
// (its directory: `project_directory`, else the first file's; its
// environment: ours, completed by its env files or its directory's
// `.env`) and its services, networks and volumes are imported.
Status ApplyIncludes(const YamlNode& include, const Scope& scope, Model& model) {
  if (include.IsNull()) return Ok();
  if (!include.IsSequence()) return Error(ErrorCode::kInvalidArgument, "`include` must be a list");
  for (const YamlNode& item : include.items) {
    std::vector<std::string> paths, env_files;
    std::string project_directory;
    if (item.IsScalar()) {
      paths.push_back(item.text);
    } else if (item.IsMapping()) {
      if (const YamlNode* value = item.Find("path")) {
        Result<std::vector<std::string>> list = StringOrList(*value, "include.path");
        if (!list) return list.error();
        paths = *list;
      }
      if (const YamlNode* value = item.Find("env_file")) {
        Result<std::vector<std::string>> list = StringOrList(*value, "include.env_file");
        if (!list) return list.error();
        env_files = *list;
      }
      if (const YamlNode* value = item.Find("project_directory"); value && value->IsScalar()) {
        project_directory = value->text;
      }
    } else {
      return Error(ErrorCode::kInvalidArgument, "include entries must be a string or a mapping");
    }
    if (paths.empty()) return Error(ErrorCode::kInvalidArgument, "include.path is required");
    for (std::string& path : paths) path = JoinPath(scope.working_dir, path);
    const std::string& main = paths.front();
    if (project_directory.empty()) {
      project_directory = fs::path(main).parent_path().string();
    } else {
      project_directory = JoinPath(scope.working_dir, project_directory);
    }
    if (std::find(scope.included.begin(), scope.included.end(), main) != scope.included.end()) {
      std::string message = "include cycle detected:\n" + scope.included.front();
      for (size_t i = 1; i < scope.included.size(); ++i) message += "\n include " + scope.included[i];
      return Error(ErrorCode::kInvalidArgument, message + "\n include " + main);
    }
    if (env_files.empty()) {
      std::error_code error;
      std::string dot_env = project_directory + "/.env";
      if (fs::is_regular_file(dot_env, error)) env_files.push_back(dot_env);
    } else {
      for (std::string& env_file : env_files) {
        if (!env_file.empty() && env_file[0] == '/') continue;
        env_file = JoinPath(scope.working_dir, env_file);
        std::error_code error;
        if (!fs::exists(env_file, error)) {
          return Error(ErrorCode::kNotFound, "stat " + env_file + ": no such file or directory");
        }
        if (fs::is_directory(env_file, error)) return Error(ErrorCode::kInvalidArgument, env_file + " is not a file");
      }
    }
    Environment from_files;
    for (const std::string& env_file : env_files) {
      Lookup lookup = [&](const std::string& name) -> std::optional<std::string> {
        if (auto it = scope.environment.find(name); it != scope.environment.end()) return it->second;
        if (auto it = from_files.find(name); it != from_files.end()) return it->second;
        return std::nullopt;
      };
      Result<Environment> parsed = ReadDotEnvFile(env_file, lookup);
      if (!parsed) return parsed.error();
      for (auto& [key, value] : *parsed) from_files[key] = value;
    }
    Scope included = scope;
    included.working_dir = project_directory;
    for (auto& [key, value] : from_files) included.environment.emplace(key, value);  // ours win
    Result<Model> imported = LoadFiles(paths, included);
    if (!imported) return imported.error();
    if (Status s = ImportModel(model, std::move(*imported)); !s) return s;
  }
  return Ok();
}

// One compose file (read and interpolated) as compose-go's loadYamlFile
// takes it: tags recorded, services extended, then its includes imported.
Result<Model> LoadFile(YamlNode& root, const std::string& path, const Scope& scope, std::vector<TagPath>& tags) {
  tags = TakeTaggedPaths(root);
  Model model;
  if (const YamlNode* services = root.Find("services"); services && !services->IsNull()) {
    if (!services->IsMapping()) return Error(ErrorCode::kInvalidArgument, "services must be a mapping");
    for (const YamlEntry& entry : services->entries) {
      std::vector<ServiceRef> chain;
      Result<ServiceFragment> fragment = ResolveService(entry.key, *services, path, scope, tags, chain);
      if (!fragment) return fragment.error();
      model.service_order.push_back(entry.key);
      model.services.emplace(entry.key, std::move(*fragment));
    }
  }
  if (Status s = MergeResources(root.Find("networks"), "networks", path, NormalizeNetwork, model.networks,
                                model.network_keys);
      !s) {
    return s.error();
  }
  if (Status s = MergeResources(root.Find("volumes"), "volumes", path, NormalizeVolume, model.volumes,
                                model.volume_keys);
      !s) {
    return s.error();
  }
  auto file_object = [&](const YamlNode& node, const std::string& where) {
    return NormalizeFileObject(node, where, scope.working_dir, scope.home_dir);
  };
  if (Status s = MergeResources(root.Find("secrets"), "secrets", path, file_object, model.secrets,
                                model.secret_keys);
      !s) {
    return s.error();
  }
  if (Status s = MergeResources(root.Find("configs"), "configs", path, file_object, model.configs,
                                model.config_keys);
      !s) {
    return s.error();
  }
  if (const YamlNode* include = root.Find("include")) {
    Scope inner = scope;
    inner.included.push_back(path);
    if (Status s = ApplyIncludes(*include, inner, model); !s) return s.error();
  }
  return model;
}

// compose's `up` reads each env_file and puts its variables under the
// service's own `environment` (which wins), then forgets `env_file`.
Status FoldEnvFiles(Json& service, const Environment& project_environment) {
  const Json* files = service.Find("env_file");
  if (files == nullptr) return Ok();
  Json own = service.Find("environment") ? *service.Find("environment") : Json::Map();
  Lookup lookup = [&](const std::string& name) -> std::optional<std::string> {
    if (auto it = project_environment.find(name); it != project_environment.end()) return it->second;
    if (const Json* value = own.Find(name); value && value->is_string()) return value->text();
    return std::nullopt;
  };
  Json merged = Json::Map();
  for (const Json& file : files->items()) {
    std::string path = file.Find("path")->text();
    const Json* required = file.Find("required");
    std::error_code error;
    if (!fs::exists(path, error)) {
      if (required && !required->bool_value()) continue;
      return Error(ErrorCode::kNotFound, "env file " + path + " not found: stat " + path +
                                             ": no such file or directory");
    }
    const Json* format = file.Find("format");
    Result<Environment> values = Environment();
    if (format == nullptr || format->text().empty()) {
      values = ReadDotEnvFile(path, lookup);
    } else if (format->text() == "raw") {  // registered by compose 2.40's CLI
      Result<std::string> text = ReadFile(path);
      if (!text) return text.error();
      values = ParseRawEnv(*text, lookup);
      if (!values) return values.error().WithContext("failed to parse env_file " + path);
    } else {
      return Error(ErrorCode::kInvalidArgument, "unsupported env_file format \"" + format->text() + "\"");
    }
    if (!values) return values.error();
    for (const auto& [key, value] : *values) merged.Set(key, Json::String(value));
  }
  for (const auto& [key, value] : own.members()) merged.Set(key, value);
  service.Erase("env_file");
  if (merged.empty()) service.Erase("environment");
  else service.Set("environment", std::move(merged));
  return Ok();
}

// compose-go's WithServicesLabelsResolved: each label_file is read in
// order (a later one wins; `${VAR}` sees only the labels read so far), the
// service's own `labels` win over them. `up` keeps the label_file list in
// the service (so compose 2.40 hashes it; ServiceConfigHash drops it for
// releases that did not).
Status FoldLabelFiles(Json& service) {
  const Json* files = service.Find("label_file");
  if (files == nullptr) return Ok();
  Json merged = Json::Map();
  for (const Json& file : files->items()) {
    const std::string& path = file.text();
    std::error_code error;
    if (!fs::exists(path, error)) {
      return Error(ErrorCode::kNotFound,
                   "label file " + path + " not found: stat " + path + ": no such file or directory");
    }
    Lookup lookup = [&](const std::string& key) -> std::optional<std::string> {
      if (const Json* value = merged.Find(key)) return value->text();
      return std::nullopt;
    };
    Result<Environment> values = ReadDotEnvFile(path, lookup);
    if (!values) return values.error();
    for (const auto& [key, value] : *values) merged.Set(key, Json::String(value));
  }
  if (const Json* own = service.Find("labels")) {
    for (const auto& [key, value] : own->members()) merged.Set(key, value);
  }
  if (!merged.empty()) service.Set("labels", std::move(merged));
  return Ok();
}

Result<Service> FinishService(const std::string& name, ServiceFragment fragment,
                              const Environment& environment) {
  Json& fields = fragment.fields;
  EnforceUnicity(fields);
  if (Status s = FoldEnvFiles(fields, environment); !s) return s.error();
  if (Status s = FoldLabelFiles(fields); !s) return s.error();
  ApplyServiceDefaults(fields);
  Json canonical = OrderServiceFields(fields);
  Service service;
  service.name = name;
  if (const Json* image = canonical.Find("image")) service.image = image->text();
  if (const Json* container = canonical.Find("container_name")) service.container_name = container->text();
  if (const Json* build = canonical.Find("build"); build && build->is_object()) {
    BuildSpec spec;
    if (const Json* value = build->Find("context")) spec.context = value->text();
    if (const Json* value = build->Find("dockerfile")) spec.dockerfile = value->text();
    if (const Json* value = build->Find("target")) spec.target = value->text();
    if (const Json* args = build->Find("args")) {
      for (const auto& [key, value] : args->members()) spec.args[key] = value.text();
    }
    service.build = spec;
  }
  service.canonical_json = EncodeGoJson(canonical);
  service.key_locations = std::move(fragment.key_locations);
  return service;
}

// The networks and named volumes the services refer to: compose leaves the
// others out of the model.
void CollectUsedResources(const Json& canonical, std::set<std::string>& networks,
                          std::set<std::string>& volumes) {
  if (const Json* used = canonical.Find("networks")) {
    for (const auto& [key, value] : used->members()) networks.insert(key);
  }
  if (const Json* mounts = canonical.Find("volumes")) {
    for (const Json& mount : mounts->items()) {
      const Json* type = mount.Find("type");
      const Json* source = mount.Find("source");
      if (type && type->text() == "volume" && source) volumes.insert(source->text());
    }
  }
}

// cli.WithConfigFileEnv, then cli.WithDefaultConfigPath.
Result<std::vector<std::string>> FindConfigFiles(const Environment& environment, const std::string& working_dir) {
  std::vector<std::string> files;
  if (auto it = environment.find("COMPOSE_FILE"); it != environment.end()) {
    auto separator = environment.find("COMPOSE_PATH_SEPARATOR");
    std::string sep = separator != environment.end() && !separator->second.empty() ? separator->second : ":";
    const std::string& list = it->second;
    for (size_t start = 0;;) {
      size_t end = list.find(sep, start);
      files.push_back(AbsoluteAgainst(list.substr(start, end - start), working_dir));
      if (end == std::string::npos) break;
      start = end + sep.size();
    }
    return files;
  }
  static const char* const kNames[] = {"compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml"};
  static const char* const kOverrides[] = {"compose.override.yml", "compose.override.yaml",
                                           "docker-compose.override.yml", "docker-compose.override.yaml"};
  for (fs::path dir = working_dir;; dir = dir.parent_path()) {
    std::error_code error;
    for (const char* name : kNames) {
      if (!fs::is_regular_file(dir / name, error)) continue;
      files.push_back((dir / name).string());
      for (const char* override : kOverrides) {
        if (fs::is_regular_file(dir / override, error)) {
          files.push_back((dir / override).string());
          break;
        }
      }
      return files;
    }
    if (dir == dir.parent_path() || dir.empty()) break;
  }
  return Error(ErrorCode::kNotFound, "no configuration file provided: not found");
}

std::vector<std::string> SplitProfiles(const std::string& text) {
  std::vector<std::string> profiles;
  for (size_t start = 0;;) {
    size_t end = text.find(',', start);
    std::string profile = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
    profile.erase(0, profile.find_first_not_of(" \t"));
    profile.erase(profile.find_last_not_of(" \t") + 1);
    if (!profile.empty()) profiles.push_back(profile);
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return profiles;
}

// ServiceConfig.HasProfile.
bool HasActiveProfile(const Json& service, const std::vector<std::string>& active) {
  const Json* profiles = service.Find("profiles");
  if (profiles == nullptr || profiles->items().empty()) return true;
  for (const std::string& profile : active) {
    if (profile == "*") return true;
    for (const Json& own : profiles->items()) {
      if (own.text() == profile) return true;
    }
  }
  return false;
}

}  // namespace

Environment ProcessEnvironment() {
  Environment environment;
  for (char** entry = environ; entry && *entry; ++entry) {
    std::string text(*entry);
    size_t equals = text.find('=');
    if (equals == std::string::npos) continue;
    environment.emplace(text.substr(0, equals), text.substr(equals + 1));
  }
  return environment;
}

const Service* Project::FindService(std::string_view service_name) const {
  for (const Service& service : services) {
    if (service.name == service_name) return &service;
  }
  return nullptr;
}

Result<Project> LoadProject(const LoadOptions& options) {
  if (options.config_files.empty() && options.working_dir.empty()) {
    return Error(ErrorCode::kInvalidArgument, "no compose file given");
  }
  Project project;
  project.working_dir = options.working_dir.empty()
                            ? fs::path(options.config_files.front()).parent_path().string()
                            : options.working_dir;
  project.config_files = options.config_files;

  Result<Environment> environment = ProjectEnvironment(options, project.working_dir);
  if (!environment) return environment.error();
  if (project.config_files.empty()) {
    Result<std::vector<std::string>> found = FindConfigFiles(*environment, project.working_dir);
    if (!found) return found.error();
    project.config_files = *found;
  }
  project.profiles = options.profiles;
  if (project.profiles.empty()) {
    if (auto it = environment->find("COMPOSE_PROFILES"); it != environment->end()) {
      project.profiles = SplitProfiles(it->second);
    }
  }
  Result<std::vector<ComposeFile>> files = ReadComposeFiles(project.config_files);
  if (!files) return files.error();
  Result<std::string> name = ChooseProjectName(options, *files, *environment, project.working_dir);
  if (!name) return name.error();
  project.name = *name;
  environment->emplace("COMPOSE_PROJECT_NAME", project.name);
  project.environment = *environment;

  Lookup lookup = LookupIn(project.environment);
  for (ComposeFile& file : *files) {
    if (Status s = InterpolateTree(file.root, lookup); !s) return s.error();
  }
  Scope scope;
  scope.working_dir = project.working_dir;
  auto home = project.environment.find("HOME");
  scope.home_dir = home != project.environment.end() ? home->second : "";
  scope.environment = project.environment;
  Result<Model> model = Model();
  for (ComposeFile& file : *files) {
    std::vector<TagPath> tags;
    Result<Model> file_model = LoadFile(file.root, file.path, scope, tags);
    if (!file_model) return file_model.error();
    ApplyTaggedPaths(tags, *model);
    MergeModel(*model, std::move(*file_model));
  }
  ApplyLateDefaults(*model, scope.working_dir);

  std::set<std::string> used_networks, used_volumes;
  for (const std::string& service_name : model->service_order) {
    Result<Service> service = FinishService(service_name, model->services[service_name], project.environment);
    if (!service) return service.error();
    Result<Json> canonical = ParseJson(service->canonical_json);
    if (canonical) {
      service->enabled = HasActiveProfile(*canonical, project.profiles);
      CollectUsedResources(*canonical, used_networks, used_volumes);
    }
    project.services.push_back(std::move(*service));
  }
  std::erase_if(model->networks, [&](const auto& entry) { return !used_networks.count(entry.first); });
  std::erase_if(model->volumes, [&](const auto& entry) { return !used_volumes.count(entry.first); });
  if (used_networks.count("default") && !model->networks.count("default")) {
    model->networks.emplace("default", *NormalizeNetwork(YamlNode(), "networks.default"));
  }
  for (const auto& [key, config] : model->networks) {
    Json named = WithResourceName(config, project.name, key);
    const Json* external = named.Find("external");
    project.networks[key] = Network{key, named.Find("name")->text(), external && external->bool_value(),
                                    EncodeGoJson(named), model->network_keys[key]};
  }
  for (const auto& [key, config] : model->volumes) {
    Json named = WithResourceName(config, project.name, key);
    const Json* external = named.Find("external");
    project.volumes[key] = Volume{key, named.Find("name")->text(), external && external->bool_value(),
                                  EncodeGoJson(named), model->volume_keys[key]};
  }
  AddFileObjects(model->secrets, model->secret_keys, project.name, project.secrets);
  AddFileObjects(model->configs, model->config_keys, project.name, project.configs);
  return project;
}

}  // namespace deliveryhook::compose
