#include "deploy/swap.h"

#include <algorithm>
#include <thread>
#include <vector>

#include "deploy/swap_names.h"

namespace deliveryhook::deploy {

std::string_view ToString(Step step) {
  switch (step) {
    case Step::kLoading: return "loading";
    case Step::kPulling: return "pulling";
    case Step::kBuilding: return "building";
    case Step::kUnchanged: return "unchanged";
    case Step::kRecreating: return "recreating";
    case Step::kVerifying: return "verifying";
    case Step::kRollingBack: return "rolling back";
    case Step::kRestartingDependants: return "restarting dependants";
  }
  return "unknown";
}

std::string_view ToString(Checkpoint checkpoint) {
  switch (checkpoint) {
    case Checkpoint::kCreated: return "created";
    case Checkpoint::kStopped: return "stopped";
    case Checkpoint::kMovedAside: return "moved_aside";
    case Checkpoint::kRenamed: return "renamed";
    case Checkpoint::kStarted: return "started";
  }
  return "unknown";
}

namespace {

// A rollback appends "; rolled back to the old container".
Error Aborted() { return Error(ErrorCode::kUnavailable, "the hook was stopping"); }
Error AbortedBeforeSwap() {
  return Error(ErrorCode::kUnavailable, "the hook was stopping; nothing on the host changed");
}

std::string ShortId(const std::string& id) { return id.substr(0, kShortIdLength); }

class Swap {
 public:
  Swap(engine::EngineApi& engine, const SwapPlan& plan, const ProgressSink& events)
      : engine_(engine),
        plan_(plan),
        events_(events),
        old_name_(plan.container_name),
        old_running_(plan.old_container.state.running) {}

  Result<std::string> Run() {
    const std::string temporary_name =
        TemporaryNameFor(plan_.old_container.id, plan_.container_name);
    auto created = CreateReplacingLeftover(temporary_name);
    if (!created) {
      // Nothing was made, but the pull or build already moved the tag.
      RestoreImageTag();
      return created.error();
    }
    new_id_ = *created;
    new_name_ = temporary_name;
    Reached(Checkpoint::kCreated);
    if (AbortRequested()) return Abandon(AbortedBeforeSwap());
    for (const auto& later : plan_.spec.later_networks) {
      if (auto connected = engine_.ConnectNetwork(later.network, new_id_, later.endpoint_json);
          !connected) {
        return Abandon(connected.error().WithContext("connect network " + later.network));
      }
    }
    Log("created " + ShortId(new_id_));
    // environment/content secrets and configs, before the first start (compose
    // copies them right before its start too).
    for (const auto& file : plan_.spec.copy_in) {
      if (auto copied = engine_.CopyToContainer(new_id_, "/", file.tar, file.copy_uid_gid); !copied) {
        return Abandon(copied.error().WithContext("copy " + file.target + " into the new container"));
      }
    }
    return plan_.order == SwapOrder::kStartFirst ? StartThenStop() : StopThenStart();
  }

 private:
  // compose's order: the service is down from the old container's stop to
  // the new one's start.
  Result<std::string> StopThenStart() {
    if (auto stopped = StopOld(); !stopped) return Abandon(stopped.error());
    if (AbortRequested()) return RollBack(Aborted());
    if (auto named = MoveAsideAndRename(); !named) return RollBack(named.error());
    if (AbortRequested()) return RollBack(Aborted());
    if (auto started = engine_.StartContainer(new_id_); !started) {
      return RollBack(started.error().WithContext("start the new container"));
    }
    Reached(Checkpoint::kStarted);
    if (AbortRequested()) return RollBack(Aborted());
    Report(Step::kVerifying);
    if (auto verified = VerifyRunning(); !verified) return RollBack(verified.error());
    RemoveOld();
    return new_id_;
  }

  // `order: start-first`: the new container starts under its temporary name
  // and must pass the same check while the old one still serves; only then
  // is the old one stopped and the names swapped. A new container that fails
  // is dropped without the old one ever being touched.
  Result<std::string> StartThenStop() {
    if (auto started = engine_.StartContainer(new_id_); !started) {
      return Abandon(started.error().WithContext("start the new container"));
    }
    Reached(Checkpoint::kStarted);
    if (AbortRequested()) return Abandon(Aborted());
    Report(Step::kVerifying);
    if (auto verified = VerifyRunning(); !verified) {
      return Abandon(Error(verified.error().code(),
                           verified.error().message() + "; the old container kept running"));
    }
    if (auto stopped = StopOld(); !stopped) {
      if (stopped.error().code() != ErrorCode::kNotFound) return Abandon(stopped.error());
      // Someone else removed the old container meanwhile (a `docker compose
      // up -d` takes the two for one replica too many): dropping the verified
      // new one now would leave the service with no container at all.
      return TakeOverFromARemovedOldContainer();
    }
    if (AbortRequested()) return RollBack(Aborted());
    if (auto named = MoveAsideAndRename(); !named) return RollBack(named.error());
    RemoveOld();
    return new_id_;
  }

  Result<std::string> TakeOverFromARemovedOldContainer() {
    Log("the old container was removed by someone else; the new one takes its name");
    if (auto renamed = engine_.RenameContainer(new_id_, plan_.container_name); !renamed) {
      return renamed.error().WithContext(
          "the old container was removed by someone else; rename the new container");
    }
    new_name_ = plan_.container_name;
    Reached(Checkpoint::kRenamed);
    return new_id_;
  }

  Status StopOld() {
    old_stop_attempted_ = true;
    if (auto stopped = engine_.StopContainer(plan_.old_container.id); !stopped) {
      return stopped.error().WithContext("stop the old container");
    }
    old_running_ = false;
    Reached(Checkpoint::kStopped);
    return Ok();
  }

  // The old container gives up the service's name to the new one.
  Status MoveAsideAndRename() {
    if (auto moved = engine_.RenameContainer(plan_.old_container.id, AsideName()); !moved) {
      return moved.error().WithContext("rename the old container");
    }
    old_name_ = AsideName();
    Reached(Checkpoint::kMovedAside);
    if (AbortRequested()) return Aborted();
    if (auto renamed = engine_.RenameContainer(new_id_, plan_.container_name); !renamed) {
      return renamed.error().WithContext("rename the new container");
    }
    new_name_ = plan_.container_name;
    Reached(Checkpoint::kRenamed);
    return Ok();
  }

  void RemoveOld() {
    if (auto removed = engine_.RemoveContainer(plan_.old_container.id); !removed) {
      // The service runs the new image; a leftover stopped container is untidy
      // but harmless, so the deploy still counts.
      Log("could not remove the old container: " + removed.error().message());
    }
  }

  std::string AsideName() const {
    return AsideNameFor(plan_.old_container.id, plan_.container_name);
  }

  // A container left under the temporary name by an interrupted deploy is
  // removed and the create tried again.
  Result<std::string> CreateReplacingLeftover(const std::string& temporary_name) {
    auto created = engine_.CreateContainer(temporary_name, plan_.spec.create_body, plan_.spec.platform);
    if (created || created.error().code() != ErrorCode::kConflict) return created;
    auto leftover = engine_.InspectContainer(temporary_name);
    if (!leftover || leftover->id == plan_.old_container.id) return created;
    if (auto removed = engine_.RemoveContainer(leftover->id, /*force=*/true); !removed) {
      return created;
    }
    return engine_.CreateContainer(temporary_name, plan_.spec.create_body, plan_.spec.platform);
  }

  // A container with a healthcheck must become healthy within the health
  // timeout; one without must still be running after the settle time.
  Status VerifyRunning() {
    using Clock = std::chrono::steady_clock;
    const auto started = Clock::now();
    constexpr auto kPollInterval = std::chrono::milliseconds(250);
    while (true) {
      if (AbortRequested()) return Aborted();
      auto state = engine_.InspectContainer(new_id_);
      if (!state) return state.error();
      const auto elapsed = Clock::now() - started;
      if (!state->state.running) {
        return Error(ErrorCode::kFailedPrecondition,
                     "the new container stopped right after start (exit code " +
                         std::to_string(state->state.exit_code) + ")");
      }
      const std::string& health = state->state.health;
      if (health == "unhealthy") {
        return Error(ErrorCode::kFailedPrecondition, "the new container is unhealthy");
      }
      if (health == "healthy" || (health.empty() && elapsed >= plan_.settle_time)) return Ok();
      if (!health.empty() && elapsed >= plan_.health_timeout) {
        return Error(ErrorCode::kDeadlineExceeded,
                     "the new container did not become healthy within " +
                         std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                            plan_.health_timeout).count()) + " seconds");
      }
      auto remaining =
          health.empty() ? plan_.settle_time - elapsed : Clock::duration(kPollInterval);
      std::this_thread::sleep_for(std::min<Clock::duration>(remaining, kPollInterval));
    }
  }

  // Before the old container was touched: just drop the new one (and start
  // the old one again if its stop was tried).
  Error Abandon(Error error) {
    RemoveNew();
    RestoreImageTag();
    if (old_stop_attempted_) StartOld();
    return Undone(std::move(error), "cleanup", /*rolled_back=*/false);
  }

  // The old container was stopped: remove the new one, give the old one its
  // name back and start it.
  Error RollBack(Error error) {
    Report(Step::kRollingBack);
    RemoveNew();
    if (old_name_ != plan_.container_name) {
      if (auto renamed = engine_.RenameContainer(plan_.old_container.id, plan_.container_name);
          !renamed) {
        undo_failures_.push_back("give the old container its name back (" +
                                 renamed.error().message() + ")");
      } else {
        old_name_ = plan_.container_name;
      }
    }
    RestoreImageTag();
    if (plan_.old_container.state.running) StartOld();
    return Undone(std::move(error), "rollback", /*rolled_back=*/true);
  }

  void RemoveNew() {
    if (auto removed = engine_.RemoveContainer(new_id_, /*force=*/true); !removed) {
      undo_failures_.push_back("remove the new container (" + removed.error().message() + ")");
    } else {
      new_id_.clear();
    }
  }

  void StartOld() {
    if (auto started = engine_.StartContainer(plan_.old_container.id); !started) {
      undo_failures_.push_back("restart the old container (" + started.error().message() + ")");
    } else {
      old_running_ = true;
    }
  }

  // The swap's error, with how the undoing went: "; rolled back to the old
  // container" when it all worked, else which steps failed and what the host
  // is left with, so the operator knows what to clean up.
  Error Undone(Error error, std::string_view what, bool rolled_back) {
    if (undo_failures_.empty()) {
      if (!rolled_back) return error;
      return Error(error.code(), error.message() + "; rolled back to the old container",
                   error.http_status())
          .RolledBack();
    }
    std::string message = error.message() + "; the " + std::string(what) + " failed: could not ";
    for (std::size_t i = 0; i < undo_failures_.size(); ++i) {
      if (i != 0) message += ", could not ";
      message += undo_failures_[i];
    }
    message += "; left: ";
    if (!new_id_.empty()) {
      message += "the new container " + ShortId(new_id_) + " as " + new_name_ + ", ";
    }
    message += "the old container as " + old_name_ + (old_running_ ? ", running" : ", stopped");
    return Error(error.code(), message, error.http_status());
  }

  // The pull or build moved the service's tag to the new image; pointing it
  // back at the image the old container runs keeps compose in agreement with
  // what runs (otherwise its next `up -d` would deploy the failed image).
  void RestoreImageTag() {
    const std::string& old_image = plan_.old_container.image;
    if (old_image.empty() || old_image == plan_.image_id) return;
    if (auto tagged = engine_.TagImage(old_image, plan_.image_reference); !tagged) {
      Log("could not point " + plan_.image_reference +
          " back at the previous image: " + tagged.error().message());
    }
  }

  void Report(Step step) {
    if (events_.on_step) events_.on_step(step);
  }
  void Reached(Checkpoint checkpoint) {
    if (events_.on_checkpoint) events_.on_checkpoint(checkpoint);
  }
  void Log(std::string_view line) {
    if (events_.on_log) events_.on_log(line);
  }
  bool AbortRequested() { return events_.should_abort && events_.should_abort(); }

  engine::EngineApi& engine_;
  const SwapPlan& plan_;
  const ProgressSink& events_;
  std::string new_id_;    // empty once removed
  std::string new_name_;  // the new container's name now
  std::string old_name_;  // the old container's name now
  bool old_running_;
  bool old_stop_attempted_ = false;
  std::vector<std::string> undo_failures_;  // "remove the new container (<why>)", ...
};

}  // namespace

Result<std::string> RunSwap(engine::EngineApi& engine, const SwapPlan& plan,
                            const ProgressSink& events) {
  return Swap(engine, plan, events).Run();
}

}  // namespace deliveryhook::deploy
