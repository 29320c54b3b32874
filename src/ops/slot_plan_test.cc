#include "ops/slot_plan.h"

#include <gtest/gtest.h>

namespace cv::ops {
namespace {

constexpr int64_t kT = 1796551200;    // 2026-12-06T10:00:00Z
constexpr int64_t kDay = 1796515200;  // 2026-12-06T00:00:00Z

sched::Schedule Make(const std::string& cron, const std::vector<std::string>& windows = {},
                     const std::string& jitter = "") {
  auto s = sched::MakeSchedule(cron, "UTC", windows, jitter);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? *s : sched::Schedule{};
}

struct Case {
  const char* what;
  std::string cron;
  std::vector<std::string> windows;
  std::string jitter;
  std::optional<int64_t> last;
  int64_t now, draw;
  // expected
  std::optional<int64_t> run;
  int64_t start_at, deadline, missed, first_missed, last_missed;
  std::optional<int64_t> next;
};

TEST(SlotPlanTest, ChooseSlot) {
  const std::vector<Case> cases = {
      {"never run: the current slot runs now",
       "* * * * *",
       {},
       "",
       std::nullopt,
       kT + 10,
       0,
       kT,
       kT + 10,
       kT + 60,
       0,
       0,
       0,
       std::nullopt},
      {"slot already handled: wait for the next",
       "* * * * *",
       {},
       "",
       kT,
       kT + 10,
       0,
       std::nullopt,
       0,
       0,
       0,
       0,
       0,
       kT + 60},
      {"after 10 minutes down: only the latest slot runs, 9 older ones are missed",
       "* * * * *",
       {},
       "",
       kT - 600,
       kT + 10,
       0,
       kT,
       kT + 10,
       kT + 60,
       9,
       kT - 540,
       kT - 60,
       std::nullopt},
      {"down across one slot, back before the next: that slot runs, nothing missed",
       "0 * * * *",
       {},
       "",
       kT - 3600,
       kT + 1200,
       0,
       kT,
       kT + 1200,
       kT + 3600,
       0,
       0,
       0,
       std::nullopt},
      {"the latest slot is past its window: missed too, wait for tomorrow",
       "0 1 * * *",
       {"00:30-02:00"},
       "",
       kDay + 3600 - 86400,
       kDay + int64_t{3} * 3600,
       0,
       std::nullopt,
       0,
       0,
       1,
       kDay + 3600,
       kDay + 3600,
       kDay + 3600 + 86400},
      {"never run and the latest slot is past its window: nothing missed",
       "0 1 * * *",
       {"00:30-02:00"},
       "",
       std::nullopt,
       kDay + int64_t{3} * 3600,
       0,
       std::nullopt,
       0,
       0,
       0,
       0,
       0,
       kDay + 3600 + 86400},
      {"jitter: the start is the slot plus the draw",
       "0 * * * *",
       {},
       "10m",
       kT - 3600,
       kT,
       300,
       kT,
       kT + 300,
       kT + 3600,
       0,
       0,
       0,
       std::nullopt},
      {"a draw above the bound is clipped to the bound",
       "0 * * * *",
       {},
       "10m",
       kT - 3600,
       kT,
       5000,
       kT,
       kT + 600,
       kT + 3600,
       0,
       0,
       0,
       std::nullopt},
      {"jitter longer than the window: clipped to the window's end",
       "0 1 * * *",
       {"00:30-01:05"},
       "1h",
       std::nullopt,
       kDay + 3600,
       3600,
       kDay + 3600,
       kDay + 3600 + 299,
       kDay + 3600 + 300,
       0,
       0,
       0,
       std::nullopt},
      {"late start within the jitter: never before now",
       "0 * * * *",
       {},
       "10m",
       kT - 3600,
       kT + 400,
       100,
       kT,
       kT + 400,
       kT + 3600,
       0,
       0,
       0,
       std::nullopt},
      {"the clock went back before the last slot: nothing runs twice",
       "* * * * *",
       {},
       "",
       kT + 120,
       kT + 10,
       0,
       std::nullopt,
       0,
       0,
       0,
       0,
       0,
       kT + 180},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    SlotChoice got = ChooseSlot(Make(c.cron, c.windows, c.jitter), c.last, c.now, c.draw);
    EXPECT_EQ(got.run, c.run);
    if (c.run) {
      EXPECT_EQ(got.start_at, c.start_at);
      EXPECT_EQ(got.deadline, c.deadline);
    }
    EXPECT_EQ(got.missed, c.missed);
    if (c.missed > 0) {
      EXPECT_EQ(got.first_missed, c.first_missed);
      EXPECT_EQ(got.last_missed, c.last_missed);
    }
    EXPECT_EQ(got.next, c.next);
  }
}

TEST(SlotPlanTest, AYearDownCountsUpToTheCapAndEndsAtTheLatestMissedSlot) {
  SlotChoice got = ChooseSlot(Make("* * * * *"), kT - int64_t{300} * 86400, kT + 10, 0);
  EXPECT_EQ(got.run, kT);
  EXPECT_EQ(got.missed, kMaxMissedCount);
  EXPECT_EQ(got.first_missed, kT - int64_t{300} * 86400 + 60);
  EXPECT_EQ(got.last_missed, kT - 60);
}

TEST(SlotPlanTest, BackoffDoublesFrom30SecondsUpTo10Minutes) {
  const std::vector<std::pair<int, int64_t>> delays = {{1, 30},  {2, 60},  {3, 120}, {4, 240},
                                                       {5, 480}, {6, 600}, {7, 600}, {40, 600}};
  for (const auto& [n, d] : delays) EXPECT_EQ(RetryDelay(n), d) << n;
  EXPECT_EQ(NextAttempt(kT, 1, kT + 31), kT + 30);
  EXPECT_EQ(NextAttempt(kT, 1, kT + 30), std::nullopt);  // would start at the deadline: give up
  EXPECT_EQ(NextAttempt(kT, 3, kT + 60), std::nullopt);
}

}  // namespace
}  // namespace cv::ops
