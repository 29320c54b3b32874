#include "ops/slot_plan.h"

#include <algorithm>

namespace cv::ops {

int64_t StartTime(const sched::Schedule& s, int64_t slot, int64_t now, int64_t jitter_draw) {
  int64_t draw = std::clamp<int64_t>(jitter_draw, 0, std::max<int64_t>(s.jitter_seconds, 0));
  int64_t deadline = sched::SlotDeadline(s, slot);
  int64_t t = slot + draw;
  // Clipped: a jitter longer than the slot's window or interval still starts inside it.
  if (t >= deadline) t = std::max(slot, deadline - 1);
  return std::max(t, now);
}

SlotChoice ChooseSlot(const sched::Schedule& s, std::optional<int64_t> last, int64_t now,
                      int64_t jitter_draw) {
  SlotChoice c;
  std::optional<int64_t> latest = sched::LatestSlotAtOrBefore(s, now);
  bool due = latest && (!last || *latest > *last);
  bool runnable = false;
  if (due) {
    int64_t start = StartTime(s, *latest, now, jitter_draw);
    int64_t deadline = sched::SlotDeadline(s, *latest);
    runnable = start < deadline && sched::InWindow(s, start);
    if (runnable) {
      c.run = *latest;
      c.start_at = start;
      c.deadline = deadline;
    }
  }
  // Missed: the slots after `last` up to the latest (excluded when it runs). A node never run before has
  // missed nothing: it starts with the schedule as it is now.
  if (due && last) {
    int64_t end = runnable ? *latest : *latest + 1;  // exclusive
    for (std::optional<int64_t> t = sched::NextSlotAfter(s, *last); t && *t < end;
         t = sched::NextSlotAfter(s, *t)) {
      if (c.missed == 0) c.first_missed = *t;
      c.last_missed = *t;
      if (++c.missed >= kMaxMissedCount) {
        // A long downtime: the count stops, the range still ends at the latest missed slot.
        c.last_missed = runnable ? *sched::LatestSlotAtOrBefore(s, *latest - 1) : *latest;
        break;
      }
    }
  }
  if (!c.run) c.next = sched::NextSlotAfter(s, std::max(now, last.value_or(now)));
  return c;
}

int64_t RetryDelay(int failed_attempts) {
  int64_t d = 30;
  for (int i = 1; i < failed_attempts && d < 600; ++i) d *= 2;
  return std::min<int64_t>(d, 600);
}

std::optional<int64_t> NextAttempt(int64_t now, int failed_attempts, int64_t deadline) {
  int64_t t = now + RetryDelay(failed_attempts);
  if (t >= deadline) return std::nullopt;
  return t;
}

}  // namespace cv::ops
