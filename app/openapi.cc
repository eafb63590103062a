#include "openapi.h"

#include <rapidjson/document.h>
#include <rapidjson/pointer.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <string>

#include "http_exchange.h"
#include "util/json_fields.h"

namespace deliveryhook::app {
namespace {

std::string Pretty(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> writer(buffer);
  writer.SetIndent(' ', 2);
  value.Accept(writer);
  return {buffer.GetString(), buffer.GetSize()};
}

// A missing or mistyped member reads as "": a page with a gap, not a failure.
using deliveryhook::util::GetString;

// The object a local "$ref" points to ("#/components/responses/X"), or `value`.
const rapidjson::Value& Resolve(const rapidjson::Value& document, const rapidjson::Value& value) {
  const std::string ref = GetString(value, "$ref");
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
                     "</span> <code>" + HtmlEscape(path) + "</code></h3>\n";
  html += "<p><strong>" + HtmlEscape(GetString(operation, "summary")) + "</strong></p>\n";
  if (auto description = GetString(operation, "description"); !description.empty()) {
    html += "<p>" + HtmlEscape(description) + "</p>\n";
  }
  if (operation.HasMember("requestBody")) {
    html += "<p>Body: <a href=\"#schema-TriggerBody\">TriggerBody</a> (application/json)</p>\n";
  }
  if (auto params = operation.FindMember("parameters");
      params != operation.MemberEnd() && params->value.IsArray()) {
    html += "<p>Parameters:</p><ul>\n";
    for (const auto& reference : params->value.GetArray()) {
      const rapidjson::Value& param = Resolve(document, reference);
      html += "<li><code>" + HtmlEscape(GetString(param, "name")) + "</code> (" +
              HtmlEscape(GetString(param, "in")) + ") " + HtmlEscape(GetString(param, "description")) +
              "</li>\n";
    }
    html += "</ul>\n";
  }
  html += "<table><tr><th>status</th><th>meaning</th></tr>\n";
  for (const auto& response : operation["responses"].GetObject()) {
    std::string meaning = GetString(Resolve(document, response.value), "description");
    html += "<tr><td>" + HtmlEscape(response.name.GetString()) + "</td><td>" + HtmlEscape(meaning) +
            "</td></tr>\n";
  }
  return html + "</table></section>\n";
}

}  // namespace

std::string OpenApiDocument(std::string_view version) {
  const std::string_view text = OpenApiJsonText();
  rapidjson::Document document;
  document.Parse(text.data(), text.size());
  if (document.HasParseError() || !document.IsObject()) {
    return std::string(text);  // the openapi test reports the parse error
  }
  // The file cannot know the version of the build that serves it.
  rapidjson::Pointer("/info/version").Set(document, std::string(version).c_str());
  // Re-serialized compactly: the answer does not depend on the file's layout.
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  document.Accept(writer);
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
  html += "<h1>" + HtmlEscape(GetString(doc["info"], "title")) + " <small>" +
          HtmlEscape(GetString(doc["info"], "version")) + "</small></h1>\n<p>" +
          HtmlEscape(GetString(doc["info"], "description")) +
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
    html += "<p><code>" + HtmlEscape(scheme.name.GetString()) +
            "</code>: " + HtmlEscape(GetString(scheme.value, "description")) + "</p>\n";
  }
  html += "<h2>Schemas</h2>\n";
  for (const auto& schema : doc["components"]["schemas"].GetObject()) {
    html += "<h3 id=\"schema-" + HtmlEscape(schema.name.GetString()) + "\">" +
            HtmlEscape(schema.name.GetString()) + "</h3>\n<pre>" + HtmlEscape(Pretty(schema.value)) +
            "</pre>\n";
  }
  return html + "</body></html>\n";
}

}  // namespace deliveryhook::app
