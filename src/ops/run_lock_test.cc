#include "ops/run_lock.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

namespace cv::ops {
namespace {

std::string TempDir() {
  static int n = 0;
  auto p = std::filesystem::temp_directory_path() /
           ("cv-runlock-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
  std::filesystem::remove_all(p);
  return p;
}

TEST(RunLockTest, SecondTakerIsRefusedNamingTheHolderAndTheLockFreesOnClose) {
  std::string dir = TempDir();
  {
    auto a = RunLock::TryAcquire(dir, "daemon backup nightly-20261206T0100Z");
    ASSERT_TRUE(a.ok()) << a.status().ToString();
    struct stat st {};
    ASSERT_EQ(::stat(a->path().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    ASSERT_EQ(::stat(dir.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700u);
    // flock is per open file description: a second open in this process contends like another process.
    auto b = RunLock::TryAcquire(dir, "backup");
    ASSERT_FALSE(b.ok());
    EXPECT_EQ(b.status().code(), StatusCode::kFailedPrecondition);
    std::string msg = b.status().ToString();
    EXPECT_NE(msg.find("another cassvault (pid " + std::to_string(::getpid()) + ", since "),
              std::string::npos)
        << msg;
    EXPECT_NE(msg.find("daemon backup nightly-20261206T0100Z) is running on this node"), std::string::npos)
        << msg;
    EXPECT_NE(RunLock::Holder(dir).find("daemon backup nightly"), std::string::npos);
  }
  EXPECT_EQ(RunLock::Holder(dir), "");
  auto c = RunLock::TryAcquire(dir, "backup");
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  std::filesystem::remove_all(dir);
}

TEST(RunLockTest, TheOsFreesTheLockOfAKilledHolder) {
  std::string dir = TempDir();
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto l = RunLock::TryAcquire(dir, "child");
    char c = l.ok() ? 'y' : 'n';
    (void)!::write(ready[1], &c, 1);
    ::pause();
    ::_exit(0);
  }
  char c = 0;
  ASSERT_EQ(::read(ready[0], &c, 1), 1);
  ASSERT_EQ(c, 'y');
  EXPECT_FALSE(RunLock::TryAcquire(dir, "parent").ok());
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  EXPECT_TRUE(RunLock::TryAcquire(dir, "parent").ok());
  ::close(ready[0]);
  ::close(ready[1]);
  std::filesystem::remove_all(dir);
}

TEST(RunLockTest, AWaiterSaysWhyOnceAndGetsTheLockWhenFreed) {
  std::string dir = TempDir();
  auto a = RunLock::TryAcquire(dir, "daemon backup x");
  ASSERT_TRUE(a.ok());
  std::vector<std::string> told;
  std::atomic<bool> stop{false};
  std::thread release([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    RunLock gone = std::move(a).value();
  });
  auto b = RunLock::Acquire(
      dir, "second", [&](const std::string& h) { told.push_back(h); }, &stop, 50);
  release.join();
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  ASSERT_EQ(told.size(), 1u);
  EXPECT_NE(told[0].find("daemon backup x"), std::string::npos) << told[0];
  std::filesystem::remove_all(dir);
}

TEST(RunLockTest, StopEndsTheWait) {
  std::string dir = TempDir();
  auto a = RunLock::TryAcquire(dir, "holder");
  ASSERT_TRUE(a.ok());
  std::atomic<bool> stop{true};
  auto b = RunLock::Acquire(dir, "waiter", nullptr, &stop, 10);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), StatusCode::kCancelled);
  std::filesystem::remove_all(dir);
}

TEST(RunLockTest, ASymlinkedLockFileIsRefused) {
  std::string dir = TempDir();
  std::filesystem::create_directories(dir);
  std::string target = dir + "/elsewhere";
  std::filesystem::create_symlink(target, dir + "/run.lock");
  auto a = RunLock::TryAcquire(dir, "x");
  ASSERT_FALSE(a.ok());
  EXPECT_FALSE(std::filesystem::exists(target));  // nothing created through the link
  std::filesystem::remove_all(dir);
}

TEST(RunLockTest, DescribeHolder) {
  EXPECT_EQ(DescribeRunLockHolder("pid=12 since=2026-12-06T10:00:00Z what=daemon backup a\n"),
            "pid 12, since 2026-12-06T10:00:00Z, daemon backup a");
  EXPECT_EQ(DescribeRunLockHolder(""), "");
  EXPECT_EQ(DescribeRunLockHolder("junk"), "");
  EXPECT_EQ(DescribeRunLockHolder("pid=x since=a what=b"), "");
  EXPECT_EQ(DescribeRunLockHolder("pid=1 since=a what=b\x1b[2J"), "pid 1, since a, b[2J");
}

}  // namespace
}  // namespace cv::ops
