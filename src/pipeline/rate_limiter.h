// src/pipeline/rate_limiter.h — one byte-rate budget shared by every thread that moves bytes
// (`vault.transfer.max_bandwidth` over all transfers, `backup.max_read_rate` over the local reads), so that
// a backup does not starve the node's own traffic or disk.
//
// A virtual-clock token bucket: each chunk reserves the next slot of `bytes / rate` seconds and the
// caller sleeps until its slot begins. Slots are handed out under a mutex, so N parallel uploads share
// the rate rather than each getting it. A burst of up to `burst` of idle time is forgiven, so that a
// short pause does not earn an unbounded spike afterwards.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>

namespace cv::pipeline {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  explicit RateLimiter(uint64_t bytes_per_second,
                       std::chrono::milliseconds burst = std::chrono::milliseconds(200));

  // Blocks until `bytes` may move. Returns at once when the limit is 0 (unlimited).
  void Take(uint64_t bytes);
  // The start of the slot that `bytes` would get at `now`, reserving it; for tests (no sleeping).
  Clock::time_point Reserve(uint64_t bytes, Clock::time_point now);

 private:
  const uint64_t rate_;
  const Clock::duration burst_;
  std::mutex mu_;
  Clock::time_point next_free_{};  // guarded by mu_
};

}  // namespace cv::pipeline
