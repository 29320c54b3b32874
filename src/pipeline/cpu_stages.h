// src/pipeline/cpu_stages.h — where a pipeline's CPU time goes, stage by stage.
//
// Each stage is charged the calling thread's own CPU time (user + system, CLOCK_THREAD_CPUTIME_ID) spent
// inside a Scope, so a worker waiting on a queue or a lock charges nothing, and the kernel's page-cache
// copy of a read is charged to the stage that read. Two clock reads per scope: time a part (MiBs), never a
// byte. What no scope covered is "other": the process's CPU since Start() minus the stages' sum.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cv::pipeline {

uint64_t ThreadCpuNs();   // this thread's CPU time
uint64_t ProcessCpuNs();  // all threads of the process, since it started

class CpuStages {
 public:
  static constexpr size_t kMaxStages = 12;

  // Stage names, in report order (at most kMaxStages; more are dropped). Starts the process clock.
  explicit CpuStages(std::vector<std::string> names);
  CpuStages(const CpuStages&) = delete;
  CpuStages& operator=(const CpuStages&) = delete;

  // Charges the thread CPU time from construction to destruction to `stage`. Nests: an inner scope's time
  // is taken out of the outer one, so every CPU-second is counted once.
  class Scope {
   public:
    Scope(CpuStages* stages, size_t stage);  // stages may be null: nothing is timed; stage < the names
    // A sub-stage by name, of whatever CpuStages this thread's innermost open scope charges: code deep in
    // a call (the vault's blob id, sealing, pack write) tags its part without knowing who counts. A no-op
    // when no scope is open or that CpuStages has no stage of this name.
    explicit Scope(std::string_view name);
    // A stage by name of `stages` (may be null), for work handed to another thread: capture Current() where
    // the work is queued, open this where it runs (e.g. a background pack upload as "pack_write").
    Scope(CpuStages* stages, std::string_view name);
    ~Scope();
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    friend class CpuStages;  // Current() reads the innermost scope's counters
    CpuStages* stages_;
    size_t stage_;
    uint64_t start_;
    Scope* outer_ = nullptr;
    uint64_t inner_ = 0;  // CPU time of nested scopes, charged to them
  };

  // The counters this thread's innermost open scope charges; null when none is open.
  static CpuStages* Current();

  uint64_t StageNs(size_t stage) const { return ns_[stage].load(std::memory_order_relaxed); }
  uint64_t StageScopes(size_t stage) const { return scopes_[stage].load(std::memory_order_relaxed); }
  // The process's CPU time since construction.
  uint64_t ProcessNs() const { return ProcessCpuNs() - process_start_; }

  struct Line {
    std::string name;
    double seconds;
  };
  // Every stage that was entered at least once, then "other" (process CPU not under any scope; never
  // negative), in seconds.
  std::vector<Line> Report() const;

 private:
  std::vector<std::string> names_;
  void Begin(size_t stage);
  size_t Find(std::string_view name) const;  // kMaxStages if none

  std::array<std::atomic<uint64_t>, kMaxStages> ns_{}, scopes_{};
  uint64_t process_start_;
};

}  // namespace cv::pipeline
