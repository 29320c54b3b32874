#include "pipeline/rate_limiter.h"

#include <thread>

namespace cv::pipeline {

RateLimiter::RateLimiter(uint64_t bytes_per_second, std::chrono::milliseconds burst)
    : rate_(bytes_per_second), burst_(std::chrono::duration_cast<Clock::duration>(burst)) {}

RateLimiter::Clock::time_point RateLimiter::Reserve(uint64_t bytes, Clock::time_point now) {
  std::lock_guard<std::mutex> lock(mu_);
  if (next_free_ < now - burst_) next_free_ = now - burst_;
  Clock::time_point start = next_free_;
  auto span = std::chrono::duration<double>(static_cast<double>(bytes) / static_cast<double>(rate_));
  next_free_ += std::chrono::duration_cast<Clock::duration>(span);
  return start;
}

void RateLimiter::Take(uint64_t bytes) {
  if (rate_ == 0 || bytes == 0) return;
  Clock::time_point start = Reserve(bytes, Clock::now());
  std::this_thread::sleep_until(start);
}

}  // namespace cv::pipeline
