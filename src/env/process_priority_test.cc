#include "env/process_priority.h"

#include <gtest/gtest.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <set>
#include <thread>
#include <vector>

namespace cv::env {
namespace {

TEST(ProcessPriority, ParsesTheTwoNamesAndNamesTheSettingOtherwise) {
  EXPECT_EQ(*ParsePriority("background", "backup.priority"), Priority::kBackground);
  EXPECT_EQ(*ParsePriority("normal", "backup.priority"), Priority::kNormal);
  auto bad = ParsePriority("idle", "--priority");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("--priority"), std::string::npos) << bad.status().ToString();
  EXPECT_NE(bad.status().message().find("'idle' is not a priority"), std::string::npos);
}

// A child process with threads started before and after ApplyProcessPriority(kBackground); the parent reads
// every thread's nice and I/O class back from the kernel (/proc/<pid>/task/<tid>/stat, ioprio_get): the
// threads that existed are set, and a thread started afterwards inherits it. In a child, so the test binary
// keeps its own priority.
TEST(ProcessPriority, BackgroundSetsEveryThreadAndNewThreadsInheritIt) {
  int ready[2], hold[2];
  ASSERT_EQ(::pipe(ready), 0);
  ASSERT_EQ(::pipe(hold), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto wait_for_parent = [&] {
      char c;
      (void)!::read(hold[0], &c, 1);
    };
    std::vector<std::thread> threads;
    threads.reserve(3);
    for (int i = 0; i < 2; ++i) threads.emplace_back(wait_for_parent);
    auto applied = ApplyProcessPriority(Priority::kBackground);
    if (!applied.ok() || applied->threads < 3) ::_exit(2);
    threads.emplace_back(wait_for_parent);  // started after: inherits
    char c = 'r';
    (void)!::write(ready[1], &c, 1);
    wait_for_parent();
    ::_exit(0);
  }
  char c = 0;
  ASSERT_EQ(::read(ready[0], &c, 1), 1) << "the child could not apply the priority";
  auto tids = ThreadsOf(child);
  ASSERT_TRUE(tids.ok()) << tids.status().ToString();
  EXPECT_EQ(tids->size(), 4u);  // main + 2 before + 1 after
  for (pid_t tid : *tids) {
    auto p = ReadThreadPriority(child, tid);
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    EXPECT_EQ(p->nice, kBackgroundNice) << "thread " << tid;
    EXPECT_EQ(p->policy, SCHED_IDLE) << "thread " << tid;
    EXPECT_EQ(p->io_class, 3) << "thread " << tid;  // idle
  }
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
}

TEST(ProcessPriority, NormalChangesNothing) {
  auto before = ReadThreadPriority(::getpid(), ::gettid());
  ASSERT_TRUE(before.ok());
  auto applied = ApplyProcessPriority(Priority::kNormal);
  ASSERT_TRUE(applied.ok());
  EXPECT_EQ(applied->threads, 0);
  auto after = ReadThreadPriority(::getpid(), ::gettid());
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->nice, before->nice);
  EXPECT_EQ(after->io_class, before->io_class);
  EXPECT_EQ(after->policy, before->policy);
}

}  // namespace
}  // namespace cv::env
