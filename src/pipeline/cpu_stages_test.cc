#include "pipeline/cpu_stages.h"

#include <gtest/gtest.h>

#include <thread>

namespace cv::pipeline {
namespace {

// Burns this thread's CPU until it has used `ns` of it (sleeping would charge nothing).
void Spin(uint64_t ns) {
  uint64_t until = ThreadCpuNs() + ns;
  volatile uint64_t x = 0;
  while (ThreadCpuNs() < until) x = x + 1;
}

TEST(CpuStagesTest, ChargesEachStageItsOwnThreadTime) {
  CpuStages stages({"a", "b", "idle"});
  std::thread t([&] {
    CpuStages::Scope s(&stages, 1);
    Spin(30'000'000);
  });
  {
    CpuStages::Scope s(&stages, 0);
    Spin(20'000'000);
  }
  {
    CpuStages::Scope s(&stages, 2);  // waiting costs no CPU
    t.join();
  }
  EXPECT_GE(stages.StageNs(0), 20'000'000u);
  EXPECT_GE(stages.StageNs(1), 30'000'000u);
  EXPECT_LT(stages.StageNs(2), stages.StageNs(1));
  uint64_t sum = stages.StageNs(0) + stages.StageNs(1) + stages.StageNs(2);
  EXPECT_LE(sum, stages.ProcessNs());
  auto lines = stages.Report();
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[3].name, "other");
  EXPECT_GE(lines[3].seconds, 0.0);
}

TEST(CpuStagesTest, NestedScopeIsCountedOnce) {
  CpuStages stages({"outer", "inner"});
  {
    CpuStages::Scope outer(&stages, 0);
    Spin(10'000'000);
    CpuStages::Scope inner(&stages, 1);
    Spin(40'000'000);
  }
  EXPECT_GE(stages.StageNs(0), 10'000'000u);
  EXPECT_LT(stages.StageNs(0), 40'000'000u);  // the inner 40 ms are not the outer's too
  EXPECT_GE(stages.StageNs(1), 40'000'000u);
}

TEST(CpuStagesTest, NamedSubStageChargesTheEnclosingCounters) {
  CpuStages stages({"store", "seal", "unused"});
  {
    CpuStages::Scope store(&stages, 0);
    Spin(5'000'000);
    {
      CpuStages::Scope seal("seal");  // as code deep in a call does, not knowing `stages`
      Spin(20'000'000);
    }
    CpuStages::Scope unknown("no-such-stage");  // not counted anywhere, and no crash
    Spin(1'000'000);
  }
  EXPECT_GE(stages.StageNs(1), 20'000'000u);
  EXPECT_LT(stages.StageNs(0), 20'000'000u);
  EXPECT_GE(stages.StageNs(0), 6'000'000u);  // its own 5 ms and the unknown scope's 1 ms
  EXPECT_EQ(stages.StageScopes(2), 0u);
  auto lines = stages.Report();  // "unused" was never entered: not reported
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].name, "store");
  EXPECT_EQ(lines[1].name, "seal");
  EXPECT_EQ(lines[2].name, "other");
}

TEST(CpuStagesTest, NamedScopeOutsideAnyScopeIsANoOp) {
  CpuStages stages({"seal"});
  {
    CpuStages::Scope seal("seal");  // no enclosing scope on this thread: nobody counts
    Spin(1'000'000);
  }
  EXPECT_EQ(stages.StageScopes(0), 0u);
  EXPECT_EQ(stages.StageNs(0), 0u);
}

TEST(CpuStagesTest, WorkHandedToAnotherThreadIsChargedThroughCurrent) {
  CpuStages stages({"store", "pack_write"});
  std::thread upload;
  {
    CpuStages::Scope store(&stages, 0);
    CpuStages* cpu = CpuStages::Current();  // as a worker queuing a background upload would
    ASSERT_EQ(cpu, &stages);
    upload = std::thread([cpu] {
      CpuStages::Scope s(cpu, "pack_write");
      Spin(25'000'000);
    });
  }
  upload.join();
  EXPECT_EQ(CpuStages::Current(), nullptr);  // every scope on this thread closed
  EXPECT_GE(stages.StageNs(1), 25'000'000u);
  EXPECT_LT(stages.StageNs(0), 25'000'000u);  // the other thread's time is not the queuing scope's
}

}  // namespace
}  // namespace cv::pipeline
