// A lease's holder names its pid and host (ops/lease_holder.h); only a dead pid on this host is stale.
#include "ops/lease_holder.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

namespace cv::ops {
namespace {

std::string Host() {
  char host[256] = {};
  EXPECT_EQ(::gethostname(host, sizeof host - 1), 0);
  return host;
}

TEST(LeaseHolderTest, DescriptionNamesPidAndHost) {
  EXPECT_EQ(LeaseHolderDescription("prune"), "prune pid " + std::to_string(::getpid()) + " on " + Host());
}

TEST(LeaseHolderTest, OnlyADeadPidOnThisHostIsStale) {
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) ::_exit(0);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);  // reaped: the pid names no process now
  EXPECT_TRUE(HolderIsDeadHere("prune pid " + std::to_string(child) + " on " + Host() + " (key slot x)"));
  EXPECT_FALSE(HolderIsDeadHere("prune pid " + std::to_string(::getpid()) + " on " + Host()));  // alive
  EXPECT_FALSE(HolderIsDeadHere("prune pid " + std::to_string(child) + " on another-host"));
  EXPECT_FALSE(HolderIsDeadHere("daemon --maintenance on " + Host()));  // no pid: never called dead
  EXPECT_FALSE(HolderIsDeadHere("prune pid 1 on " + Host()));
}

}  // namespace
}  // namespace cv::ops
