#include "health.h"

#include "request_log.h"
#include "http_exchange.h"

namespace deliveryhook::app {

HealthCheck::HealthCheck(HealthProbes probes, std::chrono::milliseconds cache_for, Clock clock)
    : probes_(std::move(probes)), cache_for_(cache_for), clock_(std::move(clock)) {}

Reply HealthCheck::Check() {
  MutexLock lock(mutex_);
  const auto now = clock_();
  if (!checked_at_ || now - *checked_at_ >= cache_for_) {
    std::string engine = "ok";
    if (probes_.engine) {
      if (auto pinged = probes_.engine(); !pinged) {
        engine = "unreachable";
        RequestLog::Line(LogLevel::kWarn, "event=health_check part=engine error=" +
                                              LogValue(pinged.error().message()));
      }
    }
    std::string database = "disabled";
    if (auto written = probes_.database ? probes_.database() : std::nullopt; written) {
      database = "ok";
      if (!*written) {
        database = "unwritable";
        RequestLog::Line(LogLevel::kWarn, "event=health_check part=database error=" +
                                              LogValue(written->error().message()));
      }
    }
    const bool ok = engine == "ok" && database != "unwritable";
    status_ = ok ? 200 : 503;
    body_ = std::string("{\"status\":\"") + (ok ? "ok" : "unavailable") + "\",\"engine\":\"" +
            engine + "\",\"database\":\"" + database + "\"";
    // Like every other refusal, a 503 says why in "error".
    if (!ok) {
      std::string error;
      if (engine != "ok") error = "the Docker engine does not answer";
      if (database == "unwritable") {
        error += std::string(error.empty() ? "" : "; ") + "the job database takes no writes";
      }
      body_ += ",\"error\":\"" + error + "\"";
    }
    body_ += "}";
    checked_at_ = now;
  }
  return {status_, body_, {}};
}

}  // namespace deliveryhook::app
