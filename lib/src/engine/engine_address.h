// Error messages shown to a job's reader leave out the engine's address.
#ifndef DELIVERYHOOK_ENGINE_ENGINE_ADDRESS_H_
#define DELIVERYHOOK_ENGINE_ENGINE_ADDRESS_H_

#include <string>

namespace deliveryhook::engine {

// `message` without the engine's address: the transport says "the Docker
// engine at unix:///run/docker.sock: ...", a host path a job's reader need
// not learn ("the Docker engine: ..."). Logs keep the whole message.
std::string WithoutEngineAddress(std::string message);

}  // namespace deliveryhook::engine

#endif  // DELIVERYHOOK_ENGINE_ENGINE_ADDRESS_H_
