#include "pipeline/rate_limiter.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace cv::pipeline {
namespace {

using std::chrono::milliseconds;

TEST(RateLimiterTest, SlotsFollowTheRate) {
  RateLimiter limiter(1'000'000, milliseconds(0));  // 1 MB/s, no burst
  auto t0 = RateLimiter::Clock::now();
  EXPECT_EQ(limiter.Reserve(500'000, t0), t0);                      // first half second
  EXPECT_EQ(limiter.Reserve(500'000, t0), t0 + milliseconds(500));  // waits for the first
  EXPECT_EQ(limiter.Reserve(1, t0), t0 + milliseconds(1000));
}

TEST(RateLimiterTest, IdleTimeIsForgivenOnlyUpToTheBurst) {
  RateLimiter limiter(1'000'000, milliseconds(200));
  auto t0 = RateLimiter::Clock::now();
  (void)limiter.Reserve(100'000, t0);
  // Ten seconds idle: the next chunk may start at once, but only 200 ms of credit were kept.
  auto later = t0 + std::chrono::seconds(10);
  EXPECT_EQ(limiter.Reserve(300'000, later), later - milliseconds(200));
  EXPECT_EQ(limiter.Reserve(1, later), later + milliseconds(100));
}

TEST(RateLimiterTest, MeasuredRateHoldsAcrossThreads) {
  RateLimiter limiter(4'000'000, milliseconds(0));  // 4 MB/s
  auto start = RateLimiter::Clock::now();
  std::vector<std::thread> threads;
  threads.reserve(4);
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      for (int k = 0; k < 10; ++k) limiter.Take(20'000);  // 4 x 200 KB = 800 KB in all
    });
  }
  for (auto& t : threads) t.join();
  auto elapsed = std::chrono::duration<double>(RateLimiter::Clock::now() - start).count();
  // 800 KB at 4 MB/s: the last slot starts at 195 ms. Not faster (the limit holds); the upper bound
  // is generous because the machine may be busy.
  EXPECT_GE(elapsed, 0.19);
  EXPECT_LT(elapsed, 5.0);
}

TEST(RateLimiterTest, ZeroMeansUnlimited) {
  RateLimiter limiter(0);
  auto start = RateLimiter::Clock::now();
  for (int i = 0; i < 1000; ++i) limiter.Take(1 << 30);
  EXPECT_LT(RateLimiter::Clock::now() - start, std::chrono::seconds(1));
}

}  // namespace
}  // namespace cv::pipeline
