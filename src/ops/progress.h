// src/ops/progress.h — progress of a long operation: a live line on a terminal (bytes, files, rate,
// ETA), nothing otherwise (structured logs carry the outcome). Thread-safe counters; a background
// thread redraws twice a second.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace cv::ops {

class Progress {
 public:
  // `enabled` false: counts only (used for --json and non-terminals).
  Progress(std::string verb, uint64_t total_bytes, uint64_t total_files, bool enabled);
  ~Progress();
  void AddBytes(uint64_t n) { bytes_ += n; }
  void AddFile() { ++files_; }
  void Finish();

 private:
  void Draw(bool final);
  std::string verb_;
  uint64_t total_bytes_, total_files_;
  std::atomic<uint64_t> bytes_{0}, files_{0};
  bool enabled_;
  bool done_ = false;
  std::mutex mu_;
  std::condition_variable cv_;
  std::thread thread_;
  int64_t start_ns_;
};

std::string HumanBytes(uint64_t n);

}  // namespace cv::ops
