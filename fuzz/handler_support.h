// A WebhookHandler whose backend never touches an engine, shared by the
// request fuzzers, and the invariant every answer must keep.
#ifndef DELIVERYHOOK_FUZZ_HANDLER_SUPPORT_H_
#define DELIVERYHOOK_FUZZ_HANDLER_SUPPORT_H_

#include <rapidjson/document.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "handler_harness.h"
#include "webhook_handler.h"

namespace fuzz {

constexpr char kSecret[] = "fuzz-secret";
constexpr std::int64_t kNow = 1800000000;

inline deliveryhook::app::DeployBackend FakeBackend() {
  using deliveryhook::Error;
  using deliveryhook::ErrorCode;
  using deliveryhook::Result;
  using namespace deliveryhook::deploy;
  deliveryhook::app::DeployBackend backend;
  backend.resolve = [](const TargetSelector& selector) -> Result<Target> {
    if (selector.container_name == "down") return Error(ErrorCode::kUnavailable, "engine down");
    if (selector.container_name != "web" && selector.service != "web") {
      return Error(ErrorCode::kNotFound, "no such container");
    }
    Target target;
    target.container_id = "0123456789abcdef";
    target.container_name = "web";
    target.project = "app";
    target.service = "web";
    return target;
  };
  backend.deploy = [](const Target&, Action, const ProgressSink& progress) -> Result<DeployOutcome> {
    progress.on_step(deliveryhook::deploy::Step::kPulling);
    progress.on_log("layer1: Downloading 1/2");
    return DeployOutcome{"newcontainer", "sha256:new"};
  };
  return backend;
}

// One handler for the whole run; the clock moves one second per input so a
// signed input is never a replay of an earlier one only by accident.
struct Harness {
  std::atomic<std::int64_t> now{kNow};
  deliveryhook::app::HandlerHarness handler{
      std::make_shared<deliveryhook::webhook::SignatureVerifier>(
          kSecret, deliveryhook::webhook::VerifierOptions{std::chrono::seconds(300), 100000},
          [this] { return now.load(); }),
      FakeBackend(), deliveryhook::app::HandlerOptions{.max_body_bytes = 4096}};

  static Harness& Get() {
    static Harness* harness = new Harness();  // never destroyed: jobs may still run at exit
    return *harness;
  }
};

// Every refusal is a 4xx or 503 with a JSON object {"error": non-empty string}.
inline void CheckReply(const deliveryhook::app::Reply& reply) {
  if (reply.status < 400) return;
  if (reply.status >= 500 && reply.status != 503) __builtin_trap();
  rapidjson::Document json;
  json.Parse(reply.body.c_str(), reply.body.size());
  if (json.HasParseError() || !json.IsObject()) __builtin_trap();
  if (!json.HasMember("error") || !json["error"].IsString() || json["error"].GetStringLength() == 0) {
    __builtin_trap();
  }
}

}  // namespace fuzz

#endif  // DELIVERYHOOK_FUZZ_HANDLER_SUPPORT_H_
