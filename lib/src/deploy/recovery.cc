// Deployer::RecoverInterrupted: putting services back in order after the hook
// was killed in the middle of a swap.
//
// What a kill leaves, by the last step that completed:
//   created      old running under its name, new under the temporary name
//   stopped      old stopped under its name, new under the temporary name
//   moved_aside  old stopped under the aside name, new under the temporary name
//   renamed      old stopped aside, new (never started) under the name
//   started      old stopped aside, new running under the name
// A start-first swap (`deploy.update_config.order: start-first`) starts the
// new container before it stops the old one, so it passes other states:
//   started      old running under its name, new running under the temporary name
//   stopped      old stopped under its name, new running under the temporary name
//   moved_aside  old stopped under the aside name, new running under the temporary name
//   renamed      old stopped aside, new running under the name
// The rule covers both orders: a new container that is running under the
// service's name stays; anything else goes back to the old container, and the
// service's image tag, which the deploy had pointed at the new image, back at
// the image the old one runs.
#include <map>

#include "deliveryhook/deploy/deployer.h"
#include "deploy/compose_labels.h"
#include "deploy/image_tag.h"
#include "deploy/swap_names.h"

namespace deliveryhook::deploy {
namespace {

using Containers = std::map<std::string, engine::ContainerSummary>;  // by name

Result<Containers> ListComposeContainers(engine::EngineApi& client) {
  auto listed = client.ListContainers({kProjectLabel});
  if (!listed) return listed.error();
  Containers by_name;
  for (auto& container : *listed) by_name.emplace(container.name, std::move(container));
  return by_name;
}

bool StartsWith(const std::string& text, const std::string& prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

// The old container serves again: its image tag must name its image again.
Status RestoreTag(engine::EngineApi& client, const std::string& container_id, const std::string& name,
                  std::vector<std::string>& repairs) {
  auto container = client.InspectContainer(container_id);
  if (!container) return container.error();
  auto moved = PointTagAtRunningImage(client, *container);
  if (!moved) return moved.error();
  if (*moved) repairs.push_back("pointed the image tag of " + name + " back at the image it runs");
  return Ok();
}

// An old container set aside: keep the new one if it runs, else restore.
Status RecoverAside(engine::EngineApi& client, const engine::ContainerSummary& aside,
                    const SwapName& swap, const Containers& containers,
                    std::vector<std::string>& repairs) {
  auto current = containers.find(swap.name);
  if (current != containers.end() && current->second.state == "running") {
    repairs.push_back("removed the replaced container of " + swap.name);
    return client.RemoveContainer(aside.id, /*force=*/true);
  }
  if (current != containers.end()) {
    if (auto removed = client.RemoveContainer(current->second.id, true); !removed) return removed;
  }
  auto temporary = containers.find(TemporaryNameFor(aside.id, swap.name));
  if (temporary != containers.end()) {
    if (auto removed = client.RemoveContainer(temporary->second.id, true); !removed) return removed;
  }
  if (auto renamed = client.RenameContainer(aside.id, swap.name); !renamed) return renamed;
  repairs.push_back("restored the previous container of " + swap.name);
  if (auto started = client.StartContainer(aside.id); !started) return started;
  return RestoreTag(client, aside.id, swap.name, repairs);
}

// A new container that never got the service's name: drop it, and start the
// old one again if the deploy had already stopped it.
Status RecoverTemporary(engine::EngineApi& client, const engine::ContainerSummary& temporary,
                        const SwapName& swap, const Containers& containers,
                        std::vector<std::string>& repairs) {
  auto old = containers.find(swap.name);
  if (old == containers.end() || !StartsWith(old->second.id, swap.short_id)) {
    return Ok();  // not ours: no old container with that id holds the name
  }
  if (auto removed = client.RemoveContainer(temporary.id, /*force=*/true); !removed) return removed;
  repairs.push_back("removed an unfinished replacement of " + swap.name);
  if (old->second.state != "running") {
    repairs.push_back("restarted " + swap.name);
    if (auto started = client.StartContainer(old->second.id); !started) return started;
  }
  return RestoreTag(client, old->second.id, swap.name, repairs);
}

}  // namespace

Result<std::vector<std::string>> Deployer::RecoverInterrupted() {
  std::vector<std::string> repairs;
  auto containers = ListComposeContainers(client_);
  if (!containers) return containers.error();
  // Aside containers first: restoring one may make a temporary one moot.
  for (const auto& [name, container] : *containers) {
    auto swap = ParseSwapName(name);
    if (!swap || !swap->aside || !StartsWith(container.id, swap->short_id)) continue;
    if (auto recovered = RecoverAside(client_, container, *swap, *containers, repairs); !recovered) {
      // One service's trouble must not keep the others from being repaired.
      repairs.push_back("could not recover " + swap->name + ": " + recovered.error().message());
    }
  }
  containers = ListComposeContainers(client_);
  if (!containers) return containers.error();
  for (const auto& [name, container] : *containers) {
    auto swap = ParseSwapName(name);
    if (!swap || swap->aside || StartsWith(container.id, swap->short_id)) continue;
    if (auto recovered = RecoverTemporary(client_, container, *swap, *containers, repairs);
        !recovered) {
      repairs.push_back("could not recover " + swap->name + ": " + recovered.error().message());
    }
  }
  return repairs;
}

}  // namespace deliveryhook::deploy
