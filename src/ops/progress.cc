#include "ops/progress.h"

#include <chrono>
#include <cstdio>

namespace cv::ops {
namespace {
int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
}  // namespace

std::string HumanBytes(uint64_t n) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(n);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

Progress::Progress(std::string verb, uint64_t total_bytes, uint64_t total_files, bool enabled)
    : verb_(std::move(verb)),
      total_bytes_(total_bytes),
      total_files_(total_files),
      enabled_(enabled),
      start_ns_(NowNs()) {
  if (!enabled_) return;
  thread_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(mu_);
    while (!cv_.wait_for(lock, std::chrono::milliseconds(500), [&] { return done_; })) Draw(false);
  });
}

Progress::~Progress() { Finish(); }

void Progress::Finish() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (done_) return;
    done_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
    Draw(true);
  }
}

void Progress::Draw(bool final) {
  double secs = static_cast<double>(NowNs() - start_ns_) / 1e9;
  uint64_t b = bytes_;
  double rate = secs > 0 ? static_cast<double>(b) / secs : 0;
  std::string eta = "-";
  if (rate > 0 && total_bytes_ > b)
    eta = std::to_string(static_cast<int>(static_cast<double>(total_bytes_ - b) / rate)) + "s";
  std::fprintf(stderr, "\r%s: %s / %s, %llu / %llu files, %s/s, ETA %s   %s", verb_.c_str(),
               HumanBytes(b).c_str(), HumanBytes(total_bytes_).c_str(),
               static_cast<unsigned long long>(files_.load()), static_cast<unsigned long long>(total_files_),
               HumanBytes(static_cast<uint64_t>(rate)).c_str(), eta.c_str(), final ? "\n" : "");
  std::fflush(stderr);
}

}  // namespace cv::ops
