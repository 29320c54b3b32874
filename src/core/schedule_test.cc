#include "core/schedule.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

namespace cv::sched {
namespace {

// "2026-03-29 01:00" (UTC) -> unix seconds, and back: expectations read as times, not numbers.
int64_t Utc(const char* text) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  int n = std::sscanf(text, "%d-%d-%d %d:%d:%d", &y, &mo, &d, &h, &mi, &s);
  EXPECT_GE(n, 5) << text;
  using namespace std::chrono;
  auto dd = sys_days{year{y} / month{static_cast<unsigned>(mo)} / day{static_cast<unsigned>(d)}};
  return duration_cast<seconds>(dd.time_since_epoch()).count() + int64_t{h} * 3600 + int64_t{mi} * 60 + s;
}

std::string Show(std::optional<int64_t> t) {
  if (!t) return "none";
  using namespace std::chrono;
  sys_seconds tp{seconds(*t)};
  auto day = floor<days>(tp);
  year_month_day ymd{day};
  hh_mm_ss hms{tp - day};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u %02d:%02d", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()));
  std::string out = buf;
  if (hms.seconds().count() != 0) {
    std::snprintf(buf, sizeof buf, ":%02d", static_cast<int>(hms.seconds().count()));
    out += buf;
  }
  return out;
}

Schedule Make(const char* cron, const char* zone, const std::vector<std::string>& windows = {},
              const char* jitter = "") {
  auto s = MakeSchedule(cron, zone, windows, jitter);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? *s : Schedule{};
}

struct NextCase {
  const char* what;
  const char* cron;
  const char* zone;
  const char* after;                  // UTC
  std::vector<const char*> expected;  // the next slots, UTC
};

TEST(ScheduleTest, NextSlotsAcrossDstMonthEndsLeapDaysAndOddOffsets) {
  // 2026 DST: Europe/Berlin 03-29 02:00 CET -> 03:00 CEST (01:00 UTC), 10-25 03:00 CEST -> 02:00 CET
  // (01:00 UTC); America/New_York 03-08 02:00 EST -> 03:00 EDT (07:00 UTC), 11-01 02:00 EDT -> 01:00 EST
  // (06:00 UTC).
  const std::vector<NextCase> cases = {
      {"a daily time inside Berlin's skipped hour runs at the gap's end",
       "30 2 * * *",
       "Europe/Berlin",
       "2026-03-28 12:00",
       {"2026-03-29 01:00", "2026-03-30 00:30"}},
      {"02:00 itself is skipped too",
       "0 2 * * *",
       "Europe/Berlin",
       "2026-03-28 12:00",
       {"2026-03-29 01:00", "2026-03-30 00:00"}},
      {"times on both sides of the gap run once at its end",
       "*/30 * * * *",
       "Europe/Berlin",
       "2026-03-29 00:30",
       {"2026-03-29 01:00", "2026-03-29 01:30", "2026-03-29 02:00"}},
      {"Berlin's repeated hour: the first occurrence (CEST), once",
       "30 2 * * *",
       "Europe/Berlin",
       "2026-10-24 12:00",
       {"2026-10-25 00:30", "2026-10-26 01:30"}},
      {"hourly over Berlin's fall-back: 02:00 CET (repeat) is not run again",
       "0 * * * *",
       "Europe/Berlin",
       "2026-10-24 23:30",
       {"2026-10-25 00:00", "2026-10-25 02:00", "2026-10-25 03:00"}},
      {"a time inside New York's skipped hour",
       "30 2 * * *",
       "America/New_York",
       "2026-03-07 12:00",
       {"2026-03-08 07:00", "2026-03-09 06:30"}},
      {"New York's repeated hour, first occurrence (EDT)",
       "30 1 * * *",
       "America/New_York",
       "2026-10-31 12:00",
       {"2026-11-01 05:30", "2026-11-02 06:30"}},
      {"every 20 min over New York's fall-back",
       "*/20 1 * * *",
       "America/New_York",
       "2026-11-01 05:00",
       {"2026-11-01 05:20", "2026-11-01 05:40", "2026-11-02 06:00"}},
      {"the 31st never fires in 30-day months",
       "0 0 31 * *",
       "UTC",
       "2026-01-01 00:00",
       {"2026-01-31 00:00", "2026-03-31 00:00", "2026-05-31 00:00", "2026-07-31 00:00", "2026-08-31 00:00"}},
      {"leap day", "0 0 29 2 *", "UTC", "2026-01-01 00:00", {"2028-02-29 00:00", "2032-02-29 00:00"}},
      {"@daily in India (+05:30)",
       "@daily",
       "Asia/Kolkata",
       "2026-06-01 00:00",
       {"2026-06-01 18:30", "2026-06-02 18:30"}},
      {"@daily in Nepal (+05:45)",
       "@daily",
       "Asia/Kathmandu",
       "2026-06-01 00:00",
       {"2026-06-01 18:15", "2026-06-02 18:15"}},
      {"Vixie's OR: the 13th and every Friday",
       "0 12 13 * FRI",
       "UTC",
       "2026-02-01 00:00",
       {"2026-02-06 12:00", "2026-02-13 12:00", "2026-02-20 12:00", "2026-02-27 12:00", "2026-03-06 12:00",
        "2026-03-13 12:00"}},
      {"strictly after: a slot at `after` is not returned",
       "0 1 * * *",
       "UTC",
       "2026-06-01 01:00",
       {"2026-06-02 01:00"}},
      {"@weekly is Sunday midnight", "@weekly", "UTC", "2026-12-06 00:00", {"2026-12-13 00:00"}},
      {"@monthly in Berlin winter",
       "@monthly",
       "Europe/Berlin",
       "2026-12-06 00:00",
       {"2026-12-31 23:00", "2027-01-31 23:00"}},
      {"Santiago's DST starts at midnight: 00:00 is skipped and runs at 01:00 -03",
       "0 0 * * *",
       "America/Santiago",
       "2026-09-04 12:00",
       {"2026-09-05 04:00", "2026-09-06 04:00", "2026-09-07 03:00"}},
      {"Samoa skipped 2011-12-30 entirely: that day's noon runs at the gap's end",
       "0 12 * * *",
       "Pacific/Apia",
       "2011-12-28 00:00",
       {"2011-12-28 22:00", "2011-12-29 22:00", "2011-12-30 10:00", "2011-12-30 22:00"}},
      {"Lord Howe's 30-minute DST: 02:15 is skipped on 2026-10-04",
       "15 2 * * *",
       "Australia/Lord_Howe",
       "2026-10-03 00:00",
       {"2026-10-03 15:30", "2026-10-04 15:15"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    Schedule s = Make(c.cron, c.zone);
    std::vector<std::string> got;
    for (int64_t t : NextSlots(s, Utc(c.after), c.expected.size())) got.push_back(Show(t));
    EXPECT_EQ(got, std::vector<std::string>(c.expected.begin(), c.expected.end()));
  }
}

TEST(ScheduleTest, NoSlotWhenTheDayNeverComes) {
  // ParseCron refuses a day that never comes; a hand-made spec shows the search still ends.
  Schedule s = Make("0 0 30 * *", "UTC");
  s.cron.month.reset();
  s.cron.month[2] = true;
  EXPECT_EQ(Show(NextSlotAfter(s, Utc("2026-01-01 00:00"))), "none");
  EXPECT_EQ(Show(LatestSlotAtOrBefore(s, Utc("2026-01-01 00:00"))), "none");
  EXPECT_TRUE(NextSlots(s, 0, 3).empty());
}

TEST(ScheduleTest, LatestSlotAtOrBefore) {
  struct Case {
    const char *cron, *zone, *at, *expected;
  };
  const std::vector<Case> cases = {
      {"0 1 * * *", "Europe/Berlin", "2026-06-10 00:30", "2026-06-09 23:00"},
      {"0 1 * * *", "Europe/Berlin", "2026-06-09 23:00", "2026-06-09 23:00"},     // at the slot itself
      {"0 1 * * *", "Europe/Berlin", "2026-06-09 22:59:59", "2026-06-08 23:00"},  // one second before
      {"30 2 * * *", "Europe/Berlin", "2026-03-29 01:00", "2026-03-29 01:00"},    // the moved slot
      {"30 2 * * *", "Europe/Berlin", "2026-03-29 00:59:59", "2026-03-28 01:30"},
      {"30 2 * * *", "Europe/Berlin", "2026-10-25 01:45", "2026-10-25 00:30"},  // not the repeat
      {"0 0 29 2 *", "UTC", "2028-03-01 00:00", "2028-02-29 00:00"},
      {"0 0 29 2 *", "UTC", "2027-06-01 00:00", "none"},  // more than a year back
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.cron) + " at " + c.at);
    EXPECT_EQ(Show(LatestSlotAtOrBefore(Make(c.cron, c.zone), Utc(c.at))), c.expected);
  }
}

// A year of a frequent schedule: the slots are strictly increasing, Next and Latest agree with each other,
// and exactly one UTC hour a year has no run: the autumn repeat (the spring gap's local times all run at the
// gap's end, so every UTC hour still has its run).
TEST(ScheduleTest, AYearOfSlotsIsConsistentAndCheap) {
  struct Case {
    const char *cron, *zone;
    size_t expected;
  };
  const std::vector<Case> cases = {
      {"0 * * * *", "Europe/Berlin", size_t{365} * 24 - 1},
      {"0 * * * *", "America/New_York", size_t{365} * 24 - 1},
      {"0 * * * *", "UTC", size_t{365} * 24},
      {"0,30 * * * *", "Australia/Lord_Howe", size_t{365} * 48 - 1},  // 30-minute DST shifts
      {"*/15 * * * *", "Asia/Kathmandu", size_t{365} * 96},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.cron) + " in " + c.zone);
    Schedule s = Make(c.cron, c.zone);
    const int64_t from = Utc("2026-01-01 00:00"), to = Utc("2027-01-01 00:00");
    auto start = std::chrono::steady_clock::now();
    std::vector<int64_t> slots;
    for (auto t = NextSlotAfter(s, from - 1); t && *t < to; t = NextSlotAfter(s, *t)) slots.push_back(*t);
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    EXPECT_EQ(slots.size(), c.expected);
    EXPECT_LT(ms / static_cast<double>(slots.size()), 1.0) << "ms per NextSlotAfter";
    for (size_t i = 0; i < slots.size(); ++i) {
      ASSERT_EQ(LatestSlotAtOrBefore(s, slots[i]), slots[i]) << Show(slots[i]);
      if (i > 0) {
        ASSERT_LT(slots[i - 1], slots[i]);
        ASSERT_EQ(LatestSlotAtOrBefore(s, slots[i] - 1), slots[i - 1]) << Show(slots[i]);
      }
    }
    std::printf("%s in %s: %zu slots, %.4f ms per NextSlotAfter\n", c.cron, c.zone, slots.size(),
                ms / static_cast<double>(slots.size()));
  }
}

TEST(ScheduleTest, SparseSchedulesAreCheapToSearch) {
  // 0 0 29 2 * from 2026 walks ~790 days to 2028; 30 Feb (hand-made: ParseCron refuses it) walks the
  // full 5 years and finds nothing.
  for (const char* cron : {"0 0 29 2 *", "0 0 30 2 *"}) {
    Schedule s = Make(cron[5] == '9' ? cron : "0 0 30 * *", "Europe/Berlin");
    if (cron[5] == '0') {
      s.cron.month.reset();
      s.cron.month[2] = true;
    }
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < 20; ++i) (void)NextSlotAfter(s, Utc("2026-03-01 00:00"));
    double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count() / 20;
    EXPECT_LT(ms, 20.0) << cron;
    std::printf("%s: %.3f ms per NextSlotAfter\n", cron, ms);
  }
}

TEST(ScheduleTest, WindowsAndDeadlines) {
  struct Case {
    const char* what;
    const char* cron;
    std::vector<std::string> windows;
    const char* slot;      // UTC
    const char* deadline;  // UTC
  };
  // Europe/Berlin in June is UTC+2.
  const std::vector<Case> cases = {
      {"no windows: the next slot", "0 1 * * *", {}, "2026-06-09 23:00", "2026-06-10 23:00"},
      {"the window's end", "0 1 * * *", {"00:30-05:00"}, "2026-06-09 23:00", "2026-06-10 03:00"},
      {"a window across midnight, slot after midnight",
       "0 1 * * *",
       {"22:00-02:00"},
       "2026-06-09 23:00",
       "2026-06-10 00:00"},
      {"a window across midnight, slot before midnight",
       "0 23 * * *",
       {"22:00-02:00"},
       "2026-06-10 21:00",
       "2026-06-11 00:00"},
      {"the next slot comes before the window's end",
       "0 1-3 * * *",
       {"00:30-05:00"},
       "2026-06-09 23:00",
       "2026-06-10 00:00"},
      {"a window to 24:00", "0 22 * * *", {"21:00-24:00"}, "2026-06-10 20:00", "2026-06-10 22:00"},
      {"the second of two windows",
       "0 13 * * *",
       {"00:30-05:00", "12:00-14:00"},
       "2026-06-10 11:00",
       "2026-06-10 12:00"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    Schedule s = Make(c.cron, "Europe/Berlin", c.windows);
    EXPECT_TRUE(InWindow(s, Utc(c.slot)));
    EXPECT_EQ(Show(SlotDeadline(s, Utc(c.slot))), c.deadline);
  }
  Schedule s = Make("0 1 * * *", "Europe/Berlin", {"22:00-02:00"});
  EXPECT_TRUE(InWindow(s, Utc("2026-06-10 20:00")));                         // 22:00 local
  EXPECT_TRUE(InWindow(s, Utc("2026-06-10 23:59")));                         // 01:59
  EXPECT_FALSE(InWindow(s, Utc("2026-06-11 00:00")));                        // 02:00: the end is not inside
  EXPECT_FALSE(InWindow(s, Utc("2026-06-10 19:59")));                        // 21:59
  EXPECT_TRUE(InWindow(Make("0 1 * * *", "UTC"), Utc("2026-06-10 12:00")));  // no windows: always
}

TEST(ScheduleTest, JitteredStartStaysBeforeTheDeadline) {
  struct Case {
    const char* what;
    const char* cron;
    std::vector<std::string> windows;
    const char* jitter;
    uint64_t random;
    const char* expected;  // UTC; the slot is 2026-06-09 23:00 UTC (01:00 in Berlin)
  };
  const std::vector<Case> cases = {
      {"no jitter", "0 1 * * *", {}, "", 12345, "2026-06-09 23:00"},
      {"random within the bound", "0 1 * * *", {}, "10m", 61, "2026-06-09 23:01:01"},
      {"random wraps at jitter + 1", "0 1 * * *", {}, "10m", 601 + 30, "2026-06-09 23:00:30"},
      {"the whole bound", "0 1 * * *", {}, "10m", 600, "2026-06-09 23:10"},
      {"clipped to the window's end", "0 1 * * *", {"00:30-01:05"}, "1h", 3000, "2026-06-09 23:04:59"},
      {"clipped before the next slot", "*/5 1 * * *", {}, "1h", 3000, "2026-06-09 23:04:59"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    Schedule s = Make(c.cron, "Europe/Berlin", c.windows, c.jitter);
    EXPECT_EQ(Show(JitteredStart(s, Utc("2026-06-09 23:00"), c.random)), c.expected);
  }
}

TEST(ScheduleTest, MakeScheduleNamesTheBadField) {
  struct Case {
    const char* cron;
    const char* zone;
    std::vector<std::string> windows;
    const char* jitter;
    std::string message;
  };
  const std::string window_form =
      "; use \"HH:MM-HH:MM\" in the schedule's time zone, e.g. \"00:30-05:00\" or \"22:00-04:00\" (across "
      "midnight)";
  const std::vector<Case> cases = {
      {"0 1 * * *",
       "Europe/Berlim",
       {},
       "",
       "time zone \"Europe/Berlim\": is not in the zone database (/usr/share/zoneinfo); use an IANA name "
       "such as "
       "Europe/Berlin, America/New_York or UTC"},
      {"0 1 * * *",
       "",
       {},
       "",
       "time zone \"\": is not in the zone database (/usr/share/zoneinfo); use an IANA name such as "
       "Europe/Berlin, America/New_York or UTC"},
      {"0 1 * * *",
       "CEST",
       {},
       "",
       "time zone \"CEST\": is not in the zone database (/usr/share/zoneinfo); use an IANA name such as "
       "Europe/Berlin, America/New_York or UTC"},
      // Each node's own zone (a link in Debian's zoneinfo): nodes would disagree on when a slot is.
      {"0 1 * * *",
       "localtime",
       {},
       "",
       "time zone \"localtime\": is not in the zone database (/usr/share/zoneinfo); use an IANA name such as "
       "Europe/Berlin, America/New_York or UTC"},
      {"0 1 * * *",
       "../../../etc/passwd",
       {},
       "",
       "time zone \"../../../etc/passwd\": is not in the zone database (/usr/share/zoneinfo); use an IANA "
       "name "
       "such as Europe/Berlin, America/New_York or UTC"},
      {"0 1 * * *",
       "UTC",
       {"1:00-05:00"},
       "",
       "window \"1:00-05:00\": start is not a time 00:00-23:59" + window_form},
      {"0 1 * * *", "UTC", {"00:30"}, "", "window \"00:30\": has no '-' between start and end" + window_form},
      {"0 1 * * *",
       "UTC",
       {"00:30-25:00"},
       "",
       "window \"00:30-25:00\": end is not a time 00:00-24:00" + window_form},
      {"0 1 * * *",
       "UTC",
       {"01:00-01:00"},
       "",
       "window \"01:00-01:00\": starts where it ends (leave windows out to allow any time)" + window_form},
      {"0 23 * * *",
       "UTC",
       {"00:30-05:00"},
       "",
       "windows: the cron time 23:00 of \"0 23 * * *\" lies outside every window; a run starts only inside a "
       "window: change the cron or widen a window"},
      {"0 1 * * *",
       "UTC",
       {},
       "25h",
       "jitter \"25h\": use a duration up to 24h: 90s, 10m, 1h (0 or empty: no jitter)"},
      {"0 1 * * *",
       "UTC",
       {},
       "10",
       "jitter \"10\": use a duration up to 24h: 90s, 10m, 1h (0 or empty: no jitter)"},
      {"0 1 * * *",
       "UTC",
       {},
       "-1m",
       "jitter \"-1m\": use a duration up to 24h: 90s, 10m, 1h (0 or empty: no jitter)"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.message);
    auto r = MakeSchedule(c.cron, c.zone, c.windows, c.jitter);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(r.status().message(), c.message);
  }
  auto ok = MakeSchedule("0 1 * * *", "Europe/Berlin", {"00:30-05:00"}, "10m");
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->jitter_seconds, 600);
  EXPECT_EQ(ok->time_zone, "Europe/Berlin");
  ASSERT_EQ(ok->windows.size(), 1u);
  EXPECT_EQ(ok->windows[0].start_minute, 30);
  EXPECT_EQ(ok->windows[0].end_minute, 300);
}

TEST(ScheduleTest, Durations) {
  const std::vector<std::pair<const char*, int64_t>> good = {
      {"0", 0}, {"90s", 90}, {"10m", 600}, {"1h", 3600}, {"7d", 604800}, {"2w", 1209600}, {"0s", 0}};
  for (const auto& [text, secs] : good) {
    auto d = ParseDuration(text);
    ASSERT_TRUE(d.ok()) << text;
    EXPECT_EQ(*d, secs) << text;
  }
  for (const char* bad : {"", "s", "1", "1x", "1.5h", "+1h", "-1h", "1 h", "12345678901d"}) {
    EXPECT_FALSE(ParseDuration(bad).ok()) << bad;
  }
  EXPECT_EQ(FormatDuration(600), "10m");
  EXPECT_EQ(FormatDuration(90), "90s");
  EXPECT_EQ(FormatDuration(int64_t{86400} * 30), "30d");
  EXPECT_EQ(FormatDuration(7200), "2h");
  EXPECT_EQ(FormatDuration(0), "0s");
}

TEST(ScheduleTest, SlotTagsAreTheMinuteInUtc) {
  EXPECT_EQ(SlotTag("nightly", Utc("2026-12-06 01:00")), "nightly-20261206T0100Z");
  // Whatever second a node starts at, the tag of the slot is the same (the slot is what is tagged).
  EXPECT_EQ(SlotTag("nightly", Utc("2026-12-06 01:00:37")), "nightly-20261206T0100Z");
  EXPECT_EQ(SlotTag("a-b_c", Utc("2028-02-29 23:59")), "a-b_c-20280229T2359Z");

  auto p = ParseSlotTag("a-b_c-20280229T2359Z");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->policy, "a-b_c");
  EXPECT_EQ(p->slot, Utc("2028-02-29 23:59"));
  for (const char* bad : {"nightly-20261306T0100Z", "nightly-20270229T0100Z", "nightly-20261206T2400Z",
                          "nightly-20261206T0160Z", "-20261206T0100Z", "nightly20261206T0100Z",
                          "night ly-20261206T0100Z", "nightly-20261206T0100", "nightly-2026120xT0100Z",
                          "nightly-20261206t0100Z", "nightly-", "manual-2026-12-06"}) {
    EXPECT_FALSE(ParseSlotTag(bad).has_value()) << bad;
  }
}

TEST(ScheduleTest, FormatLocalShowsZoneAndOffset) {
  EXPECT_EQ(FormatLocal(Make("@daily", "Europe/Berlin"), Utc("2026-03-29 01:00")),
            "2026-03-29 03:00 CEST (+02:00)");
  EXPECT_EQ(FormatLocal(Make("@daily", "Europe/Berlin"), Utc("2026-03-29 00:59")),
            "2026-03-29 01:59 CET (+01:00)");
  EXPECT_EQ(FormatLocal(Make("@daily", "Asia/Kathmandu"), Utc("2026-06-01 18:15")),
            "2026-06-02 00:00 +0545 (+05:45)");
  EXPECT_EQ(FormatLocal(Make("@daily", "America/New_York"), Utc("2026-11-01 05:30")),
            "2026-11-01 01:30 EDT (-04:00)");
}

}  // namespace
}  // namespace cv::sched
