// src/core/retention.h — which cluster backups a retention policy keeps, and why.
//
// Pure: candidates, rules, a zone name and `now` in; one decision per candidate out, each with the rules
// that keep it or the one reason it goes (what `prune --dry-run` prints). The semantics, with worked
// examples, are in docs/retention.md; in short: restic's OR of the keep rules over COMPLETE cluster
// backups only, calendar periods in the policy's IANA zone, age rules anchored to the newest complete
// backup, and hard floors (newest complete, min age, lock, retain-until) that no rule can override.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/policy.h"
#include "core/result.h"

namespace cv::retention {

// One cluster backup (all nodes' backups with one tag) as prune sees it.
struct Candidate {
  std::string tag;           // "<policy>-yyyymmddThhmmZ" or any manual tag; key for decisions
  int64_t time = 0;          // the tag's time: earliest record start (unix s, UTC)
  bool complete = false;     // every expected member committed (ops::SummariseCluster state "complete")
  int64_t retain_until = 0;  // admin's retain-until rule (0: none)
  int64_t locked_until = 0;  // lock (0: none) — a lock always keeps
};

// A policy's retention rules, or the same rules given as `prune` flags; all unset = keep everything.
using Rules = policy::Retention;

// True when at least one rule is set: without one, retention forgets nothing.
bool AnyRule(const Rules& r);

struct Decision {
  std::string tag;
  bool keep = false;
  // keep: every rule that keeps it ("last 3", "daily 2026-03-29", "within 7d", "newest complete",
  // "younger than min age 2d", "partial: no newer complete backup", "locked until 2027-01-01",
  // "retain until ..."); go: one reason ("older than max age 90d", "no rule keeps it",
  // "partial: a newer complete backup exists").
  std::vector<std::string> reasons;
};

// Decisions in the order of `candidates` sorted by time (oldest first; equal times by tag).
// `time_zone`: IANA name for calendar periods (the policy's zone; "UTC" for CLI rules).
// InvalidArgument for an unknown zone, a negative duration, min age above max age, or a tag given twice.
//
// Semantics (docs/retention.md): restic's OR. Only complete candidates count towards keep_last and the
// period rules; the representative of a period is its LAST complete backup; periods in `time_zone`
// (hour, day, ISO week Mon-Sun, month, year); a period rule keeps the newest N periods that HAVE a
// complete backup (gaps do not count). keep_within/min_age/max_age are anchored to the newest COMPLETE
// candidate's time (not now). Hard floors: newest complete always kept; anything younger than min_age
// kept; locked_until > now kept; retain_until > now kept. max_age removes a candidate older than max_age
// even if a count rule keeps it, but never overrides a floor, lock or retain-until. Partial (incomplete)
// candidates: kept while no newer complete one exists, removed otherwise (never counted). No rules at
// all: keep all; only min/max age (no keep rule): keep every complete backup until max age. A candidate
// whose time is after `now` (clock skew) is kept ("in the future") and takes no part in the rest.
Result<std::vector<Decision>> Decide(std::vector<Candidate> candidates, const Rules& rules,
                                     std::string_view time_zone, int64_t now);

}  // namespace cv::retention
