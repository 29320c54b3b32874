#include "core/schedule.h"

namespace cv::sched {
Result<Schedule> MakeSchedule(std::string_view, std::string_view, const std::vector<std::string>&,
                              std::string_view) {
  return Status::Internal("schedule", "not yet");
}
Result<Window> ParseWindow(std::string_view) { return Status::Internal("window", "not yet"); }
Result<int64_t> ParseJitter(std::string_view) { return Status::Internal("jitter", "not yet"); }
Result<int64_t> ParseDuration(std::string_view) { return Status::Internal("duration", "not yet"); }
std::string FormatDuration(int64_t) { return {}; }
bool IsKnownTimeZone(std::string_view) { return false; }
std::optional<int64_t> NextSlotAfter(const Schedule&, int64_t) { return std::nullopt; }
std::optional<int64_t> LatestSlotAtOrBefore(const Schedule&, int64_t) { return std::nullopt; }
std::vector<int64_t> NextSlots(const Schedule&, int64_t, size_t) { return {}; }
bool InWindow(const Schedule&, int64_t) { return true; }
int64_t SlotDeadline(const Schedule&, int64_t slot) { return slot; }
std::string SlotTag(std::string_view, int64_t) { return {}; }
std::optional<SlotTagParts> ParseSlotTag(std::string_view) { return std::nullopt; }
std::string FormatLocal(const Schedule&, int64_t) { return {}; }
}  // namespace cv::sched
