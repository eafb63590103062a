// The libcurl transport: the only file of the project that includes libcurl.
#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "deliveryhook/engine/transport.h"

namespace deliveryhook::engine {
namespace {

void InitCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct EasyDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
using EasyHandle = std::unique_ptr<CURL, EasyDeleter>;

struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using HeaderList = std::unique_ptr<curl_slist, SlistDeleter>;

// Appends one line to a curl_slist; false when curl ran out of memory.
bool Append(HeaderList& list, const std::string& line) {
  curl_slist* grown = curl_slist_append(list.get(), line.c_str());
  if (grown == nullptr) return false;
  (void)list.release();  // curl_slist_append returns the same head, or a new one.
  list.reset(grown);
  return true;
}

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  return text;
}

// State shared with the C callbacks of one transfer.
struct Transfer {
  HttpResponse* response = nullptr;
  const BodyChunkCallback* on_chunk = nullptr;
};

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const size_t bytes = size * count;
  try {
    if (*transfer->on_chunk) {
      (*transfer->on_chunk)(std::string_view(data, bytes));
    } else {
      transfer->response->body.append(data, bytes);
    }
  } catch (...) {
    return 0;  // Aborts the transfer with CURLE_WRITE_ERROR; nothing throws through curl.
  }
  return bytes;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const size_t bytes = size * count;
  try {
    const std::string_view line(data, bytes);
    if (line.starts_with("HTTP/")) {
      // A new response starts (after a 100 Continue, say): forget earlier headers.
      transfer->response->headers.clear();
      return bytes;
    }
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) return bytes;
    transfer->response->headers.emplace_back(Lower(Trim(line.substr(0, colon))),
                                             std::string(Trim(line.substr(colon + 1))));
  } catch (...) {
    return 0;
  }
  return bytes;
}

// "https://host:port" of an absolute URL, for messages; "" when it has no scheme.
std::string Origin(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return {};
  const auto path = url.find_first_of("/?#", scheme_end + 3);
  std::string origin(url.substr(0, path));
  if (const auto at = origin.rfind('@'); at != std::string::npos) {  // drop user:password@
    origin = origin.substr(0, scheme_end + 3) + origin.substr(at + 1);
  }
  return origin;
}

class CurlTransport final : public Transport {
 public:
  // Without an endpoint: requests name absolute URLs (MakeCurlUrlTransport).
  explicit CurlTransport(TransportOptions options) : options_(options), absolute_urls_(true) {}

  CurlTransport(Endpoint endpoint, TransportOptions options)
      : endpoint_(std::move(endpoint)), options_(options) {
    if (endpoint_.kind == Endpoint::Kind::kUnixSocket) {
      base_url_ = "http://localhost";
    } else {
      const bool ipv6 = endpoint_.host.find(':') != std::string::npos;
      base_url_ = (endpoint_.tls ? "https://" : "http://") + (ipv6 ? "[" + endpoint_.host + "]" : endpoint_.host) + ":" +
                  std::to_string(endpoint_.port);
    }
  }

  Result<HttpResponse> Send(const HttpRequest& request, const BodyChunkCallback& on_chunk) override {
    EasyHandle easy(curl_easy_init());
    if (!easy) return Error(ErrorCode::kInternal, "curl_easy_init failed");
    CURL* curl = easy.get();

    HttpResponse response;
    Transfer transfer{&response, &on_chunk};
    char error_buffer[CURL_ERROR_SIZE] = {};
    const std::string url = base_url_ + request.target;
    if (absolute_urls_ && !request.target.starts_with("http://") &&
        !request.target.starts_with("https://")) {
      return Error(ErrorCode::kInvalidArgument, "only http:// and https:// URLs can be called");
    }

    HeaderList headers;
    bool has_content_type = false;
    for (const auto& [name, value] : request.headers) {
      if (Lower(name) == "content-type") has_content_type = true;
      if (!Append(headers, name + ": " + value)) return OutOfMemory();
    }
    // curl would otherwise add "application/x-www-form-urlencoded" to POSTs
    // and "Expect: 100-continue" to large bodies.
    if (!has_content_type && !Append(headers, "Content-Type:")) return OutOfMemory();
    if (!Append(headers, "Expect:")) return OutOfMemory();

    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    if (absolute_urls_) {
      curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
      curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
      if (!options_.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, options_.ca_file.c_str());
    } else {
      if (endpoint_.kind == Endpoint::Kind::kUnixSocket) {
        curl_easy_setopt(curl, CURLOPT_UNIX_SOCKET_PATH, endpoint_.socket_path.c_str());
      }
      curl_easy_setopt(curl, CURLOPT_PROXY, "");  // Never route engine calls through $http_proxy.
    }
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    if (endpoint_.tls) {
      curl_easy_setopt(curl, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
      if (!options_.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, options_.ca_file.c_str());
    }
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(options_.connect_timeout.count() * 1000));
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS,
                     static_cast<long>(options_.request_timeout.count() * 1000));
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &OnBody);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &OnHeader);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &transfer);

    const bool has_body = !request.body.empty() || request.method == "POST" || request.method == "PUT";
    if (request.method == "HEAD") {
      curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    } else if (has_body) {
      curl_easy_setopt(curl, CURLOPT_POST, 1L);
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request.body.size()));
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
      if (request.method != "POST") {
        curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
      }
    } else if (request.method != "GET") {
      curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }

    const CURLcode code = curl_easy_perform(curl);
    if (code != CURLE_OK) {
      const std::string detail = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(code);
      if (absolute_urls_) return UrlFailure(code, Origin(request.target), detail);
      if (code == CURLE_OPERATION_TIMEDOUT) {
        return Error(ErrorCode::kDeadlineExceeded, Peer() + " did not answer in time: " + detail);
      }
      if (code == CURLE_WRITE_ERROR) {
        return Error(ErrorCode::kInternal, "reading the answer of " + Peer() + " failed: " + detail);
      }
      return Error(ErrorCode::kUnavailable, "cannot reach " + Peer() + ": " + detail);
    }
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    response.status = static_cast<int>(status);
    return response;
  }

 private:
  std::string Peer() const {
    return options_.peer_name.empty() ? "the Docker engine at " + endpoint_.ToString() : options_.peer_name;
  }

  static Error UrlFailure(CURLcode code, const std::string& origin, const std::string& detail) {
    if (code == CURLE_OPERATION_TIMEDOUT) {
      return Error(ErrorCode::kDeadlineExceeded, origin + " did not answer in time: " + detail);
    }
    return Error(ErrorCode::kUnavailable, "cannot reach " + origin + ": " + detail);
  }
  static Error OutOfMemory() { return Error(ErrorCode::kInternal, "out of memory building request headers"); }

  Endpoint endpoint_;
  TransportOptions options_;
  std::string base_url_;
  bool absolute_urls_ = false;
};

}  // namespace

std::unique_ptr<Transport> MakeCurlTransport(const Endpoint& endpoint, const TransportOptions& options) {
  InitCurlOnce();
  return std::make_unique<CurlTransport>(endpoint, options);
}

std::unique_ptr<Transport> MakeCurlUrlTransport(const TransportOptions& options) {
  InitCurlOnce();
  return std::make_unique<CurlTransport>(options);
}

}  // namespace deliveryhook::engine
