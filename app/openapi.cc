#include "openapi.h"

#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <map>
#include <string>

#include "routes.h"

namespace deliveryhook::app {
namespace {

// Operation objects by "METHOD path". A route without an entry here is a
// programming error the openapi test catches (the document would lack it).
const std::map<std::string, std::string>& Operations() {
  static const std::map<std::string, std::string> kOperations = {
      {"POST /pull", R"({
        "operationId": "pull",
        "summary": "Pull the service's image, then recreate its container",
        "description": "The body names a container created by docker compose (or a project and service). The answer comes at once with a job to follow; with ?wait it comes when the job ends.",
        "tags": ["deploy"],
        "security": [{"signature": [], "timestamp": []}],
        "parameters": [{"$ref": "#/components/parameters/wait"}, {"$ref": "#/components/parameters/requestId"}],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/TriggerBody"}}}},
        "responses": {
          "200": {"description": "With ?wait: the job succeeded", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Job"}}}},
          "202": {"description": "Accepted (or joined a queued job for the same service); with ?wait: still running", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Accepted"}}}},
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "404": {"$ref": "#/components/responses/NotFound"},
          "413": {"$ref": "#/components/responses/PayloadTooLarge"},
          "429": {"$ref": "#/components/responses/TooManyRequests"},
          "500": {"description": "With ?wait: the job failed or was rolled back", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Job"}}}},
          "503": {"$ref": "#/components/responses/EngineUnavailable"}
        }})"},
      {"POST /build", R"({
        "operationId": "build",
        "summary": "Build the image from the service's build: context, then recreate its container",
        "description": "As /pull, but the image is built by the engine from the compose build section.",
        "tags": ["deploy"],
        "security": [{"signature": [], "timestamp": []}],
        "parameters": [{"$ref": "#/components/parameters/wait"}, {"$ref": "#/components/parameters/requestId"}],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/TriggerBody"}}}},
        "responses": {
          "200": {"description": "With ?wait: the job succeeded", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Job"}}}},
          "202": {"description": "Accepted; with ?wait: still running", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Accepted"}}}},
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "404": {"$ref": "#/components/responses/NotFound"},
          "413": {"$ref": "#/components/responses/PayloadTooLarge"},
          "429": {"$ref": "#/components/responses/TooManyRequests"},
          "500": {"description": "With ?wait: the job failed or was rolled back", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Job"}}}},
          "503": {"$ref": "#/components/responses/EngineUnavailable"}
        }})"},
      {"GET /jobs", R"({
        "operationId": "listJobs",
        "summary": "The 50 most recent jobs",
        "description": "Signed like a trigger, over the path /jobs instead of a body.",
        "tags": ["jobs"],
        "security": [{"signature": [], "timestamp": []}],
        "responses": {
          "200": {"description": "Newest first", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/JobList"}}}},
          "401": {"$ref": "#/components/responses/Unauthorized"}
        }})"},
      {"GET /jobs/{job_id}", R"({
        "operationId": "getJob",
        "summary": "One job: state, step, error, image, timestamps, progress log",
        "description": "With the job's token as a bearer token, or signed over the path /jobs/<job_id>. An unknown job and a wrong token get the same 404.",
        "tags": ["jobs"],
        "security": [{"jobToken": []}, {"signature": [], "timestamp": []}],
        "parameters": [{"$ref": "#/components/parameters/jobId"}],
        "responses": {
          "200": {"description": "The job", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Job"}}}},
          "404": {"$ref": "#/components/responses/NotFound"}
        }})"},
      {"GET /jobs/{job_id}/events", R"({
        "operationId": "jobEvents",
        "summary": "The job's progress as a stream of server-sent events, or NDJSON",
        "description": "Events job (at once), state, step and log, until the job ends; NDJSON with ?format=ndjson or Accept: application/x-ndjson.",
        "tags": ["jobs"],
        "security": [{"jobToken": []}, {"signature": [], "timestamp": []}],
        "parameters": [{"$ref": "#/components/parameters/jobId"}, {"name": "format", "in": "query", "required": false, "schema": {"type": "string", "enum": ["sse", "ndjson"]}}],
        "responses": {
          "200": {"description": "Events until the job ends", "content": {"text/event-stream": {"schema": {"type": "string"}}, "application/x-ndjson": {"schema": {"type": "string"}}}},
          "400": {"description": "An unknown format", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
          "404": {"$ref": "#/components/responses/NotFound"}
        }})"},
      {"GET /healthz", R"({
        "operationId": "health",
        "summary": "Readiness: the process answers, the engine answers /_ping, the job database is writable",
        "description": "Unauthenticated, for probes. The engine and database checks are cached for two seconds.",
        "tags": ["operations"],
        "security": [],
        "responses": {
          "200": {"description": "Healthy", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Health"}}}},
          "503": {"description": "A part is failing, named in the body", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Health"}}}}
        }})"},
      {"GET /metrics", R"({
        "operationId": "metrics",
        "summary": "Prometheus metrics, text exposition format 0.0.4",
        "description": "Unauthenticated; METRICS=false answers 404 instead.",
        "tags": ["operations"],
        "security": [],
        "responses": {
          "200": {"description": "The metrics", "content": {"text/plain": {"schema": {"type": "string"}}}},
          "404": {"$ref": "#/components/responses/Disabled"}
        }})"},
      {"GET /openapi.json", R"({
        "operationId": "openapi",
        "summary": "This document, when SHOW_DOCS is set",
        "tags": ["operations"],
        "security": [],
        "responses": {
          "200": {"description": "OpenAPI 3.0 document", "content": {"application/json": {"schema": {"type": "object"}}}},
          "404": {"$ref": "#/components/responses/Disabled"}
        }})"},
      {"GET /docs", R"({
        "operationId": "docs",
        "summary": "This document as an HTML page, when SHOW_DOCS is set",
        "tags": ["operations"],
        "security": [],
        "responses": {
          "200": {"description": "The page", "content": {"text/html": {"schema": {"type": "string"}}}},
          "404": {"$ref": "#/components/responses/Disabled"}
        }})"},
  };
  return kOperations;
}

constexpr char kComponents[] = R"({
  "securitySchemes": {
    "signature": {"type": "apiKey", "in": "header", "name": "X-Signature",
      "description": "Hex HMAC-SHA256 with SECRET_KEY of the raw body (for GET: the path) followed by X-Timestamp."},
    "timestamp": {"type": "apiKey", "in": "header", "name": "X-Timestamp",
      "description": "UNIX seconds, within TIMESTAMP_WINDOW of the hook's clock."},
    "jobToken": {"type": "http", "scheme": "bearer", "description": "The job_token of the answer that created the job."}
  },
  "parameters": {
    "wait": {"name": "wait", "in": "query", "required": false,
      "description": "Answer when the job ends, waiting at most this many seconds.",
      "schema": {"type": "integer", "minimum": 0, "maximum": 900}},
    "jobId": {"name": "job_id", "in": "path", "required": true,
      "description": "The job_id of the answer that accepted the trigger.", "schema": {"type": "string"}},
    "requestId": {"name": "X-Request-Id", "in": "header", "required": false,
      "description": "Kept as the request id when it is 1 to 128 letters, digits or ._:- (otherwise one is generated); returned in every answer's X-Request-Id and stored on the job.",
      "schema": {"type": "string", "maxLength": 128}}
  },
  "responses": {
    "BadRequest": {"description": "Malformed body or query; nothing changed", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
    "Unauthorized": {"description": "Missing, malformed or wrong signature, timestamp out of the window, or a replay", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
    "NotFound": {"description": "No such container (after authentication), job, or wrong job token", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
    "PayloadTooLarge": {"description": "The body is larger than MAX_BODY_BYTES", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
    "TooManyRequests": {"description": "Too many deploys are waiting, too many failed signatures from this client (a valid signature still passes), or the key's share of the replay memory (REPLAY_PER_KEY) is full; see Retry-After", "headers": {"Retry-After": {"schema": {"type": "integer"}}}, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
    "EngineUnavailable": {"description": "The Docker engine cannot be reached (nothing was queued or remembered: the same request may be sent again); see Retry-After", "headers": {"Retry-After": {"schema": {"type": "integer"}}}, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
    "Disabled": {"description": "Switched off by configuration", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
  },
  "schemas": {
    "TriggerBody": {
      "type": "object",
      "description": "Either container_name, or both project and service.",
      "properties": {
        "container_name": {"type": "string", "maxLength": 255, "pattern": "^[a-zA-Z0-9][a-zA-Z0-9_.-]*$"},
        "project": {"type": "string", "maxLength": 255},
        "service": {"type": "string", "maxLength": 255}
      },
      "example": {"container_name": "my-container-name"}
    },
    "Accepted": {
      "type": "object",
      "required": ["message", "job_id", "job_token", "status_url", "joined"],
      "properties": {
        "message": {"type": "string", "enum": ["pulling", "building"]},
        "job_id": {"type": "string"},
        "job_token": {"type": "string"},
        "status_url": {"type": "string"},
        "container_name": {"type": "string"},
        "project": {"type": "string"},
        "service": {"type": "string"},
        "joined": {"type": "boolean"}
      }
    },
    "Job": {
      "type": "object",
      "required": ["job_id", "action", "state", "created_at"],
      "properties": {
        "job_id": {"type": "string"},
        "job_token": {"type": "string", "description": "Only in the answer of a ?wait trigger"},
        "joined": {"type": "boolean"},
        "request_id": {"type": "string", "description": "The X-Request-Id of the request that created the job"},
        "action": {"type": "string", "enum": ["pull", "build"]},
        "container_name": {"type": "string"},
        "project": {"type": "string"},
        "service": {"type": "string"},
        "state": {"type": "string", "enum": ["queued", "running", "succeeded", "failed", "rolled_back"]},
        "step": {"type": "string"},
        "error": {"type": "string"},
        "image_id": {"type": "string"},
        "container_id": {"type": "string"},
        "created_at": {"type": "integer", "format": "int64", "description": "UNIX milliseconds"},
        "started_at": {"type": "integer", "format": "int64"},
        "finished_at": {"type": "integer", "format": "int64"},
        "log": {"type": "array", "items": {"type": "string"}}
      }
    },
    "JobList": {
      "type": "object",
      "required": ["jobs"],
      "properties": {"jobs": {"type": "array", "items": {"$ref": "#/components/schemas/Job"}}}
    },
    "Health": {
      "type": "object",
      "required": ["status", "engine", "database"],
      "properties": {
        "status": {"type": "string", "enum": ["ok", "unavailable"]},
        "engine": {"type": "string", "enum": ["ok", "unreachable"]},
        "database": {"type": "string", "enum": ["ok", "unwritable", "disabled"]},
        "error": {"type": "string", "description": "Only with 503: what fails"}
      }
    },
    "Error": {
      "type": "object",
      "required": ["error"],
      "properties": {"error": {"type": "string"}}
    }
  }
})";

std::string Escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string Pretty(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> writer(buffer);
  writer.SetIndent(' ', 2);
  value.Accept(writer);
  return {buffer.GetString(), buffer.GetSize()};
}

std::string Text(const rapidjson::Value& object, const char* key) {
  if (!object.IsObject()) return {};
  auto it = object.FindMember(key);
  return it != object.MemberEnd() && it->value.IsString() ? it->value.GetString() : std::string();
}

// The object a local "$ref" points to ("#/components/responses/X"), or `value`.
const rapidjson::Value& Resolve(const rapidjson::Value& document, const rapidjson::Value& value) {
  const std::string ref = Text(value, "$ref");
  if (ref.rfind("#/", 0) != 0) return value;
  const rapidjson::Value* at = &document;
  std::size_t start = 2;
  while (start <= ref.size()) {
    const auto slash = ref.find('/', start);
    const std::string key =
        ref.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (!at->IsObject() || !at->HasMember(key.c_str())) return value;
    at = &(*at)[key.c_str()];
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return *at;
}

std::string OperationHtml(const rapidjson::Value& document, const std::string& method,
                          const std::string& path, const rapidjson::Value& operation) {
  std::string html = "<section class=\"op\"><h3><span class=\"method " + method + "\">" + method +
                     "</span> <code>" + Escape(path) + "</code></h3>\n";
  html += "<p><strong>" + Escape(Text(operation, "summary")) + "</strong></p>\n";
  if (auto description = Text(operation, "description"); !description.empty()) {
    html += "<p>" + Escape(description) + "</p>\n";
  }
  if (operation.HasMember("requestBody")) {
    html += "<p>Body: <a href=\"#schema-TriggerBody\">TriggerBody</a> (application/json)</p>\n";
  }
  if (auto params = operation.FindMember("parameters");
      params != operation.MemberEnd() && params->value.IsArray()) {
    html += "<p>Parameters:</p><ul>\n";
    for (const auto& reference : params->value.GetArray()) {
      const rapidjson::Value& param = Resolve(document, reference);
      html += "<li><code>" + Escape(Text(param, "name")) + "</code> (" + Escape(Text(param, "in")) +
              ") " + Escape(Text(param, "description")) + "</li>\n";
    }
    html += "</ul>\n";
  }
  html += "<table><tr><th>status</th><th>meaning</th></tr>\n";
  for (const auto& response : operation["responses"].GetObject()) {
    std::string meaning = Text(Resolve(document, response.value), "description");
    html += "<tr><td>" + Escape(response.name.GetString()) + "</td><td>" + Escape(meaning) +
            "</td></tr>\n";
  }
  return html + "</table></section>\n";
}

}  // namespace

std::string OpenApiDocument(std::string_view version) {
  std::map<std::string, std::string> by_path;  // path → "method": operation, ...
  std::vector<std::string> order;
  for (const Route& route : Routes()) {
    const std::string path(route.path);
    std::string method(route.method);
    const auto operation = Operations().find(method + " " + path);
    for (char& c : method) c = static_cast<char>(c - 'A' + 'a');
    if (!by_path.count(path)) order.push_back(path);
    std::string& entry = by_path[path];
    if (!entry.empty()) entry += ",";
    entry += "\"" + method +
             "\":" + (operation == Operations().end() ? std::string("{}") : operation->second);
  }
  std::string document =
      R"({"openapi":"3.0.3","info":{"title":"docker-delivery-hook","version":")" +
      std::string(version) +
      R"(","description":"Redeploys one Docker Compose service per signed request. Every answer carries X-Request-Id."},"tags":[{"name":"deploy"},{"name":"jobs"},{"name":"operations"}],"paths":{)";
  bool first = true;
  for (const auto& path : order) {
    if (!first) document += ",";
    document += "\"" + path + "\":{" + by_path[path] + "}";
    first = false;
  }
  document += std::string("},\"components\":") + kComponents + "}";
  // Re-serialized compactly: one canonical text whatever the fragments' spacing.
  rapidjson::Document parsed;
  parsed.Parse(document.c_str(), document.size());
  if (parsed.HasParseError()) return document;  // the test reports the parse error
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  parsed.Accept(writer);
  return {buffer.GetString(), buffer.GetSize()};
}

std::string DocsPage(const std::string& openapi_json) {
  rapidjson::Document doc;
  doc.Parse(openapi_json.c_str(), openapi_json.size());
  std::string html = R"(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>docker-delivery-hook API</title>
<style>
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
code,pre{font-family:ui-monospace,monospace}pre{background:#f6f6f6;padding:.8rem;overflow:auto}
.op{border:1px solid #ddd;border-radius:6px;padding:.2rem 1rem;margin:1rem 0}
.method{display:inline-block;min-width:4rem;text-align:center;border-radius:4px;color:#fff;padding:.1rem .4rem}
.GET{background:#2b6cb0}.POST{background:#2f855a}
table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.2rem .6rem;text-align:left}
</style></head><body>
)";
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("paths")) {
    return html + "<p>The API description could not be read.</p></body></html>\n";
  }
  html += "<h1>" + Escape(Text(doc["info"], "title")) + " <small>" +
          Escape(Text(doc["info"], "version")) + "</small></h1>\n<p>" +
          Escape(Text(doc["info"], "description")) +
          "</p>\n<p>The machine-readable description: <a href=\"/openapi.json\">/openapi.json</a> "
          "(OpenAPI 3.0).</p>\n<h2>Operations</h2>\n";
  for (const auto& path : doc["paths"].GetObject()) {
    for (const auto& operation : path.value.GetObject()) {
      std::string method = operation.name.GetString();
      for (char& c : method) c = static_cast<char>(c - 'a' + 'A');
      html += OperationHtml(doc, method, path.name.GetString(), operation.value);
    }
  }
  html += "<h2>Authentication</h2>\n";
  for (const auto& scheme : doc["components"]["securitySchemes"].GetObject()) {
    html += "<p><code>" + Escape(scheme.name.GetString()) +
            "</code>: " + Escape(Text(scheme.value, "description")) + "</p>\n";
  }
  html += "<h2>Schemas</h2>\n";
  for (const auto& schema : doc["components"]["schemas"].GetObject()) {
    html += "<h3 id=\"schema-" + Escape(schema.name.GetString()) + "\">" +
            Escape(schema.name.GetString()) + "</h3>\n<pre>" + Escape(Pretty(schema.value)) +
            "</pre>\n";
  }
  return html + "</body></html>\n";
}

}  // namespace deliveryhook::app
