// src/env/clock.h — the wall clock, read in one place. Core takes times as arguments (it has no clock), so
// what a schedule or a retention rule decides is a function of the time it is given, and tests pass theirs.
#pragma once

#include <chrono>
#include <cstdint>

namespace cv::env {

// Seconds since the Unix epoch, UTC.
inline int64_t UnixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace cv::env
