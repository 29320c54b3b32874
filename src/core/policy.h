// src/core/policy.h — a backup policy: what to back up (selection), when (schedule), how long to keep it
// (retention rules, stored and shown here, evaluated by the retention code), and what to do after.
//
// The policy's canonical form is JSON (PolicyToJson): it is what the vault stores and signs, so the same
// policy always gives the same bytes. Node-local YAML files are turned into this JSON by ops/policy_file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/schedule.h"

namespace cv::policy {

struct Retention {  // stored, validated, shown here; evaluated by the retention code. Unset = rule off.
  std::optional<uint32_t> keep_last, keep_hourly, keep_daily, keep_weekly, keep_monthly, keep_yearly;
  std::optional<int64_t> keep_within_seconds, min_age_seconds, max_age_seconds;
};

struct Policy {
  std::string name;  // [A-Za-z0-9_-]{1,48}: it starts every tag of the policy
  std::string cron, time_zone;
  std::vector<std::string> windows;
  std::string jitter;        // as written
  sched::Schedule schedule;  // compiled from the above
  std::vector<std::string> keyspaces,
      exclude;  // KS or KS.TABLE globs (core/table_filter.h): empty keyspaces = all
  Retention retention;
  std::string after_success = "none";  // "none" | "verify" (a fast verify of the new backup)
  bool enabled = true;
};

// True for [A-Za-z0-9_-]{1,48}.
bool IsValidPolicyName(std::string_view name);

// Validates everything; InvalidArgument naming `subject` and the field ("policy nightly: schedule.cron ...").
// An empty selection is an error: `keyspaces` given but every entry excluded, or a glob list that is empty
// strings. Unknown fields are errors (a typo must not silently drop a rule).
Result<Policy> PolicyFromJson(std::string_view json, std::string_view subject);
std::string PolicyToJson(const Policy& p);  // canonical: same policy -> same bytes
// Human lines for `policy show`/`check`: schedule, selection, retention ("keep 7 daily, 4 weekly ...").
std::vector<std::string> DescribePolicy(const Policy& p);

}  // namespace cv::policy
