#include "core/cron.h"

#include <array>
#include <cctype>
#include <charconv>
#include <string>
#include <vector>

namespace cv::sched {
namespace {

constexpr std::string_view kForm =
    "use 5 fields \"minute hour day-of-month month day-of-week\" (each *, a number, a range a-b, a step */n "
    "or a-b/n, or a comma list of those; months JAN-DEC, days SUN-SAT), or one of @hourly @daily @midnight "
    "@weekly @monthly @yearly @annually";

struct Field {
  const char* name;
  int lo, hi;
  const std::array<std::string_view, 12>* names;  // names[i] is the value lo_name + i
  int names_first;                                // the value of names[0]
  int names_count;
};

constexpr std::array<std::string_view, 12> kMonths = {"jan", "feb", "mar", "apr", "may", "jun",
                                                      "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::array<std::string_view, 12> kDays = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

// Day-of-week accepts 7 (Sunday, as cronie does); it is folded onto 0 after parsing.
constexpr std::array<Field, 5> kFields = {{{"minute", 0, 59, nullptr, 0, 0},
                                           {"hour", 0, 23, nullptr, 0, 0},
                                           {"day-of-month", 1, 31, nullptr, 0, 0},
                                           {"month", 1, 12, &kMonths, 1, 12},
                                           {"day-of-week", 0, 7, &kDays, 0, 7}}};

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// One value: a number or (for month/day-of-week) a three-letter name. Error text in *err.
bool ParseValue(const Field& f, std::string_view tok, int* out, std::string* err) {
  if (tok.empty()) {
    *err = "an empty value";
    return false;
  }
  if (std::isdigit(static_cast<unsigned char>(tok[0]))) {
    int v = 0;
    auto [p, ec] = std::from_chars(tok.data(), tok.data() + tok.size(), v);
    if (ec != std::errc() || p != tok.data() + tok.size()) {
      *err = "\"" + std::string(tok) + "\" is not a number";
      return false;
    }
    if (v < f.lo || v > f.hi) {
      *err = std::to_string(v) + " is out of range " + std::to_string(f.lo) + "-" + std::to_string(f.hi);
      return false;
    }
    *out = v;
    return true;
  }
  if (f.names != nullptr) {
    std::string l = Lower(tok);
    for (int i = 0; i < f.names_count; ++i) {
      if ((*f.names)[static_cast<size_t>(i)] == l) {
        *out = f.names_first + i;
        return true;
      }
    }
    *err = "\"" + std::string(tok) + "\" is not a " +
           (f.names == &kMonths ? "month name (JAN-DEC)" : "day name (SUN-SAT)");
    return false;
  }
  *err = "\"" + std::string(tok) + "\" is not a number";
  return false;
}

// One comma-separated item: `*`, `*/n`, `a`, `a-b`, `a-b/n`, `a/n` (a to the field's end, as cronie).
bool ParseItem(const Field& f, std::string_view item, std::vector<bool>* bits, std::string* err) {
  std::string_view range = item, step_text;
  bool has_step = false;
  if (size_t slash = item.find('/'); slash != std::string_view::npos) {
    range = item.substr(0, slash);
    step_text = item.substr(slash + 1);
    has_step = true;
  }
  int lo = 0, hi = 0;
  if (range == "*") {
    lo = f.lo;
    hi = f.hi == 7 ? 6 : f.hi;  // "*" in day-of-week is 0-6
  } else if (size_t dash = range.find('-'); dash != std::string_view::npos) {
    if (!ParseValue(f, range.substr(0, dash), &lo, err) || !ParseValue(f, range.substr(dash + 1), &hi, err)) {
      return false;
    }
    if (lo > hi) {
      *err = "range \"" + std::string(range) + "\" runs backwards (write it as two ranges, e.g. 22-23,0-2)";
      return false;
    }
  } else {
    if (!ParseValue(f, range, &lo, err)) return false;
    hi = has_step ? (f.hi == 7 ? 6 : f.hi) : lo;
  }
  int step = 1;
  if (has_step) {
    auto [p, ec] = std::from_chars(step_text.data(), step_text.data() + step_text.size(), step);
    if (step_text.empty() || ec != std::errc() || p != step_text.data() + step_text.size() || step < 1 ||
        step > f.hi) {
      *err = "step \"/" + std::string(step_text) + "\" is not a number from 1 to " + std::to_string(f.hi);
      return false;
    }
  }
  for (int v = lo; v <= hi; v += step) (*bits)[static_cast<size_t>(v)] = true;
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string_view Expand(std::string_view shorthand) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 7> kShort = {{
      {"@hourly", "0 * * * *"},
      {"@daily", "0 0 * * *"},
      {"@midnight", "0 0 * * *"},
      {"@weekly", "0 0 * * 0"},
      {"@monthly", "0 0 1 * *"},
      {"@yearly", "0 0 1 1 *"},
      {"@annually", "0 0 1 1 *"},
  }};
  for (const auto& [k, v] : kShort) {
    if (k == shorthand) return v;
  }
  return {};
}

}  // namespace

bool CronSpec::MatchesDay(unsigned month_1, unsigned day_1, unsigned weekday) const {
  if (month_1 > 12 || day_1 > 31 || weekday > 6 || !month[month_1]) return false;
  bool d = dom[day_1], w = dow[weekday];
  // Vixie cron / cronie: a `*` in either day field makes the two an AND; both restricted, an OR.
  return (dom_star || dow_star) ? (d && w) : (d || w);
}

Result<CronSpec> ParseCron(std::string_view text) {
  std::string_view trimmed = Trim(text);
  const std::string subject = "cron \"" + std::string(trimmed) + "\"";
  std::string_view body = trimmed;
  if (!trimmed.empty() && trimmed[0] == '@') {
    body = Expand(Lower(trimmed));
    if (body.empty()) {
      return Status::InvalidArgument(
          subject, "\"" + std::string(trimmed) + "\" is not a known shorthand (" +
                       (Lower(trimmed) == "@reboot" ? "@reboot has no schedule; " : "") + std::string(kForm) +
                       ")");
    }
  }
  std::vector<std::string_view> fields;
  for (size_t i = 0; i < body.size();) {
    while (i < body.size() && std::isspace(static_cast<unsigned char>(body[i]))) ++i;
    size_t start = i;
    while (i < body.size() && !std::isspace(static_cast<unsigned char>(body[i]))) ++i;
    if (i > start) fields.push_back(body.substr(start, i - start));
  }
  if (fields.size() != 5) {
    std::string what = fields.empty() ? "is empty" : "has " + std::to_string(fields.size()) + " fields";
    if (fields.size() == 6) what += " (there is no seconds field and no command)";
    return Status::InvalidArgument(subject, what + "; " + std::string(kForm));
  }
  CronSpec spec;
  spec.text = std::string(trimmed);
  for (size_t fi = 0; fi < 5; ++fi) {
    const Field& f = kFields[fi];
    std::vector<bool> bits(static_cast<size_t>(f.hi) + 1, false);
    std::string_view field = fields[fi];
    for (size_t pos = 0;;) {
      size_t comma = field.find(',', pos);
      std::string_view item = field.substr(pos, comma == std::string_view::npos ? field.npos : comma - pos);
      std::string err;
      if (!ParseItem(f, item, &bits, &err)) {
        return Status::InvalidArgument(subject, std::string(f.name) + " field \"" + std::string(field) +
                                                    "\": " + err + "; " + std::string(kForm));
      }
      if (comma == std::string_view::npos) break;
      pos = comma + 1;
    }
    auto set = [&](auto& bs) {
      for (size_t v = 0; v < bits.size() && v < bs.size(); ++v) bs[v] = bits[v];
    };
    switch (fi) {
      case 0:
        set(spec.minute);
        break;
      case 1:
        set(spec.hour);
        break;
      case 2:
        set(spec.dom);
        break;
      case 3:
        set(spec.month);
        break;
      default:
        set(spec.dow);
        if (bits[7]) spec.dow[0] = true;  // 7 is Sunday too
        break;
    }
  }
  spec.dom_star = fields[2][0] == '*';
  spec.dow_star = fields[4][0] == '*';
  // With the AND rule the day-of-month must exist in one of the months, or the schedule never runs
  // ("0 0 30 2 *"); cron accepts that silently, a backup policy must not.
  if (spec.dom_star || spec.dow_star) {
    static constexpr std::array<int, 13> kDays = {0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool any = false;
    for (size_t m = 1; m <= 12 && !any; ++m) {
      for (size_t d = 1; d <= static_cast<size_t>(kDays[m]) && !any; ++d) any = spec.month[m] && spec.dom[d];
    }
    if (!any) {
      return Status::InvalidArgument(subject, "day-of-month \"" + std::string(fields[2]) +
                                                  "\" never occurs in month \"" + std::string(fields[3]) +
                                                  "\", so it would never run");
    }
  }
  return spec;
}

}  // namespace cv::sched
