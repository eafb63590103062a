// LoadProject(): compose's loading pipeline, file by file then as a whole.
#include <unistd.h>

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

Result<std::vector<ComposeFile>> ReadComposeFiles(const std::vector<std::string>& paths) {
  std::vector<ComposeFile> files;
  for (const std::string& path : paths) {
    Result<std::string> text = ReadFile(path);
    if (!text) return text.error();
    Result<YamlNode> root = ReadYaml(*text, fs::path(path).filename().string());
    if (!root) return root.error();
    if (!root->IsNull() && !root->IsMapping()) {
      return Error(ErrorCode::kInvalidArgument, path + ": top-level object must be a mapping");
    }
    files.push_back({path, std::move(*root)});
  }
  return files;
}

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

Result<Model> BuildModel(const std::vector<ComposeFile>& files, const NormalizeContext& base_context) {
  Model model;
  for (const ComposeFile& file : files) {
    NormalizeContext context = base_context;
    context.file = file.path;
    if (const YamlNode* services = file.root.Find("services"); services && services->IsMapping()) {
      for (const YamlEntry& entry : services->entries) {
        Result<ServiceFragment> fragment = NormalizeService(entry.key, entry.value, context);
        if (!fragment) return fragment.error();
        auto it = model.services.find(entry.key);
        if (it == model.services.end()) {
          model.service_order.push_back(entry.key);
          model.services.emplace(entry.key, std::move(*fragment));
        } else {
          MergeServiceFragment(it->second, *fragment);
        }
      }
    }
    if (Status s = MergeResources(file.root.Find("networks"), "networks", file.path, NormalizeNetwork,
                                  model.networks, model.network_keys);
        !s) {
      return s.error();
    }
    if (Status s = MergeResources(file.root.Find("volumes"), "volumes", file.path, NormalizeVolume,
                                  model.volumes, model.volume_keys);
        !s) {
      return s.error();
    }
    auto file_object = [&](const YamlNode& node, const std::string& path) {
      return NormalizeFileObject(node, path, context.paths.working_dir, context.paths.home_dir);
    };
    if (Status s = MergeResources(file.root.Find("secrets"), "secrets", file.path, file_object, model.secrets,
                                  model.secret_keys);
        !s) {
      return s.error();
    }
    if (Status s = MergeResources(file.root.Find("configs"), "configs", file.path, file_object, model.configs,
                                  model.config_keys);
        !s) {
      return s.error();
    }
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
    Result<Environment> values = ReadDotEnvFile(path, lookup);
    if (!values) return values.error();
    for (const auto& [key, value] : *values) merged.Set(key, Json::String(value));
  }
  for (const auto& [key, value] : own.members()) merged.Set(key, value);
  service.Erase("env_file");
  if (merged.empty()) service.Erase("environment");
  else service.Set("environment", std::move(merged));
  return Ok();
}

Result<Service> FinishService(const std::string& name, ServiceFragment fragment,
                              const Environment& environment) {
  Json& fields = fragment.fields;
  if (Status s = FoldEnvFiles(fields, environment); !s) return s.error();
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
  if (options.config_files.empty()) {
    return Error(ErrorCode::kInvalidArgument, "no compose file given");
  }
  Project project;
  project.working_dir = options.working_dir.empty()
                            ? fs::path(options.config_files.front()).parent_path().string()
                            : options.working_dir;
  project.config_files = options.config_files;

  Result<Environment> environment = ProjectEnvironment(options, project.working_dir);
  if (!environment) return environment.error();
  Result<std::vector<ComposeFile>> files = ReadComposeFiles(options.config_files);
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
  NormalizeContext context;
  context.paths.working_dir = project.working_dir;
  auto home = project.environment.find("HOME");
  context.paths.home_dir = home != project.environment.end() ? home->second : "";
  context.lookup = lookup;
  Result<Model> model = BuildModel(*files, context);
  if (!model) return model.error();

  std::set<std::string> used_networks, used_volumes;
  for (const std::string& service_name : model->service_order) {
    Result<Service> service = FinishService(service_name, model->services[service_name], project.environment);
    if (!service) return service.error();
    Result<Json> canonical = ParseJson(service->canonical_json);
    if (canonical) CollectUsedResources(*canonical, used_networks, used_volumes);
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
