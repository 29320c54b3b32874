#include "pipeline/task_group.h"

#include <gtest/gtest.h>

#include <atomic>

namespace cv::pipeline {
namespace {

TEST(TaskGroupTest, RunsEverything) {
  std::atomic<int> sum{0};
  TaskGroup g(3, 2);
  for (int i = 1; i <= 100; ++i)
    g.Submit([&, i] {
      sum += i;
      return Status::OK();
    });
  EXPECT_TRUE(g.Wait().ok());
  EXPECT_EQ(sum.load(), 5050);
}

TEST(TaskGroupTest, FirstErrorWinsAndStopsTheRest) {
  std::atomic<int> ran{0};
  TaskGroup g(1, 1);
  g.Submit([&] {
    ++ran;
    return Status::Corruption("file a", "bad");
  });
  for (int i = 0; i < 50; ++i)
    g.Submit([&] {
      ++ran;
      return Status::IOError("later");
    });
  Status st = g.Wait();
  EXPECT_TRUE(st.IsCorruption()) << st.ToString();
  EXPECT_LT(ran.load(), 51);
}

TEST(BufferPoolTest, BoundedAndReused) {
  BufferPool pool(2, 16);
  auto a = pool.Acquire();
  auto b = pool.Acquire();
  EXPECT_EQ(a.size(), 16u);
  const uint8_t* pa = a.data();
  pool.Release(std::move(a));
  auto c = pool.Acquire();
  EXPECT_EQ(c.data(), pa);  // the same memory comes back: no allocation per chunk
}

}  // namespace
}  // namespace cv::pipeline
