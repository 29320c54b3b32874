// src/pipeline/cpu_budget.h — a ceiling on the cores a process uses (`backup.max_cpu`), enforced by the
// workers themselves rather than hoped for from the scheduler.
//
// The budget compares the process's CPU time (all threads, CLOCK_PROCESS_CPUTIME_ID) with `max_cores` times
// the wall time since it started. Every worker calls Pace() between units of work (a part of a few MiB, tens
// of milliseconds of CPU); a worker that finds the process ahead of its budget sleeps until the budget has
// caught up, so over any stretch longer than a few parts the process averages at most `max_cores`. A small
// allowance (`burst` of wall time at full budget) keeps a pause from being paid back by a spike, the way the
// byte-rate limiter forgives idle time.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

namespace cv::pipeline {

class CpuBudget {
 public:
  using Clock = std::chrono::steady_clock;
  // max_cores <= 0: unlimited (Pace returns at once). `cpu_ns` reads the CPU time to hold down; the
  // default is the whole process's.
  explicit CpuBudget(double max_cores, std::chrono::milliseconds burst = std::chrono::milliseconds(250),
                     std::function<uint64_t()> cpu_ns = {});

  // Sleeps while the process is ahead of its budget.
  void Pace();
  // How long a caller at `now` with `cpu_ns` used since the start must wait; for tests (no sleeping).
  Clock::duration Owed(uint64_t cpu_ns, Clock::time_point now) const;

  double max_cores() const { return max_cores_; }
  // Workers worth running under this budget: more threads than whole cores would only take turns sleeping.
  int CapWorkers(int workers) const;

 private:
  const double max_cores_;
  const Clock::duration burst_;
  const std::function<uint64_t()> cpu_ns_;
  const Clock::time_point start_;
  const uint64_t start_cpu_ns_;
};

}  // namespace cv::pipeline
