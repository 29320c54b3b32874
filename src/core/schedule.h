// src/core/schedule.h — when a policy's runs start: a cron spec read in an IANA time zone, optional
// windows, jitter; slot tags.
//
// The time zone rules come from the OS zone database (/usr/share/zoneinfo, via Howard Hinnant's date
// library with USE_OS_TZDB): that read is the only I/O core does, and it is read-only and cached by the
// library. Everything else is arithmetic on UTC unix seconds.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/cron.h"
#include "core/result.h"

namespace cv::sched {

struct Window {
  int start_minute = 0, end_minute = 0;  // local minutes of day; end < start wraps midnight
};

struct Schedule {
  CronSpec cron;
  std::string time_zone;        // IANA name
  std::vector<Window> windows;  // empty: any time
  int64_t jitter_seconds = 0;   // a run starts at slot + random [0, jitter], clipped to its window
};

// InvalidArgument naming the field: unknown zone ("time zone \"X\"": not in the zone database), window
// "HH:MM-HH:MM" (start != end), jitter "90s" "10m" "1h" (<= 24h; empty = 0).
Result<Schedule> MakeSchedule(std::string_view cron, std::string_view time_zone,
                              const std::vector<std::string>& windows, std::string_view jitter);
// The pieces alone, for callers that validate field by field.
Result<Window> ParseWindow(std::string_view text);
Result<int64_t> ParseJitter(std::string_view text);
// "90s" "10m" "1h" "7d" -> seconds (no upper bound here; the callers set theirs). For retention ages.
Result<int64_t> ParseDuration(std::string_view text);
// The inverse, shortest exact unit: 600 -> "10m", 90 -> "90s", 86400 -> "1d".
std::string FormatDuration(int64_t seconds);
// True when the zone database knows the name.
bool IsKnownTimeZone(std::string_view name);

// Slot starts are UTC unix seconds. Cron fields are matched in the schedule's local time:
//  - a local time skipped by a DST jump runs at the first instant after the gap (cronie's behaviour);
//  - a local time that occurs twice runs once, at its first occurrence.
std::optional<int64_t> NextSlotAfter(const Schedule& s, int64_t t);  // first slot > t (within 5 years)
std::optional<int64_t> LatestSlotAtOrBefore(const Schedule& s,
                                            int64_t t);  // newest slot <= t (within 1 year back)
std::vector<int64_t> NextSlots(const Schedule& s, int64_t after, size_t n);
// True when t (UTC) falls inside an allowed window (always true without windows).
bool InWindow(const Schedule& s, int64_t t);
// The latest instant a run of `slot` may still START: the end of the window holding the slot (or, without
// windows, the next slot), so retries and catch-up never spill into the next slot.
int64_t SlotDeadline(const Schedule& s, int64_t slot);
// When this node starts the run of `slot`: slot + (random mod (jitter + 1)) seconds, kept before the slot's
// deadline (at most SlotDeadline - 1, never before the slot). `random` comes from the caller (core has no
// randomness), so the choice is testable.
int64_t JitteredStart(const Schedule& s, int64_t slot, uint64_t random);
// "<policy>-yyyymmddThhmmZ" of the slot start in UTC; the same on every node whatever second it starts.
std::string SlotTag(std::string_view policy, int64_t slot);
struct SlotTagParts {
  std::string policy;
  int64_t slot = 0;
};
std::optional<SlotTagParts> ParseSlotTag(std::string_view tag);
// Local time of t in the zone, for `policy check`: "2026-03-29 03:00 CEST (+02:00)".
std::string FormatLocal(const Schedule& s, int64_t t);

}  // namespace cv::sched
