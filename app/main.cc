// delivery-hook: redeploy a Docker Compose service from a signed HTTP request.
// The commands (serve, trigger, rollback, sign, jobs) live in cli.cc.
#include "cli.h"

int main(int argc, char** argv) { return deliveryhook::app::cli::RunCli(argc, argv); }
