#include "core/cron.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace cv::sched {
namespace {

template <size_t N>
std::vector<int> Bits(const std::bitset<N>& b) {
  std::vector<int> out;
  for (size_t i = 0; i < N; ++i) {
    if (b[i]) out.push_back(static_cast<int>(i));
  }
  return out;
}

struct FieldCase {
  const char* text;
  std::vector<int> minute, hour, dom, month, dow;
  bool dom_star, dow_star;
};

std::vector<int> Range(int lo, int hi, int step = 1) {
  std::vector<int> v;
  for (int i = lo; i <= hi; i += step) v.push_back(i);
  return v;
}

TEST(CronTest, ParsesEveryFieldForm) {
  const std::vector<FieldCase> cases = {
      {"0 1 * * *", {0}, {1}, Range(1, 31), Range(1, 12), Range(0, 6), true, true},
      {"*/15 */6 1,15 * *", {0, 15, 30, 45}, {0, 6, 12, 18}, {1, 15}, Range(1, 12), Range(0, 6), false, true},
      {"5-10/2 22-23 * JAN-mar,Dec mon-FRI",
       {5, 7, 9},
       {22, 23},
       Range(1, 31),
       {1, 2, 3, 12},
       Range(1, 5),
       true,
       false},
      {"0 0 * * 7", {0}, {0}, Range(1, 31), Range(1, 12), {0}, true, false},
      {"0 0 * * 5-7", {0}, {0}, Range(1, 31), Range(1, 12), {0, 5, 6}, true, false},
      {"0 0 */2 * sun", {0}, {0}, Range(1, 31, 2), Range(1, 12), {0}, true, false},
      {"  0   0  29 2 *  ", {0}, {0}, {29}, {2}, Range(0, 6), false, true},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    auto r = ParseCron(c.text);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(Bits(r->minute), c.minute);
    EXPECT_EQ(Bits(r->hour), c.hour);
    EXPECT_EQ(Bits(r->dom), c.dom);
    EXPECT_EQ(Bits(r->month), c.month);
    EXPECT_EQ(Bits(r->dow), c.dow);
    EXPECT_EQ(r->dom_star, c.dom_star);
    EXPECT_EQ(r->dow_star, c.dow_star);
  }
  // n/step runs from n to the field's end, as cronie reads it.
  auto r = ParseCron("7/20 0 * * *");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Bits(r->minute), (std::vector<int>{7, 27, 47}));
  EXPECT_EQ(r->text, "7/20 0 * * *");
}

TEST(CronTest, ShorthandsExpandAsCronie) {
  const std::vector<std::pair<const char*, const char*>> cases = {
      {"@hourly", "0 * * * *"},   {"@daily", "0 0 * * *"},   {"@midnight", "0 0 * * *"},
      {"@weekly", "0 0 * * 0"},   {"@monthly", "0 0 1 * *"}, {"@yearly", "0 0 1 1 *"},
      {"@ANNUALLY", "0 0 1 1 *"},
  };
  for (const auto& [shorthand, expanded] : cases) {
    SCOPED_TRACE(shorthand);
    auto a = ParseCron(shorthand);
    auto b = ParseCron(expanded);
    ASSERT_TRUE(a.ok()) << a.status().ToString();
    ASSERT_TRUE(b.ok());
    EXPECT_EQ(a->minute, b->minute);
    EXPECT_EQ(a->hour, b->hour);
    EXPECT_EQ(a->dom, b->dom);
    EXPECT_EQ(a->month, b->month);
    EXPECT_EQ(a->dow, b->dow);
    EXPECT_EQ(a->dom_star, b->dom_star);
    EXPECT_EQ(a->dow_star, b->dow_star);
    EXPECT_EQ(a->text, shorthand);
  }
}

TEST(CronTest, DayFieldsFollowVixiesOrRule) {
  // {cron, month, day, weekday, matches}. 2026-02-13 is a Friday (5); 2026-02-06 too; 2026-02-14 Saturday.
  struct Case {
    const char* cron;
    unsigned month, day, weekday;
    bool match;
  };
  const std::vector<Case> cases = {
      {"0 12 13 * FRI", 2, 6, 5, true},    // both restricted: a Friday that is not the 13th matches
      {"0 12 13 * FRI", 2, 14, 6, false},  // neither
      {"0 12 13 * FRI", 3, 13, 5, true},
      {"0 12 13 * *", 2, 6, 5, false},   // dow `*`: only the 13th
      {"0 12 * * FRI", 2, 13, 5, true},  // dom `*`: only Fridays
      {"0 12 * * FRI", 2, 14, 6, false},
      {"0 12 */2 * FRI", 2, 6, 5, false},  // dom starts with `*`: an AND (6 is even)
      {"0 12 */2 * FRI", 2, 13, 5, true},
      {"0 12 13 2 FRI", 3, 6, 5, false},  // month restricts both
      {"0 0 31 * *", 4, 30, 4, false},
      {"0 0 30 2 MON", 2, 2, 1, true},  // the OR rule: Mondays of February run, the 30th never comes
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.cron) + " on " + std::to_string(c.month) + "/" + std::to_string(c.day));
    auto r = ParseCron(c.cron);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->MatchesDay(c.month, c.day, c.weekday), c.match);
  }
}

TEST(CronTest, RejectsEachClassOfMistakeNamingIt) {
  const std::string form =
      "; use 5 fields \"minute hour day-of-month month day-of-week\" (each *, a number, a range a-b, a step "
      "*/n "
      "or a-b/n, or a comma list of those; months JAN-DEC, days SUN-SAT), or one of @hourly @daily @midnight "
      "@weekly @monthly @yearly @annually";
  const std::vector<std::pair<const char*, std::string>> cases = {
      {"", "cron \"\": is empty" + form},
      {"0 1 * *", "cron \"0 1 * *\": has 4 fields" + form},
      {"0 0 1 * * *", "cron \"0 0 1 * * *\": has 6 fields (there is no seconds field and no command)" + form},
      {"60 * * * *", "cron \"60 * * * *\": minute field \"60\": 60 is out of range 0-59" + form},
      {"0 24 * * *", "cron \"0 24 * * *\": hour field \"24\": 24 is out of range 0-23" + form},
      {"0 0 0 * *", "cron \"0 0 0 * *\": day-of-month field \"0\": 0 is out of range 1-31" + form},
      {"0 0 * 13 *", "cron \"0 0 * 13 *\": month field \"13\": 13 is out of range 1-12" + form},
      {"0 0 * * 8", "cron \"0 0 * * 8\": day-of-week field \"8\": 8 is out of range 0-7" + form},
      {"0 0 * FOO *",
       "cron \"0 0 * FOO *\": month field \"FOO\": \"FOO\" is not a month name (JAN-DEC)" + form},
      {"0 0 * * MONDAY",
       "cron \"0 0 * * MONDAY\": day-of-week field \"MONDAY\": \"MONDAY\" is not a day name (SUN-SAT)" +
           form},
      {"x * * * *", "cron \"x * * * *\": minute field \"x\": \"x\" is not a number" + form},
      {"*/0 * * * *",
       "cron \"*/0 * * * *\": minute field \"*/0\": step \"/0\" is not a number from 1 to 59" + form},
      {"0 22-2 * * *",
       "cron \"0 22-2 * * *\": hour field \"22-2\": range \"22-2\" runs backwards (write it as two ranges, "
       "e.g. "
       "22-23,0-2)" +
           form},
      {"1,,2 * * * *", "cron \"1,,2 * * * *\": minute field \"1,,2\": an empty value" + form},
      {"-5 * * * *", "cron \"-5 * * * *\": minute field \"-5\": an empty value" + form},
      {"@reboot", "cron \"@reboot\": \"@reboot\" is not a known shorthand (@reboot has no schedule; " +
                      form.substr(2) + ")"},
      {"0 0 30 2 *",
       "cron \"0 0 30 2 *\": day-of-month \"30\" never occurs in month \"2\", so it would never run"},
      {"0 0 31 APR,jun *",
       "cron \"0 0 31 APR,jun *\": day-of-month \"31\" never occurs in month \"APR,jun\", so it would never "
       "run"},
      {"@often", "cron \"@often\": \"@often\" is not a known shorthand (" + form.substr(2) + ")"},
  };
  for (const auto& [text, message] : cases) {
    SCOPED_TRACE(text);
    auto r = ParseCron(text);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(r.status().message(), message);
  }
}

}  // namespace
}  // namespace cv::sched
