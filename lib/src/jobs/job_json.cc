#include "deliveryhook/jobs/job_json.h"

#include "util/json_writer.h"

namespace deliveryhook::jobs {

std::string ToJson(const Job& job, const JobJsonOptions& options) {
  using util::Field;
  return util::JsonObject([&](util::JsonWriter& w) {
    auto optional_field = [&](const char* key, const std::string& value) {
      if (options.fixed_schema || !value.empty()) Field(w, key, value);
    };
    if (!options.event.empty()) Field(w, "event", options.event);
    Field(w, "job_id", job.id);
    if (options.with_token) Field(w, "job_token", job.token);
    if (options.joined) {
      w.Key("joined");
      w.Bool(*options.joined);
    }
    optional_field("request_id", job.request_id);
    optional_field("key_id", job.key_id);
    Field(w, "action", job.action);
    Field(w, "container_name", job.container_name);
    Field(w, "project", job.project);
    Field(w, "service", job.service);
    optional_field("image", job.image);
    optional_field("digest", job.digest);
    Field(w, "state", ToString(job.state));
    Field(w, "step", job.step);
    optional_field("error", job.error);
    optional_field("image_id", job.image_id);
    optional_field("container_id", job.container_id);
    optional_field("repo_digest", job.repo_digest);
    optional_field("previous_image_id", job.previous_image_id);
    optional_field("previous_repo_digest", job.previous_repo_digest);
    util::Int64Field(w, "created_at", job.created_at);
    util::Int64Field(w, "started_at", job.started_at);
    util::Int64Field(w, "finished_at", job.finished_at);
    if (options.with_log) {
      w.Key("log");
      w.StartArray();
      for (const auto& line : job.log) {
        w.String(line.c_str(), static_cast<rapidjson::SizeType>(line.size()));
      }
      w.EndArray();
    }
  });
}

}  // namespace deliveryhook::jobs
