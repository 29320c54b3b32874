#include "ops/policy_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/policy.h"

namespace cv::ops {
namespace {

// The example of docs/policies.md, comments and flow style included.
const char kNightly[] = R"(# nightly backups of the shop
name: nightly
schedule:
  cron: "0 1 * * *"          # or @daily
  time_zone: Europe/Berlin
  windows: ["00:30-05:00"]   # optional
  jitter: 10m                # optional
keyspaces: [shop, billing]   # optional; KS or KS.TABLE globs
exclude: [shop.audit_log]    # optional
retention: {keep_last: 3, keep_daily: 7, keep_weekly: 4, keep_monthly: 12, keep_within: 30d, min_age: 1d}
after_success: verify        # none | verify
enabled: true
)";

TEST(PolicyFileTest, ReadsTheDocumentedExampleLikeItsJson) {
  auto p = ParsePolicyYaml(kNightly, "policy file nightly.yaml");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(
      policy::PolicyToJson(*p),
      R"({"after_success":"verify","enabled":true,"exclude":["shop.audit_log"],"keyspaces":["shop","billing"],)"
      R"("name":"nightly","retention":{"keep_daily":7,"keep_last":3,"keep_monthly":12,"keep_weekly":4,)"
      R"("keep_within":"30d","min_age":"1d"},"schedule":{"cron":"0 1 * * *","jitter":"10m",)"
      R"("time_zone":"Europe/Berlin","windows":["00:30-05:00"]}})");
}

TEST(PolicyFileTest, ScalarTypesFollowHowTheyAreWritten) {
  // A quoted number is text, so a numeric keyspace name or policy name works when quoted.
  auto quoted = ParsePolicyYaml("name: \"2024\"\nschedule: {cron: '@daily'}\nkeyspaces: [\"123\"]\n", "f");
  ASSERT_TRUE(quoted.ok()) << quoted.status().ToString();
  EXPECT_EQ(quoted->name, "2024");
  EXPECT_EQ(quoted->keyspaces, std::vector<std::string>{"123"});
  auto plain = ParsePolicyYaml("name: 2024\nschedule: {cron: '@daily'}\n", "f");
  ASSERT_FALSE(plain.ok());
  EXPECT_EQ(plain.status().message(), "f: name: must be text, found number (quote it in YAML)");
  // Blank values are "not given".
  auto blank =
      ParsePolicyYaml("name: n\nschedule:\n  cron: '@daily'\n  windows:\nretention:\nenabled: false\n", "f");
  ASSERT_TRUE(blank.ok()) << blank.status().ToString();
  EXPECT_FALSE(blank->enabled);
  // A quoted "true" is text, not a boolean.
  auto text_bool = ParsePolicyYaml("name: n\nschedule: {cron: '@daily'}\nenabled: \"true\"\n", "f");
  ASSERT_FALSE(text_bool.ok());
  EXPECT_EQ(text_bool.status().message(), "f: enabled: must be true or false, found string");
}

TEST(PolicyFileTest, ErrorsNameTheFileTheLineOrTheField) {
  struct Case {
    const char *yaml, *message;
  };
  const std::vector<Case> cases = {
      {"name: n\nschedule:\n  cron: * * * * *\n",
       "f line 3: malformed YAML: alias not found after * (quote cron expressions: cron: \"0 1 * * *\")"},
      {"name: n\nname: m\nschedule: {cron: '@daily'}\n", "f line 2: `name:` appears twice"},
      {"name: n\nschedule: {cron: '@daily'}\nretention: {keep_daily: 7, keep_daily: 8}\n",
       "f line 3: `keep_daily:` appears twice"},
      {"", "f: is empty; a policy file is one YAML mapping (docs/policies.md)"},
      {"name: a\nschedule: {cron: '@daily'}\n---\nname: b\n",
       "f: holds several YAML documents; put one policy in each file"},
      {"- name: n\n", "f: must be a mapping of fields, found array"},
      {"name: n\nschedule: {cron: '@daily', timezone: Europe/Berlin}\n",
       "f: schedule.timezone: unknown field (known here: cron, time_zone, windows, jitter); a misspelt rule "
       "would "
       "otherwise be ignored"},
      {"name: n\nschedule: {cron: '@daily'}\nkeyspaces: [shop]\nexclude: [shop]\n",
       "f: selects nothing: every entry of keyspaces [shop] is removed by exclude [shop]; narrow exclude or "
       "name "
       "what to back up in keyspaces"},
      {"name: n\nschedule: {cron: '@daily', time_zone: Europe/Nowhere}\n",
       "f: schedule.time_zone: \"Europe/Nowhere\" is not in the zone database (/usr/share/zoneinfo); use an "
       "IANA "
       "name such as Europe/Berlin, America/New_York or UTC"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.yaml);
    auto p = ParsePolicyYaml(c.yaml, "f");
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(p.status().message(), c.message);
  }
}

TEST(PolicyFileTest, AliasBombsAndDeepNestingAreRefusedNotExpanded) {
  // Nine levels of ten aliases each would be 10^9 values once expanded.
  std::string bomb = "name: n\nschedule: {cron: '@daily'}\nx0: &a0 [k]\n";
  for (int i = 1; i <= 9; ++i) {
    bomb += "x" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int j = 0; j < 10; ++j) bomb += std::string(j ? ", " : "") + "*a" + std::to_string(i - 1);
    bomb += "]\n";
  }
  auto p = ParsePolicyYaml(bomb, "f");
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("has more values than a policy can (aliases expanded)"),
            std::string::npos)
      << p.status().message();
  auto deep = ParsePolicyYaml(
      "name: n\nschedule: {cron: '@daily'}\nkeyspaces: " + std::string(50, '[') + std::string(50, ']') + "\n",
      "f");
  ASSERT_FALSE(deep.ok());
  EXPECT_EQ(deep.status().message(), "f line 3: nests deeper than a policy can (docs/policies.md)");
}

TEST(PolicyFileTest, LoadsAFileAndNamesAMissingOne) {
  auto dir = std::filesystem::temp_directory_path() / ("cv-policy-file-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  auto path = (dir / "nightly.yaml").string();
  std::ofstream(path) << kNightly;
  auto p = LoadPolicyFile(path);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->name, "nightly");

  std::ofstream(path) << "name: n\nschedule: {cron: '0 0 * * *', windows: ['01:00-02:00']}\n";
  auto bad = LoadPolicyFile(path);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(),
            "policy file " + path +
                ": schedule: windows: the cron time 00:00 of \"0 0 * * *\" lies outside "
                "every window; a run starts only inside a window: change the cron or "
                "widen a window");

  auto missing = LoadPolicyFile((dir / "absent.yaml").string());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(missing.status().message().rfind("policy file " + (dir / "absent.yaml").string() + ": ", 0), 0u)
      << missing.status().message();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace cv::ops
