#include "pipeline/cpu_stages.h"

#include <time.h>

namespace cv::pipeline {
namespace {

uint64_t ClockNs(clockid_t clock) {
  timespec ts{};
  if (::clock_gettime(clock, &ts) != 0) return 0;
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<uint64_t>(ts.tv_nsec);
}

// The innermost open scope of this thread, so that a nested scope can take its time out of its outer one.
thread_local CpuStages::Scope* t_innermost = nullptr;

}  // namespace

uint64_t ThreadCpuNs() { return ClockNs(CLOCK_THREAD_CPUTIME_ID); }
uint64_t ProcessCpuNs() { return ClockNs(CLOCK_PROCESS_CPUTIME_ID); }

CpuStages::CpuStages(std::vector<std::string> names)
    : names_(std::move(names)), process_start_(ProcessCpuNs()) {
  if (names_.size() > kMaxStages) names_.resize(kMaxStages);  // a programming error; never out of bounds
}

size_t CpuStages::Find(std::string_view name) const {
  for (size_t i = 0; i < names_.size(); ++i)
    if (names_[i] == name) return i;
  return kMaxStages;
}

CpuStages::Scope::Scope(CpuStages* stages, size_t stage)
    : stages_(stages && stage < stages->names_.size() ? stages : nullptr), stage_(stage), start_(0) {
  if (!stages_) return;
  stages_->scopes_[stage_].fetch_add(1, std::memory_order_relaxed);
  outer_ = t_innermost;
  t_innermost = this;
  start_ = ThreadCpuNs();
}

CpuStages::Scope::Scope(std::string_view name) : Scope(Current(), name) {}

CpuStages::Scope::Scope(CpuStages* stages, std::string_view name)
    : Scope(stages, stages ? stages->Find(name) : kMaxStages) {}

CpuStages* CpuStages::Current() { return t_innermost ? t_innermost->stages_ : nullptr; }

CpuStages::Scope::~Scope() {
  if (!stages_) return;
  uint64_t total = ThreadCpuNs() - start_;
  uint64_t own = total > inner_ ? total - inner_ : 0;
  stages_->ns_[stage_].fetch_add(own, std::memory_order_relaxed);
  t_innermost = outer_;
  if (outer_) outer_->inner_ += total;
}

std::vector<CpuStages::Line> CpuStages::Report() const {
  std::vector<Line> lines;
  uint64_t sum = 0;
  for (size_t i = 0; i < names_.size(); ++i) {
    uint64_t ns = StageNs(i);
    sum += ns;
    if (StageScopes(i) > 0) lines.push_back({names_[i], static_cast<double>(ns) / 1e9});
  }
  uint64_t process = ProcessNs();
  lines.push_back({"other", static_cast<double>(process > sum ? process - sum : 0) / 1e9});
  return lines;
}

}  // namespace cv::pipeline
