// Redeploys one compose service by container name, pulling its image first:
//   redeploy my-container-name
#include <deliveryhook/deploy/deployer.h>

#include <iostream>
#include <string>

int main(int argc, char** argv) {
  if (argc != 2 || std::string(argv[1]) == "--help") {
    std::cout << "usage: redeploy <container-name>\n";
    return argc == 2 ? 0 : 2;
  }
  using namespace deliveryhook;
  auto client = engine::Client::Connect({});
  if (!client) return std::cerr << client.error() << "\n", 1;
  deploy::Deployer deployer(*client, {compose::ProcessEnvironment()});
  auto target = deployer.Resolve({.container_name = argv[1]});
  if (!target) return std::cerr << target.error() << "\n", 1;
  auto done = deployer.Deploy(*target, deploy::Action::kPull,
                              {nullptr, [](std::string_view line) { std::cout << line << "\n"; }});
  if (!done) return std::cerr << done.error() << "\n", 1;
  std::cout << "now running " << done->image_id << " in " << done->container_id << "\n";
}
