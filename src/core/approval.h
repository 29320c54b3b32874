// src/core/approval.h — the two-person rule's vocabulary (docs/approvals.md): a destructive operation in
// canonical form, which a guardian's approval names exactly, and what counts as lowering retention. Pure: no
// I/O, no clock.
//
// The canonical text is what the guardian reads and signs: "<op>" or "<op> k=v k=v" with the parameters
// sorted by name, so the same operation always has the same text and an approval for one operation never
// matches another (another slot, another date, another policy version).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/policy.h"
#include "core/result.h"

namespace cv::approval {

struct Operation {
  std::string op;                             // "key.remove", "soft-delete.disable", ...
  std::map<std::string, std::string> params;  // sorted by name
  std::string Canonical() const;              // "key.remove slot=0123456789abcdef"
  bool operator==(const Operation&) const = default;
};

// InvalidArgument naming what is wrong: an op of [a-z.-], parameters name=value with names of [a-z_] and
// values of printable ASCII without spaces or '=' (ids, dates, hashes, comma-separated lists).
Result<Operation> ParseOperation(std::string_view text);

// The operations cassvault guards. Lists are sorted and joined with ','.
Operation KeyRemove(std::string_view slot);
Operation SoftDeleteDisable();
Operation ImmutabilityDisable();
// `until` unix seconds, written RFC 3339 UTC.
Operation LockShorten(std::vector<std::string> backups, int64_t until);
Operation LockRemove(std::vector<std::string> backups);
Operation PolicyLockShorten(std::string_view policy, int64_t until);
Operation PolicyLockRemove(std::string_view policy);
// `version`: the SHA-256 (hex) of the new policy's canonical JSON: the approval covers exactly that policy.
Operation RetentionLower(std::string_view policy, std::string_view version);
Operation PurgeEarly(std::vector<std::string> backups);
// `guardian`: the guardian id (16 hex).
Operation GuardianAdd(std::string_view guardian);
Operation GuardianRemove(std::string_view guardian);

// The comma-separated list of a parameter ("backup=A,B" -> {A, B}); empty when absent.
std::vector<std::string> ListParam(const Operation& op, const std::string& name);

// True when `next` keeps less than `old` could: a count rule lower or removed, keep_within or min_age
// shorter or removed, max_age added or shorter, or the first keep rule where none was (no keep rule keeps
// everything). Otherwise a rule added or raised never lowers.
bool LowersRetention(const policy::Retention& old, const policy::Retention& next);

}  // namespace cv::approval
