// One pass newest-first over the complete backups evaluates every count rule at once (restic's way: each
// rule has its own counter and remembers the last period it kept), so a backup that is both the newest of
// its day and of its week uses up one daily and one weekly slot. Floors are applied afterwards and only
// ever add keeps; max age is the one thing that can take a keep away, and it cannot take a floor away.
#include "core/retention.h"

#include <date/date.h>
#include <date/tz.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <exception>
#include <limits>
#include <set>

#include "core/schedule.h"

namespace cv::retention {
namespace {

using std::chrono::seconds;

enum class Period { kHour, kDay, kWeek, kMonth, kYear };

struct PeriodRule {
  Period period;
  const char* label;
  std::optional<uint32_t> Rules::*count;
};

constexpr std::array<PeriodRule, 5> kPeriodRules = {{
    {Period::kHour, "hourly", &Rules::keep_hourly},
    {Period::kDay, "daily", &Rules::keep_daily},
    {Period::kWeek, "weekly", &Rules::keep_weekly},
    {Period::kMonth, "monthly", &Rules::keep_monthly},
    {Period::kYear, "yearly", &Rules::keep_yearly},
}};

// The period `t` falls in, as the text that names it in a reason. Hours carry their UTC offset: the
// clock hour that repeats when DST ends is two real hours, and two periods ("02:00+02:00", "02:00+01:00").
std::string PeriodOf(const date::time_zone* z, int64_t t, Period p) {
  const date::sys_seconds sys{seconds(t)};
  const date::sys_info info = z->get_info(sys);
  const date::local_seconds local{sys.time_since_epoch() + info.offset};
  const date::local_days day = date::floor<date::days>(local);
  const date::year_month_day ymd{day};
  const int y = static_cast<int>(ymd.year());
  const unsigned mo = static_cast<unsigned>(ymd.month()), d = static_cast<unsigned>(ymd.day());
  char buf[48];
  switch (p) {
    case Period::kHour: {
      const auto hour = date::floor<std::chrono::hours>(local - day).count();
      const auto off = date::floor<std::chrono::minutes>(info.offset).count();
      const auto abs_off = off < 0 ? -off : off;
      std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:00%c%02d:%02d", y, mo, d, static_cast<int>(hour),
                    off < 0 ? '-' : '+', static_cast<int>(abs_off / 60), static_cast<int>(abs_off % 60));
      break;
    }
    case Period::kDay:
      std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", y, mo, d);
      break;
    case Period::kWeek: {
      // ISO 8601: weeks run Monday to Sunday and belong to the year of their Thursday.
      const date::local_days monday = day - date::days(date::weekday(day).iso_encoding() - 1);
      const date::local_days thursday = monday + date::days(3);
      const date::year iso_year = date::year_month_day(thursday).year();
      const date::local_days jan1 = date::local_days(iso_year / date::January / 1);
      const auto week = (thursday - jan1).count() / 7 + 1;
      std::snprintf(buf, sizeof buf, "%04d-W%02d", static_cast<int>(iso_year), static_cast<int>(week));
      break;
    }
    case Period::kMonth:
      std::snprintf(buf, sizeof buf, "%04d-%02u", y, mo);
      break;
    case Period::kYear:
      std::snprintf(buf, sizeof buf, "%04d", y);
      break;
  }
  return buf;
}

// Locks and retain-until dates are set as `YYYY-MM-DD` (midnight UTC) or RFC 3339: show them that way.
std::string FormatUtc(int64_t t) {
  const date::sys_seconds sys{seconds(t)};
  const date::sys_days day = date::floor<date::days>(sys);
  const date::year_month_day ymd{day};
  const date::hh_mm_ss<seconds> hms{sys - day};
  char buf[48];
  if (hms.to_duration().count() == 0) {
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  } else {
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                  static_cast<int>(hms.seconds().count()));
  }
  return buf;
}

bool HasKeepRule(const Rules& r) {
  return r.keep_last || r.keep_hourly || r.keep_daily || r.keep_weekly || r.keep_monthly || r.keep_yearly ||
         r.keep_within_seconds;
}

Status Validate(const Rules& r) {
  const std::array<std::pair<const char*, const std::optional<int64_t>*>, 3> ages = {{
      {"keep_within", &r.keep_within_seconds},
      {"min_age", &r.min_age_seconds},
      {"max_age", &r.max_age_seconds},
  }};
  for (const auto& [name, v] : ages) {
    if (*v && **v < 0) {
      return Status::InvalidArgument(
          std::string("retention rule ") + name,
          "is negative (" + std::to_string(**v) + " s); give a duration such as 7d");
    }
  }
  if (r.min_age_seconds && r.max_age_seconds && *r.min_age_seconds > *r.max_age_seconds) {
    return Status::InvalidArgument("retention rules", "min_age " + sched::FormatDuration(*r.min_age_seconds) +
                                                          " is longer than max_age " +
                                                          sched::FormatDuration(*r.max_age_seconds) +
                                                          "; no backup could ever be deleted by age");
  }
  return Status::OK();
}

}  // namespace

bool AnyRule(const Rules& r) {
  return r.keep_last || r.keep_hourly || r.keep_daily || r.keep_weekly || r.keep_monthly || r.keep_yearly ||
         r.keep_within_seconds || r.min_age_seconds || r.max_age_seconds;
}

Result<std::vector<Decision>> Decide(std::vector<Candidate> candidates, const Rules& rules,
                                     std::string_view time_zone, int64_t now) {
  if (!sched::IsKnownTimeZone(time_zone)) {
    return Status::InvalidArgument("time zone \"" + std::string(time_zone) + "\"",
                                   "is not in the zone database (/usr/share/zoneinfo); use an IANA name such "
                                   "as Europe/Berlin, America/New_York or UTC");
  }
  const date::time_zone* zone = nullptr;
  try {
    zone = date::locate_zone(time_zone);
  } catch (const std::exception&) {
    return Status::InvalidArgument("time zone \"" + std::string(time_zone) + "\"", "cannot be loaded");
  }
  CV_RETURN_IF_ERROR(Validate(rules));

  std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
    return a.time != b.time ? a.time < b.time : a.tag < b.tag;
  });
  {
    std::set<std::string_view> seen;
    for (const Candidate& c : candidates) {
      if (!seen.insert(c.tag).second) {
        return Status::InvalidArgument("retention candidate \"" + c.tag + "\"",
                                       "is given twice; each cluster tag must appear once");
      }
    }
  }

  const size_t n = candidates.size();
  // A backup from after `now` is a clock running ahead somewhere: it is kept and takes no part in the
  // rest, so it can neither anchor the age rules nor push a real backup out of a count.
  auto present = [&](size_t i) { return candidates[i].time <= now; };
  std::optional<size_t> newest_complete;
  for (size_t i = 0; i < n; ++i) {
    if (present(i) && candidates[i].complete) newest_complete = i;
  }
  // Ages count back from the newest complete backup: a stopped schedule or a skewed clock must not age
  // the last good backups out.
  const bool has_anchor = newest_complete.has_value();
  const int64_t anchor = has_anchor ? candidates[*newest_complete].time : 0;
  auto age = [&](size_t i) { return anchor - candidates[i].time; };

  // The keep rules, newest first over complete backups only.
  std::vector<std::vector<std::string>> kept_by(n);
  const bool any_rule = HasKeepRule(rules) || rules.min_age_seconds || rules.max_age_seconds;
  if (!any_rule) {
    for (auto& r : kept_by) r.push_back("no retention rule");
  } else if (!HasKeepRule(rules)) {
    for (size_t i = 0; i < n; ++i) {
      if (present(i) && candidates[i].complete) kept_by[i].push_back("no keep rule");
    }
  } else {
    uint32_t last_left = rules.keep_last.value_or(0);
    std::array<uint32_t, kPeriodRules.size()> left{};
    std::array<std::string, kPeriodRules.size()> last_period;
    for (size_t k = 0; k < kPeriodRules.size(); ++k) left[k] = (rules.*kPeriodRules[k].count).value_or(0);
    const std::string last_reason = rules.keep_last ? "last " + std::to_string(*rules.keep_last) : "";
    const std::string within_reason =
        rules.keep_within_seconds ? "within " + sched::FormatDuration(*rules.keep_within_seconds) : "";
    for (size_t i = n; i-- > 0;) {
      if (!present(i) || !candidates[i].complete) continue;
      if (last_left > 0) {
        --last_left;
        kept_by[i].push_back(last_reason);
      }
      for (size_t k = 0; k < kPeriodRules.size(); ++k) {
        if (left[k] == 0) continue;
        std::string p = PeriodOf(zone, candidates[i].time, kPeriodRules[k].period);
        if (p == last_period[k]) continue;  // newest first: the period's last backup was already seen
        --left[k];
        kept_by[i].push_back(std::string(kPeriodRules[k].label) + " " + p);
        last_period[k] = std::move(p);
      }
      if (rules.keep_within_seconds && age(i) <= *rules.keep_within_seconds)
        kept_by[i].push_back(within_reason);
    }
  }

  std::vector<Decision> out;
  out.reserve(n);
  // newer_complete[i]: the time of the newest complete backup after i in the order (none: the minimum).
  std::vector<int64_t> newer_complete(n, std::numeric_limits<int64_t>::min());
  for (size_t i = n; i-- > 1;) {
    newer_complete[i - 1] = newer_complete[i];
    if (present(i) && candidates[i].complete)
      newer_complete[i - 1] = std::max(newer_complete[i], candidates[i].time);
  }
  for (size_t i = 0; i < n; ++i) {
    const Candidate& c = candidates[i];
    Decision d;
    d.tag = c.tag;
    std::vector<std::string> floors;
    bool over_max = false;
    std::optional<std::string> partial_keep;
    if (!present(i)) {
      floors.push_back("in the future");
    } else {
      if (newest_complete == i) floors.push_back("newest complete");
      if (has_anchor && rules.min_age_seconds && age(i) < *rules.min_age_seconds) {
        floors.push_back("younger than min age " + sched::FormatDuration(*rules.min_age_seconds));
      }
      over_max = has_anchor && rules.max_age_seconds && age(i) > *rules.max_age_seconds;
      if (!c.complete && newer_complete[i] <= c.time) partial_keep = "partial: no newer complete backup";
    }
    if (c.locked_until > now) floors.push_back("locked until " + FormatUtc(c.locked_until));
    if (c.retain_until > now) floors.push_back("retain until " + FormatUtc(c.retain_until));

    if (!floors.empty()) {
      d.keep = true;
      if (!over_max) {
        d.reasons = std::move(kept_by[i]);
        if (partial_keep) d.reasons.push_back(*partial_keep);
      }
      d.reasons.insert(d.reasons.end(), floors.begin(), floors.end());
    } else if (over_max) {
      d.reasons.push_back("older than max age " + sched::FormatDuration(*rules.max_age_seconds));
    } else if (!kept_by[i].empty() || partial_keep) {
      d.keep = true;
      d.reasons = std::move(kept_by[i]);
      if (partial_keep) d.reasons.push_back(*partial_keep);
    } else {
      d.reasons.push_back(c.complete ? "no rule keeps it" : "partial: a newer complete backup exists");
    }
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace cv::retention
