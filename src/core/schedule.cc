// Slots are found by walking local calendar days (the cron day fields are cheap to test on a civil date)
// and, inside a matching day, binary-searching the day's sorted run times: local time -> UTC is monotonic
// under the DST rules below, so a year of an hourly schedule costs a few hundred conversions, not minutes
// by the million.
#include "core/schedule.h"

#include <date/date.h>
#include <date/tz.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <exception>

namespace cv::sched {
namespace {

using date::days;
using date::floor;
using std::chrono::minutes;
using std::chrono::seconds;
using LocalS = date::local_seconds;
using SysS = date::sys_seconds;

constexpr int64_t kMaxJitter = int64_t{24} * 3600;
constexpr int kForwardDays = 5 * 366 + 2;
constexpr int kBackDays = 366 + 2;

const date::time_zone* FindZone(std::string_view name) {
  if (name.empty()) return nullptr;
  try {
    return date::locate_zone(name);
  } catch (const std::exception&) {
    return nullptr;
  }
}

// A local wall time -> the UTC instant it runs at: a time skipped by a DST jump runs at the first instant
// after the gap (the transition itself); a time that occurs twice runs at its first occurrence. The map
// never goes backwards, which the binary searches below rely on.
int64_t ToUtc(const date::time_zone* z, LocalS l) {
  date::local_info i = z->get_info(l);
  switch (i.result) {
    case date::local_info::nonexistent:
      return i.first.end.time_since_epoch().count();
    case date::local_info::ambiguous:
    case date::local_info::unique:
    default:
      return (l.time_since_epoch() - i.first.offset).count();
  }
}

LocalS ToLocal(const date::time_zone* z, int64_t t) { return z->to_local(SysS(seconds(t))); }

// The day's run times in minutes after local midnight, ascending.
std::vector<int> RunMinutes(const CronSpec& c) {
  std::vector<int> out;
  for (int h = 0; h < 24; ++h) {
    if (!c.hour[static_cast<size_t>(h)]) continue;
    for (int m = 0; m < 60; ++m) {
      if (c.minute[static_cast<size_t>(m)]) out.push_back(h * 60 + m);
    }
  }
  return out;
}

bool DayMatches(const CronSpec& c, date::local_days d) {
  date::year_month_day ymd{d};
  return c.MatchesDay(static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                      date::weekday{d}.c_encoding());
}

int64_t At(const date::time_zone* z, date::local_days d, int minute_of_day) {
  return ToUtc(z, LocalS(d) + minutes(minute_of_day));
}

bool MinuteInWindow(const Window& w, int m) {
  return w.start_minute < w.end_minute ? (m >= w.start_minute && m < w.end_minute)
                                       : (m >= w.start_minute || m < w.end_minute);
}

std::string Hhmm(int minute_of_day) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%02d:%02d", minute_of_day / 60, minute_of_day % 60);
  return buf;
}

bool IsNameChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-'; }

bool ParseInt(std::string_view s, int* out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

// "localtime" is in Debian's zoneinfo as a link to the node's own /etc/localtime: nodes set to different
// zones would then run one policy at different instants, so it is no zone name here.
bool IsKnownTimeZone(std::string_view name) { return name != "localtime" && FindZone(name) != nullptr; }

Result<int64_t> ParseDuration(std::string_view text) {
  auto bad = [&] {
    return Status::InvalidArgument("duration \"" + std::string(text) + "\"",
                                   "is not a duration; use a whole number and a unit s, m, h, d or w "
                                   "(90s, 10m, 1h, 7d, 2w)");
  };
  if (text == "0") return int64_t{0};
  if (text.size() < 2 || text.size() > 10) return bad();
  int64_t unit = 0;
  switch (text.back()) {
    case 's':
      unit = 1;
      break;
    case 'm':
      unit = 60;
      break;
    case 'h':
      unit = 3600;
      break;
    case 'd':
      unit = 86400;
      break;
    case 'w':
      unit = int64_t{7} * 86400;
      break;
    default:
      return bad();
  }
  std::string_view num = text.substr(0, text.size() - 1);
  int64_t n = 0;
  auto [p, ec] = std::from_chars(num.data(), num.data() + num.size(), n);
  if (ec != std::errc() || p != num.data() + num.size() || n < 0 || num[0] == '+') return bad();
  return n * unit;  // at most 9 digits times a week: no overflow
}

std::string FormatDuration(int64_t s) {
  if (s != 0 && s % 86400 == 0) return std::to_string(s / 86400) + "d";
  if (s != 0 && s % 3600 == 0) return std::to_string(s / 3600) + "h";
  if (s != 0 && s % 60 == 0) return std::to_string(s / 60) + "m";
  return std::to_string(s) + "s";
}

Result<Window> ParseWindow(std::string_view text) {
  const std::string subject = "window \"" + std::string(text) + "\"";
  auto bad = [&](std::string_view why) {
    return Status::InvalidArgument(subject, std::string(why) +
                                                "; use \"HH:MM-HH:MM\" in the schedule's time zone, e.g. "
                                                "\"00:30-05:00\" or \"22:00-04:00\" (across midnight)");
  };
  auto hm = [](std::string_view s, bool end, int* out) {
    int h = 0, m = 0;
    if (s.size() != 5 || s[2] != ':' || !ParseInt(s.substr(0, 2), &h) || !ParseInt(s.substr(3, 2), &m)) {
      return false;
    }
    if (m > 59 || h > 24 || (h == 24 && (m != 0 || !end))) return false;
    *out = h * 60 + m;
    return true;
  };
  size_t dash = text.find('-');
  Window w;
  if (dash == std::string_view::npos) return bad("has no '-' between start and end");
  if (!hm(text.substr(0, dash), false, &w.start_minute)) return bad("start is not a time 00:00-23:59");
  if (!hm(text.substr(dash + 1), true, &w.end_minute)) return bad("end is not a time 00:00-24:00");
  if (w.start_minute == w.end_minute) {
    return bad("starts where it ends (leave windows out to allow any time)");
  }
  return w;
}

Result<int64_t> ParseJitter(std::string_view text) {
  if (text.empty()) return int64_t{0};
  auto d = ParseDuration(text);
  if (!d.ok() || *d > kMaxJitter) {
    return Status::InvalidArgument("jitter \"" + std::string(text) + "\"",
                                   "use a duration up to 24h: 90s, 10m, 1h (0 or empty: no jitter)");
  }
  return *d;
}

Result<Schedule> MakeSchedule(std::string_view cron, std::string_view time_zone,
                              const std::vector<std::string>& windows, std::string_view jitter) {
  Schedule s;
  CV_ASSIGN_OR_RETURN(s.cron, ParseCron(cron));
  if (!IsKnownTimeZone(time_zone)) {
    return Status::InvalidArgument("time zone \"" + std::string(time_zone) + "\"",
                                   "is not in the zone database (/usr/share/zoneinfo); use an IANA name such "
                                   "as Europe/Berlin, America/New_York or UTC");
  }
  s.time_zone = std::string(time_zone);
  for (const std::string& w : windows) {
    CV_ASSIGN_OR_RETURN(Window win, ParseWindow(w));
    s.windows.push_back(win);
  }
  if (!s.windows.empty()) {
    // A run time outside every window could never start: say so now rather than skip it every day.
    for (int m : RunMinutes(s.cron)) {
      bool inside = std::any_of(s.windows.begin(), s.windows.end(),
                                [&](const Window& w) { return MinuteInWindow(w, m); });
      if (!inside) {
        return Status::InvalidArgument("windows", "the cron time " + Hhmm(m) + " of \"" + s.cron.text +
                                                      "\" lies outside every window; a run starts only "
                                                      "inside a window: change the cron or widen a window");
      }
    }
  }
  CV_ASSIGN_OR_RETURN(s.jitter_seconds, ParseJitter(jitter));
  return s;
}

std::optional<int64_t> NextSlotAfter(const Schedule& s, int64_t t) {
  const date::time_zone* z = FindZone(s.time_zone);
  std::vector<int> mins = RunMinutes(s.cron);
  if (z == nullptr || mins.empty()) return std::nullopt;
  // Two days of margin before t's local date cover any offset change (the largest, Samoa's, was a day).
  date::local_days today = floor<days>(ToLocal(z, t));
  for (date::local_days d = today - days(2); d <= today + days(kForwardDays); d += days(1)) {
    if (!DayMatches(s.cron, d) || At(z, d, mins.back()) <= t) continue;
    auto it = std::partition_point(mins.begin(), mins.end(), [&](int m) { return At(z, d, m) <= t; });
    return At(z, d, *it);
  }
  return std::nullopt;
}

std::optional<int64_t> LatestSlotAtOrBefore(const Schedule& s, int64_t t) {
  const date::time_zone* z = FindZone(s.time_zone);
  std::vector<int> mins = RunMinutes(s.cron);
  if (z == nullptr || mins.empty()) return std::nullopt;
  date::local_days today = floor<days>(ToLocal(z, t));
  for (date::local_days d = today + days(2); d >= today - days(kBackDays); d -= days(1)) {
    if (!DayMatches(s.cron, d) || At(z, d, mins.front()) > t) continue;
    auto it = std::partition_point(mins.begin(), mins.end(), [&](int m) { return At(z, d, m) <= t; });
    return At(z, d, *std::prev(it));
  }
  return std::nullopt;
}

std::vector<int64_t> NextSlots(const Schedule& s, int64_t after, size_t n) {
  std::vector<int64_t> out;
  for (int64_t t = after; out.size() < n;) {
    auto next = NextSlotAfter(s, t);
    if (!next) break;
    out.push_back(*next);
    t = *next;
  }
  return out;
}

bool InWindow(const Schedule& s, int64_t t) {
  if (s.windows.empty()) return true;
  const date::time_zone* z = FindZone(s.time_zone);
  if (z == nullptr) return false;
  LocalS l = ToLocal(z, t);
  int m = static_cast<int>(floor<minutes>(l - floor<days>(l)).count());
  return std::any_of(s.windows.begin(), s.windows.end(),
                     [&](const Window& w) { return MinuteInWindow(w, m); });
}

int64_t SlotDeadline(const Schedule& s, int64_t slot) {
  auto next = NextSlotAfter(s, slot);
  int64_t cap = next ? *next : slot + 86400;
  if (s.windows.empty()) return cap;
  const date::time_zone* z = FindZone(s.time_zone);
  if (z == nullptr) return slot;
  LocalS l = ToLocal(z, slot);
  date::local_days day = floor<days>(l);
  int m = static_cast<int>(floor<minutes>(l - day).count());
  for (const Window& w : s.windows) {
    if (!MinuteInWindow(w, m)) continue;
    date::local_days end_day = (w.start_minute > w.end_minute && m >= w.start_minute) ? day + days(1) : day;
    int64_t end = At(z, end_day, w.end_minute);
    return std::max(slot, std::min(cap, end));
  }
  return slot;  // a slot a DST jump moved out of its window may start only at its instant
}

int64_t JitteredStart(const Schedule& s, int64_t slot, uint64_t random) {
  int64_t delay =
      s.jitter_seconds > 0 ? static_cast<int64_t>(random % static_cast<uint64_t>(s.jitter_seconds + 1)) : 0;
  return std::max(slot, std::min(slot + delay, SlotDeadline(s, slot) - 1));
}

std::string SlotTag(std::string_view policy, int64_t slot) {
  SysS t{seconds(slot)};
  auto day = floor<days>(t);
  date::year_month_day ymd{day};
  date::hh_mm_ss<minutes> hms{floor<minutes>(t - day)};
  char buf[64];
  std::snprintf(buf, sizeof buf, "-%04d%02u%02uT%02d%02dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()));
  return std::string(policy) + buf;
}

std::optional<SlotTagParts> ParseSlotTag(std::string_view tag) {
  size_t dash = tag.rfind('-');
  if (dash == std::string_view::npos || dash == 0 || dash > 48) return std::nullopt;
  std::string_view name = tag.substr(0, dash), stamp = tag.substr(dash + 1);
  if (!std::all_of(name.begin(), name.end(), IsNameChar)) return std::nullopt;
  if (stamp.size() != 14 || stamp[8] != 'T' || stamp[13] != 'Z') return std::nullopt;
  int y = 0, mo = 0, d = 0, h = 0, mi = 0;
  if (!std::all_of(stamp.begin(), stamp.begin() + 8, [](char c) { return c >= '0' && c <= '9'; }) ||
      !std::all_of(stamp.begin() + 9, stamp.begin() + 13, [](char c) { return c >= '0' && c <= '9'; }) ||
      !ParseInt(stamp.substr(0, 4), &y) || !ParseInt(stamp.substr(4, 2), &mo) ||
      !ParseInt(stamp.substr(6, 2), &d) || !ParseInt(stamp.substr(9, 2), &h) ||
      !ParseInt(stamp.substr(11, 2), &mi)) {
    return std::nullopt;
  }
  date::year_month_day ymd{date::year(y), date::month(static_cast<unsigned>(mo)),
                           date::day(static_cast<unsigned>(d))};
  if (!ymd.ok() || h > 23 || mi > 59) return std::nullopt;
  SysS t = date::sys_days(ymd) + std::chrono::hours(h) + minutes(mi);
  return SlotTagParts{std::string(name), t.time_since_epoch().count()};
}

std::string FormatLocal(const Schedule& s, int64_t t) {
  const date::time_zone* z = FindZone(s.time_zone);
  if (z == nullptr) return "(unknown time zone \"" + s.time_zone + "\")";
  date::zoned_time<seconds> zt(z, SysS(seconds(t)));
  return date::format("%Y-%m-%d %H:%M %Z (%Ez)", zt);
}

}  // namespace cv::sched
