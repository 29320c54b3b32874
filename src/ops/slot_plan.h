// src/ops/slot_plan.h — the daemon's decisions, as pure functions of the schedule, what this node last ran
// and the clock: which slot to run, when its first attempt starts (jitter clipped to the slot's deadline
// and window), how long to wait after a failure, and how many slots a downtime made it miss. The daemon
// (ops/daemon.h) does the I/O; these are table-tested in slot_plan_test.cc.
#pragma once

#include <cstdint>
#include <optional>

#include "core/schedule.h"

namespace cv::ops {

struct SlotChoice {
  std::optional<int64_t> run;  // the slot to run, its first attempt at start_at (>= now), before deadline
  int64_t start_at = 0, deadline = 0;
  // Slots after the last one this node handled that will never run: older missed slots (only the latest
  // missed slot is caught up, never a storm of old ones), or the latest itself once past its deadline.
  int64_t missed = 0;  // counted up to kMaxMissedCount
  int64_t first_missed = 0, last_missed = 0;
  std::optional<int64_t> next;  // nothing to run now: the next slot, when to look again
};

inline constexpr int64_t kMaxMissedCount = 10000;

// `last`: the newest slot this node ran or gave up on for the policy (nullopt: never; then no slot before
// now counts as missed). `jitter_draw`: random seconds in [0, s.jitter_seconds].
SlotChoice ChooseSlot(const sched::Schedule& s, std::optional<int64_t> last, int64_t now,
                      int64_t jitter_draw);

// When a slot's first attempt starts: slot + jitter_draw, clipped to before the slot's deadline (which the
// window's end bounds), never before `now`. The caller runs it only if the result is < SlotDeadline and
// InWindow.
int64_t StartTime(const sched::Schedule& s, int64_t slot, int64_t now, int64_t jitter_draw);

// Backoff after `failed_attempts` failures of one slot: 30 s, 60 s, 120 s, ... capped at 10 min.
int64_t RetryDelay(int failed_attempts);
// The next attempt's time, or nullopt when it would start at or after the slot's deadline (give up: the
// next slot is the next chance).
std::optional<int64_t> NextAttempt(int64_t now, int failed_attempts, int64_t deadline);

}  // namespace cv::ops
