// src/core/cron.h — cron expressions, as Vixie cron / cronie read them.
//
// Five fields (minute hour day-of-month month day-of-week) or one of the @ shorthands. The one subtle
// rule is Vixie's: when both day fields are restricted (neither starts with `*`), a day matches if
// EITHER matches ("0 0 1 * MON" = the 1st of each month and every Monday). Pure parsing, no clock.
#pragma once

#include <bitset>
#include <string>
#include <string_view>

#include "core/result.h"

namespace cv::sched {

struct CronSpec {
  std::bitset<60> minute;  // 0-59
  std::bitset<24> hour;    // 0-23
  std::bitset<32> dom;     // 1-31 (bit 0 unused)
  std::bitset<13> month;   // 1-12 (bit 0 unused)
  std::bitset<7> dow;      // 0-6, Sunday = 0 (7 is read as Sunday too)
  // Vixie's rule: a field starting with `*` (also `*/n`) is "unrestricted" for the OR rule.
  bool dom_star = true, dow_star = true;
  std::string text;  // as written (trimmed)

  // True when the civil day (month 1-12, day 1-31, weekday 0-6 with Sunday 0) matches the day fields.
  bool MatchesDay(unsigned month_1, unsigned day_1, unsigned weekday) const;
};

// 5 fields (numbers, *, ranges a-b, steps */n a-b/n n/m, lists, month/day names JAN..DEC SUN..SAT, case
// insensitive) or @hourly @daily @midnight @weekly @monthly @yearly @annually. InvalidArgument("cron
// \"...\"", what is wrong and the accepted form). No seconds field, no @reboot.
Result<CronSpec> ParseCron(std::string_view text);

}  // namespace cv::sched
