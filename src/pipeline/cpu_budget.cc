#include "pipeline/cpu_budget.h"

#include <algorithm>
#include <cmath>
#include <thread>

#include "pipeline/cpu_stages.h"

namespace cv::pipeline {

CpuBudget::CpuBudget(double max_cores, std::chrono::milliseconds burst, std::function<uint64_t()> cpu_ns)
    : max_cores_(max_cores),
      burst_(std::chrono::duration_cast<Clock::duration>(burst)),
      cpu_ns_(cpu_ns ? std::move(cpu_ns) : std::function<uint64_t()>(ProcessCpuNs)),
      start_(Clock::now()),
      start_cpu_ns_(cpu_ns_()) {}

CpuBudget::Clock::duration CpuBudget::Owed(uint64_t cpu_ns, Clock::time_point now) const {
  if (max_cores_ <= 0) return Clock::duration::zero();
  double used = static_cast<double>(cpu_ns - std::min(cpu_ns, start_cpu_ns_)) / 1e9;
  double allowed = max_cores_ * std::chrono::duration<double>(now - start_ + burst_).count();
  if (used <= allowed) return Clock::duration::zero();
  // The wall time it takes the budget to earn the excess.
  return std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>((used - allowed) / max_cores_));
}

void CpuBudget::Pace() {
  if (max_cores_ <= 0) return;
  Clock::duration owed = Owed(cpu_ns_(), Clock::now());
  if (owed > Clock::duration::zero()) std::this_thread::sleep_for(owed);
}

int CpuBudget::CapWorkers(int workers) const {
  if (max_cores_ <= 0) return workers;
  return std::clamp(static_cast<int>(std::ceil(max_cores_)), 1, std::max(1, workers));
}

}  // namespace cv::pipeline
