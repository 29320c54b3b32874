#include "core/policy.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace cv::policy {
namespace {

const char kNightly[] = R"({
  "name": "nightly",
  "schedule": {"cron": "0 1 * * *", "time_zone": "Europe/Berlin", "windows": ["00:30-05:00"], "jitter": "10m"},
  "keyspaces": ["shop", "billing"],
  "exclude": ["shop.audit_log"],
  "retention": {"keep_last": 3, "keep_daily": 7, "keep_weekly": 4, "keep_monthly": 12, "keep_within": "30d",
                "min_age": "1d"},
  "after_success": "verify",
  "enabled": true
})";

TEST(PolicyTest, ReadsEveryField) {
  auto p = PolicyFromJson(kNightly, "policy file nightly.yaml");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->name, "nightly");
  EXPECT_EQ(p->cron, "0 1 * * *");
  EXPECT_EQ(p->time_zone, "Europe/Berlin");
  EXPECT_EQ(p->windows, std::vector<std::string>{"00:30-05:00"});
  EXPECT_EQ(p->jitter, "10m");
  EXPECT_EQ(p->schedule.jitter_seconds, 600);
  EXPECT_EQ(p->schedule.time_zone, "Europe/Berlin");
  ASSERT_EQ(p->schedule.windows.size(), 1u);
  EXPECT_EQ(p->keyspaces, (std::vector<std::string>{"shop", "billing"}));
  EXPECT_EQ(p->exclude, std::vector<std::string>{"shop.audit_log"});
  EXPECT_EQ(p->retention.keep_last, 3u);
  EXPECT_EQ(p->retention.keep_daily, 7u);
  EXPECT_EQ(p->retention.keep_weekly, 4u);
  EXPECT_EQ(p->retention.keep_monthly, 12u);
  EXPECT_FALSE(p->retention.keep_hourly.has_value());
  EXPECT_FALSE(p->retention.keep_yearly.has_value());
  EXPECT_EQ(p->retention.keep_within_seconds, 30 * 86400);
  EXPECT_EQ(p->retention.min_age_seconds, 86400);
  EXPECT_FALSE(p->retention.max_age_seconds.has_value());
  EXPECT_EQ(p->after_success, "verify");
  EXPECT_TRUE(p->enabled);
}

TEST(PolicyTest, DefaultsAndMinimalPolicy) {
  auto p = PolicyFromJson(R"({"name": "hourly_all", "schedule": {"cron": "@hourly"}})", "x");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->time_zone, "UTC");
  EXPECT_TRUE(p->windows.empty());
  EXPECT_TRUE(p->jitter.empty());
  EXPECT_EQ(p->schedule.jitter_seconds, 0);
  EXPECT_TRUE(p->keyspaces.empty());
  EXPECT_EQ(p->after_success, "none");
  EXPECT_TRUE(p->enabled);
  // null is "not given" (a YAML key left blank)
  auto q = PolicyFromJson(R"({"name": "n", "schedule": {"cron": "@daily", "windows": null}, "retention": null,
                             "enabled": false})",
                          "x");
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_FALSE(q->enabled);
}

TEST(PolicyTest, CanonicalJsonRoundTripsToTheSameBytes) {
  auto p = PolicyFromJson(kNightly, "a");
  ASSERT_TRUE(p.ok());
  std::string once = PolicyToJson(*p);
  EXPECT_EQ(
      once,
      R"({"after_success":"verify","enabled":true,"exclude":["shop.audit_log"],"keyspaces":["shop","billing"],)"
      R"("name":"nightly","retention":{"keep_daily":7,"keep_last":3,"keep_monthly":12,"keep_weekly":4,)"
      R"("keep_within":"30d","min_age":"1d"},"schedule":{"cron":"0 1 * * *","jitter":"10m",)"
      R"("time_zone":"Europe/Berlin","windows":["00:30-05:00"]}})");
  auto again = PolicyFromJson(once, "b");
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(PolicyToJson(*again), once);
  // The same policy written with other key order and spacing gives the same bytes.
  auto reordered = PolicyFromJson(
      R"({"enabled":true,"after_success":"verify","retention":{"min_age":"24h","keep_within":"720h","keep_monthly":12,
          "keep_weekly":4,"keep_daily":7,"keep_last":3},"exclude":["shop.audit_log"],"keyspaces":["shop","billing"],
          "schedule":{"windows":["00:30-05:00"],"jitter":"10m","time_zone":"Europe/Berlin","cron":"  0 1 * * *"},
          "name":"nightly"})",
      "c");
  ASSERT_TRUE(reordered.ok()) << reordered.status().ToString();
  EXPECT_EQ(PolicyToJson(*reordered), once);
}

TEST(PolicyTest, RejectsEachMistakeNamingTheField) {
  const std::string zone_help =
      "\" is not in the zone database (/usr/share/zoneinfo); use an IANA name such as Europe/Berlin, "
      "America/New_York or UTC";
  struct Case {
    std::string json, message;
  };
  const std::vector<Case> cases = {
      {"not json", "policy: is not valid JSON"},
      {"[1]", "policy: must be a mapping of fields, found array"},
      {R"({"schedule": {"cron": "@daily"}})",
       "policy: name: is missing; a policy needs a name (letters, digits, '_' or '-')"},
      {R"({"name": "night ly", "schedule": {"cron": "@daily"}})",
       "policy: name: \"night ly\" is not a policy name; use 1-48 letters, digits, '_' or '-' (it starts "
       "every tag "
       "of the policy)"},
      {R"({"name": 7, "schedule": {"cron": "@daily"}})",
       "policy: name: must be text, found number (quote it in YAML)"},
      {R"({"name": "n"})",
       "policy n: schedule: is missing; give at least schedule.cron (e.g. \"0 1 * * *\")"},
      {R"({"name": "n", "schedule": {"time_zone": "UTC"}})",
       "policy n: schedule.cron: is missing; e.g. \"0 1 * * *\" or \"@daily\""},
      {R"({"name": "n", "schedule": {"cron": "0 25 * * *"}})",
       "policy n: schedule.cron \"0 25 * * *\": hour field \"25\": 25 is out of range 0-23; use 5 fields "
       "\"minute "
       "hour day-of-month month day-of-week\" (each *, a number, a range a-b, a step */n or a-b/n, or a "
       "comma "
       "list of those; months JAN-DEC, days SUN-SAT), or one of @hourly @daily @midnight @weekly @monthly "
       "@yearly @annually"},
      {R"({"name": "n", "schedule": {"cron": "@daily", "time_zone": "Mars/Olympus"}})",
       "policy n: schedule.time_zone: \"Mars/Olympus" + zone_help},
      {R"({"name": "n", "schedule": {"cron": "@daily", "windows": ["00:00-01:00", "25:00-26:00"]}})",
       "policy n: schedule.windows[1] \"25:00-26:00\": start is not a time 00:00-23:59; use \"HH:MM-HH:MM\" "
       "in "
       "the schedule's time zone, e.g. \"00:30-05:00\" or \"22:00-04:00\" (across midnight)"},
      {R"({"name": "n", "schedule": {"cron": "@daily", "windows": "00:00-01:00"}})",
       "policy n: schedule.windows: must be a list of text, found string"},
      {R"({"name": "n", "schedule": {"cron": "0 6 * * *", "windows": ["00:00-01:00"]}})",
       "policy n: schedule: windows: the cron time 06:00 of \"0 6 * * *\" lies outside every window; a run "
       "starts "
       "only inside a window: change the cron or widen a window"},
      {R"({"name": "n", "schedule": {"cron": "@daily", "jitter": "2d"}})",
       "policy n: schedule.jitter \"2d\": use a duration up to 24h: 90s, 10m, 1h (0 or empty: no jitter)"},
      {R"({"name": "n", "schedule": {"cron": "@daily", "jiter": "2m"}})",
       "policy n: schedule.jiter: unknown field (known here: cron, time_zone, windows, jitter); a misspelt "
       "rule "
       "would otherwise be ignored"},
      {R"({"name": "n", "schedule": {"cron": "@daily"}, "keyspace": ["a"]})",
       "policy n: keyspace: unknown field (known here: name, schedule, keyspaces, exclude, retention, "
       "after_success, enabled); a misspelt rule would otherwise be ignored"},
      {R"({"name": "n", "schedule": {"cron": "@daily"}, "retention": {"keep_dialy": 7}})",
       "policy n: retention.keep_dialy: unknown field (known here: keep_last, keep_hourly, keep_daily, "
       "keep_weekly, keep_monthly, keep_yearly, keep_within, min_age, max_age); a misspelt rule would "
       "otherwise "
       "be ignored"},
      {R"({"name": "n", "schedule": {"cron": "@daily"}, "retention": {"keep_daily": 0}})",
       "policy n: retention.keep_daily: must be a whole number from 1 to 1000000, found 0 (leave the rule "
       "out to "
       "turn it off)"},
      {R"({"name": "n", "schedule": {"cron": "@daily"}, "retention": {"keep_daily": "7"}})",
       "policy n: retention.keep_daily: must be a whole number from 1 to 1000000, found \"7\" (leave the "
       "rule out "
       "to turn it off)"},
      {R"({"name": "n", "schedule": {"cron": "@daily"}, "retention": {"keep_weekly": 2.5}})",
       "policy n: retention.keep_weekly: must be a whole number from 1 to 1000000, found 2.5 (leave the rule "
       "out "
       "to turn it off)"},
      {R"({"name": "n", "schedule": {"cron": "@daily"}, "retention": {"keep_within": "30 days"}})",
       "policy n: retention.keep_within: \"30 days\" is not a duration above zero; use a whole number and a "
       "unit "
       "s, m, h, d or w (12h, 30d, 8w)"},
      {R"({"name": "n", "schedule": {"cron": "@daily"}, "retention": {"min_age": "7d", "max_age": "1d"}})",
       "policy n: retention: min_age 7d is longer than max_age 1d; no backup could ever be deleted by age"},
      {R"({"name": "n", "schedule": {"cron": "@daily"}, "after_success": "check"})",
       "policy n: after_success: \"check\" is not one of none, verify"},
      {R"({"name": "n", "schedule": {"cron": "@daily"}, "enabled": "yes"})",
       "policy n: enabled: must be true or false, found string"},
      // Empty selections.
      {R"({"name": "n", "schedule": {"cron": "@daily"}, "keyspaces": ["shop"], "exclude": ["shop"]})",
       "policy n: selects nothing: every entry of keyspaces [shop] is removed by exclude [shop]; narrow "
       "exclude or "
       "name what to back up in keyspaces"},
      {R"({"name": "n", "schedule": {"cron": "@daily"}, "keyspaces": ["shop.orders", "bill*"],
           "exclude": ["shop.*", "*"]})",
       "policy n: selects nothing: every entry of keyspaces [shop.orders, bill*] is removed by exclude "
       "[shop.*, *]; "
       "narrow exclude or name what to back up in keyspaces"},
      {R"({"name": "n", "schedule": {"cron": "@daily"}, "exclude": ["*.*"]})",
       "policy n: selects nothing: exclude [*.*] removes every keyspace; narrow exclude or name what to back "
       "up in "
       "keyspaces"},
      {R"({"name": "n", "schedule": {"cron": "@daily"}, "keyspaces": [""]})",
       "policy n: keyspaces[0]: is empty; write KS or KS.TABLE (globs * and ? allowed)"},
      {R"({"name": "n", "schedule": {"cron": "@daily"}, "exclude": ["a", ""]})",
       "policy n: exclude[1]: is empty; write KS or KS.TABLE (globs * and ? allowed)"},
      {R"({"name": "n", "schedule": {"cron": "@daily"}, "keyspaces": ["a.b.c"]})",
       "policy n: keyspaces[0]: table pattern 'a.b.c': expected KEYSPACE or KEYSPACE.TABLE (letters, digits, "
       "_, -, "
       "globs * and ?)"},
      {R"({"name": "n", "schedule": {"cron": "@daily"}, "keyspaces": [1]})",
       "policy n: keyspaces[0]: must be text, found number (quote it in YAML)"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.json);
    auto p = PolicyFromJson(c.json, "");
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(p.status().message(), c.message);
  }
  // The caller's subject wins when given (a file path, say).
  auto p = PolicyFromJson(R"({"name": "n", "schedule": {"cron": "@dayly"}})", "policy file /etc/p.yaml");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().message().rfind("policy file /etc/p.yaml: schedule.cron \"@dayly\": ", 0), 0u)
      << p.status().message();
}

TEST(PolicyTest, SelectionsThatAreNotEmptyPass) {
  // Each of these leaves something selected (or cannot be shown to be empty), so it must be accepted.
  const std::vector<std::pair<std::vector<std::string>, std::vector<std::string>>> cases = {
      {{"shop"}, {"shop.audit_log"}},  // a table out of a keyspace
      {{"shop", "billing"}, {"shop"}},
      {{"sh*"}, {"shop"}},             // sh* also names "shipping"
      {{}, {"shop"}},                  // everything but shop
      {{"shop.orders"}, {"shop.o?"}},  // "orders" is not two letters
  };
  for (const auto& [ks, ex] : cases) {
    nlohmann::json j = {
        {"name", "n"}, {"schedule", {{"cron", "@daily"}}}, {"keyspaces", ks}, {"exclude", ex}};
    auto p = PolicyFromJson(j.dump(), "");
    EXPECT_TRUE(p.ok()) << j.dump() << ": " << p.status().ToString();
  }
}

TEST(PolicyTest, DescribeSaysWhatThePolicyDoes) {
  auto p = PolicyFromJson(kNightly, "a");
  ASSERT_TRUE(p.ok());
  const std::string schedule_line =
      "schedule: \"0 1 * * *\" in Europe/Berlin, starting only within 00:30-05:00, start delayed by up to "
      "10m";
  EXPECT_EQ(
      DescribePolicy(*p),
      (std::vector<std::string>{
          schedule_line,
          "selection: shop, billing, excluding shop.audit_log",
          "retention: keep the last 3, 7 daily, 4 weekly, 12 monthly, all within 30d; never delete before 1d",
          "after success: a fast verify of the new backup",
          "enabled: yes",
      }));
  auto q = PolicyFromJson(R"({"name": "h", "schedule": {"cron": "@hourly"}, "enabled": false})", "b");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(DescribePolicy(*q), (std::vector<std::string>{
                                    "schedule: \"@hourly\" in UTC",
                                    "selection: every keyspace (system keyspaces excluded)",
                                    "retention: no keep rule (backups are kept until deleted by hand)",
                                    "after success: nothing",
                                    "enabled: no (no runs are scheduled)",
                                }));
}

TEST(PolicyTest, Names) {
  EXPECT_TRUE(IsValidPolicyName("nightly"));
  EXPECT_TRUE(IsValidPolicyName("a-B_9"));
  EXPECT_TRUE(IsValidPolicyName(std::string(48, 'x')));
  EXPECT_FALSE(IsValidPolicyName(std::string(49, 'x')));
  EXPECT_FALSE(IsValidPolicyName(""));
  EXPECT_FALSE(IsValidPolicyName("a.b"));
  EXPECT_FALSE(IsValidPolicyName("a/b"));
}

}  // namespace
}  // namespace cv::policy
