// Which connection makes room at the cap, over socket pairs: the one idle
// the longest, never a busy one; and Stop() ends the idle ones.
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "connection_registry.h"

namespace deliveryhook::app {
namespace {

using namespace std::chrono_literals;

// A connected pair: the registry gets `server`; `client` sees its shutdown.
struct Pair {
  Pair() {
    int fds[2];
    EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    server = fds[0];
    client = fds[1];
  }
  ~Pair() {
    close(server);
    close(client);
  }
  // True when the server end was shut down (the client reads the end).
  bool ShutDown() const {
    char byte;
    return recv(client, &byte, 1, MSG_DONTWAIT) == 0;
  }
  int server;
  int client;
};

TEST(ConnectionRegistryTest, AtTheCapTheOldestIdleConnectionIsShutDown) {
  ConnectionRegistry registry(3);
  Pair a, b, c, d;
  const auto id_a = registry.Admit(a.server);
  std::this_thread::sleep_for(2ms);
  const auto id_b = registry.Admit(b.server);
  std::this_thread::sleep_for(2ms);
  const auto id_c = registry.Admit(c.server);
  EXPECT_FALSE(id_a.over_capacity || id_b.over_capacity || id_c.over_capacity);
  registry.MarkBusy(id_a.id);  // the oldest, but being answered
  const auto id_d = registry.Admit(d.server);
  EXPECT_FALSE(id_d.over_capacity);
  EXPECT_FALSE(a.ShutDown());
  EXPECT_TRUE(b.ShutDown());
  EXPECT_FALSE(c.ShutDown());
  EXPECT_EQ(registry.counted(), 3u);
  EXPECT_EQ(registry.evicted(), 1u);
  // Its thread removes it later; that changes nothing for the count.
  registry.Remove(id_b.id);
  EXPECT_EQ(registry.counted(), 3u);
  // Idle again after its answer: it is now the youngest idle one.
  std::this_thread::sleep_for(2ms);
  EXPECT_TRUE(registry.MarkIdle(id_a.id));
  Pair e;
  EXPECT_FALSE(registry.Admit(e.server).over_capacity);
  EXPECT_TRUE(c.ShutDown());
  EXPECT_FALSE(a.ShutDown());
}

TEST(ConnectionRegistryTest, WhenAllAreBusyTheNewOneIsOverCapacityAndNotCounted) {
  ConnectionRegistry registry(1);
  Pair a, b;
  const auto id_a = registry.Admit(a.server);
  registry.MarkBusy(id_a.id);
  const auto id_b = registry.Admit(b.server);
  EXPECT_TRUE(id_b.over_capacity);
  EXPECT_FALSE(a.ShutDown());
  EXPECT_EQ(registry.counted(), 1u);
  registry.Remove(id_b.id);
  registry.Remove(id_a.id);
  EXPECT_EQ(registry.counted(), 0u);
  Pair c;
  EXPECT_FALSE(registry.Admit(c.server).over_capacity);
}

TEST(ConnectionRegistryTest, StopShutsDownTheIdleOnesAndEndsTheOthersAfterTheirAnswer) {
  ConnectionRegistry registry(10);
  Pair idle, busy;
  registry.Admit(idle.server);
  const auto id_busy = registry.Admit(busy.server);
  registry.MarkBusy(id_busy.id);
  registry.Stop();
  EXPECT_TRUE(idle.ShutDown());
  EXPECT_FALSE(busy.ShutDown());
  EXPECT_FALSE(registry.MarkIdle(id_busy.id));
}

}  // namespace
}  // namespace deliveryhook::app
