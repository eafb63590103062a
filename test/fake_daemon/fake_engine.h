// A fake Docker engine for fault-injection tests: an httplib::Server on
// 127.0.0.1 and an ephemeral port, in its own thread, answering with
// handlers the test programs. Reach it with a "tcp://127.0.0.1:<port>"
// endpoint (this cpp-httplib cannot listen on a unix socket).
//
//   FakeEngine engine;                       // answers GET /_ping with Api-Version 1.51
//   engine.On("POST", "/v1.51/containers/create", [](const auto&, auto& res) {
//     FakeEngine::Json(res, 409, R"({"message":"name in use"})");
//   });
//   auto client = Client::Connect({.docker_host = engine.docker_host()});
//   ... engine.requests() holds what the client sent.
#ifndef DELIVERYHOOK_TEST_FAKE_DAEMON_FAKE_ENGINE_H_
#define DELIVERYHOOK_TEST_FAKE_DAEMON_FAKE_ENGINE_H_

#include <httplib.h>

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace deliveryhook::testing {

class FakeEngine {
 public:
  using Handler = std::function<void(const httplib::Request&, httplib::Response&)>;

  struct RecordedRequest {
    std::string method;
    std::string path;    // decoded, without the query
    std::string target;  // as sent: escaped path and query
    std::multimap<std::string, std::string> params;  // decoded query
    std::multimap<std::string, std::string> headers;
    std::string body;

    std::string Param(const std::string& key) const;
    std::string HeaderValue(const std::string& key) const;
  };

  // Starts listening; GET/HEAD /_ping answer "OK" with `Api-Version:
  // api_version`, anything unprogrammed answers 404 {"message":"page not found"}.
  explicit FakeEngine(std::string api_version = "1.51");
  ~FakeEngine();
  FakeEngine(const FakeEngine&) = delete;
  FakeEngine& operator=(const FakeEngine&) = delete;

  // Answers `method` requests whose decoded path matches `path_regex` (an
  // ECMAScript regex over the whole path). Later registrations win.
  void On(const std::string& method, const std::string& path_regex, Handler handler);

  int port() const { return port_; }
  std::string docker_host() const { return "tcp://127.0.0.1:" + std::to_string(port_); }
  std::vector<RecordedRequest> requests() const;

  // Helpers for handlers.
  static void Json(httplib::Response& res, int status, const std::string& body);
  // A chunked 200 answer that sends each piece as its own chunk.
  static void Stream(httplib::Response& res, std::vector<std::string> pieces);

 private:
  void Dispatch(const httplib::Request& req, httplib::Response& res);

  httplib::Server server_;
  std::thread thread_;
  int port_ = -1;
  mutable std::mutex mutex_;
  struct Route {
    std::string method;
    std::string path_regex;
    Handler handler;
  };
  std::vector<Route> routes_;
  std::vector<RecordedRequest> requests_;
};

}  // namespace deliveryhook::testing

#endif  // DELIVERYHOOK_TEST_FAKE_DAEMON_FAKE_ENGINE_H_
