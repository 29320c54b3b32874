#include "pipeline/cpu_budget.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "pipeline/cpu_stages.h"
#include "pipeline/task_group.h"

namespace cv::pipeline {
namespace {

using std::chrono::milliseconds;

TEST(CpuBudget, UnlimitedNeverWaits) {
  CpuBudget b(0);
  EXPECT_EQ(b.Owed(uint64_t{1} << 40, CpuBudget::Clock::now()), CpuBudget::Clock::duration::zero());
  EXPECT_EQ(b.CapWorkers(8), 8);
}

TEST(CpuBudget, OwesTheTimeTheBudgetNeedsToEarnTheExcess) {
  uint64_t fake = 0;
  CpuBudget b(0.5, milliseconds(0), [&] { return fake; });
  auto t0 = CpuBudget::Clock::now();
  // 1 s of wall at 0.5 cores earns 0.5 s of CPU: 0.5 s used is within budget, 1.5 s is 1 s over,
  // which takes 2 s of wall to earn at 0.5 cores.
  EXPECT_EQ(b.Owed(500'000'000, t0 + std::chrono::seconds(1)) <= milliseconds(5), true);
  auto owed = std::chrono::duration<double>(b.Owed(1'500'000'000, t0 + std::chrono::seconds(1))).count();
  EXPECT_NEAR(owed, 2.0, 0.05);
}

TEST(CpuBudget, BurstForgivesAShortSpike) {
  uint64_t fake = 0;
  CpuBudget b(1.0, milliseconds(250), [&] { return fake; });
  auto t0 = CpuBudget::Clock::now();
  EXPECT_EQ(b.Owed(200'000'000, t0), CpuBudget::Clock::duration::zero());
  EXPECT_GT(b.Owed(400'000'000, t0), CpuBudget::Clock::duration::zero());
}

TEST(CpuBudget, CapsWorkersAtWholeCores) {
  EXPECT_EQ(CpuBudget(0.5).CapWorkers(4), 1);
  EXPECT_EQ(CpuBudget(1.5).CapWorkers(4), 2);
  EXPECT_EQ(CpuBudget(16).CapWorkers(4), 4);
}

// The real thing: busy workers pacing themselves hold the process's CPU near the budget. Spinning for about
// a second of wall; the bound is loose (a quarter core over) because a busy CI machine only lowers the use.
TEST(CpuBudget, PacedWorkersStayNearTheBudget) {
  CpuBudget budget(0.3, milliseconds(50));
  uint64_t cpu0 = ProcessCpuNs();
  auto t0 = std::chrono::steady_clock::now();
  std::atomic<bool> stop{false};
  TaskGroup group(2, 4);
  for (int w = 0; w < 2; ++w) {
    group.Submit([&]() -> Status {
      while (!stop.load()) {
        uint64_t until = ThreadCpuNs() + 5'000'000;  // 5 ms of work, then ask the budget
        while (ThreadCpuNs() < until) {
        }
        budget.Pace();
      }
      return Status::OK();
    });
  }
  std::this_thread::sleep_for(milliseconds(1200));
  stop = true;
  ASSERT_TRUE(group.Wait().ok());
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  double cpu = static_cast<double>(ProcessCpuNs() - cpu0) / 1e9;
  EXPECT_LT(cpu / wall, 0.55) << "cpu " << cpu << " s in " << wall << " s";
}

}  // namespace
}  // namespace cv::pipeline
