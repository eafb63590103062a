#include "fake_daemon/fake_engine.h"

#include <chrono>
#include <memory>
#include <regex>
#include <stdexcept>

namespace deliveryhook::testing {

std::string FakeEngine::RecordedRequest::Param(const std::string& key) const {
  const auto it = params.find(key);
  return it == params.end() ? std::string() : it->second;
}

std::string FakeEngine::RecordedRequest::HeaderValue(const std::string& key) const {
  const auto it = headers.find(key);
  return it == headers.end() ? std::string() : it->second;
}

FakeEngine::FakeEngine(std::string api_version) {
  On("GET", "/_ping", [api_version](const httplib::Request&, httplib::Response& res) {
    res.set_header("Api-Version", api_version);
    res.set_content("OK", "text/plain");
  });
  On("HEAD", "/_ping", [api_version](const httplib::Request&, httplib::Response& res) {
    res.set_header("Api-Version", api_version);
  });
  auto dispatch = [this](const httplib::Request& req, httplib::Response& res) { Dispatch(req, res); };
  server_.Get(".*", dispatch);
  server_.Post(".*", dispatch);
  server_.Put(".*", dispatch);
  server_.Delete(".*", dispatch);
  server_.Options(".*", dispatch);

  port_ = server_.bind_to_any_port("127.0.0.1");
  if (port_ < 0) throw std::runtime_error("fake engine: cannot bind a port");
  thread_ = std::thread([this] { server_.listen_after_bind(); });
  // stop() is lost if it comes before the accept loop runs.
  while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

FakeEngine::~FakeEngine() {
  server_.stop();
  if (thread_.joinable()) thread_.join();
}

void FakeEngine::On(const std::string& method, const std::string& path_regex, Handler handler) {
  std::lock_guard lock(mutex_);
  routes_.push_back(Route{method, path_regex, std::move(handler)});
}

std::vector<FakeEngine::RecordedRequest> FakeEngine::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

void FakeEngine::Json(httplib::Response& res, int status, const std::string& body) {
  res.status = status;
  res.set_content(body, "application/json");
}

void FakeEngine::Stream(httplib::Response& res, std::vector<std::string> pieces) {
  res.status = 200;
  auto shared = std::make_shared<std::vector<std::string>>(std::move(pieces));
  auto next = std::make_shared<size_t>(0);
  res.set_chunked_content_provider("application/json", [shared, next](size_t, httplib::DataSink& sink) {
    if (*next < shared->size()) {
      const std::string& piece = (*shared)[(*next)++];
      sink.write(piece.data(), piece.size());
    } else {
      sink.done();
    }
    return true;
  });
}

void FakeEngine::Dispatch(const httplib::Request& req, httplib::Response& res) {
  Handler handler;
  {
    std::lock_guard lock(mutex_);
    RecordedRequest recorded;
    recorded.method = req.method;
    recorded.path = req.path;
    recorded.target = req.target;
    for (const auto& [key, value] : req.params) recorded.params.emplace(key, value);
    for (const auto& [key, value] : req.headers) recorded.headers.emplace(key, value);
    recorded.body = req.body;
    requests_.push_back(std::move(recorded));
    for (auto it = routes_.rbegin(); it != routes_.rend(); ++it) {
      if (it->method == req.method && std::regex_match(req.path, std::regex(it->path_regex))) {
        handler = it->handler;
        break;
      }
    }
  }
  if (handler) {
    handler(req, res);
  } else {
    Json(res, 404, R"({"message":"page not found"})");
  }
}

}  // namespace deliveryhook::testing
