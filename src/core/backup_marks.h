// src/core/backup_marks.h — backup marks: the admin's decisions about single backups (forget, undelete,
// purged, retain until, lock until), as the vault stores them in signed marks/ objects
// (vault/backup_marks.h, docs/vault-format.md "Backup marks and vault settings"), and how they fold into
// one state per backup. Pure: no I/O, no clock (callers pass times, unix seconds).
//
// Marks are append-only decisions, so two admins never overwrite each other: the fold decides. A lock is
// the MAXIMUM of every lock entry, so a later, shorter lock cannot shorten it: by construction, not by a
// check someone could skip. The one exception is the two-person rule (docs/approvals.md): an entry carrying
// a guardian approval's id may lower a lock (or a soft-deleted backup's purge date). The vault re-verifies
// that approval whenever it reads marks and clears the id of an entry whose approval does not verify, so
// here an approval id on an entry means "verified".
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace cv::marks {

enum class Op { kForget, kUndelete, kPurged, kRetain, kLock };

std::string_view OpName(Op op);  // "forget", "undelete", "purged", "retain", "lock"

struct Entry {
  Op op = Op::kForget;
  std::string backup_id;   // one backup (node's backup id); empty when `policy` is set
  std::string policy;      // kLock only: locks every backup whose tag starts with "<policy>-"
  int64_t at = 0;          // when decided
  int64_t until = 0;       // kRetain/kLock: the date; kForget: purge_after (soft delete end)
  std::string reason, by;  // "retention: no rule keeps it" / "forget by hand"; who
  // The guardian approval (vault/approvals.h) that allows this entry to lower a lock (kLock; until 0 =
  // unlock) or a purge date (kForget); empty for every ordinary entry.
  std::string approval = {};
};

struct MarkObject {
  int64_t written_at = 0;
  std::vector<Entry> entries;
  std::vector<std::string> supersedes;  // mark objects (names) this one replaces (compaction)
};

std::string MarkObjectToJson(const MarkObject& m);
// Corruption naming `subject` for anything that is not a mark object: unknown op, an entry naming neither
// or both of backup and policy, a policy on another op than lock, a malformed backup id or policy name.
Result<MarkObject> MarkObjectFromJson(std::string_view json, std::string_view subject);

struct BackupState {
  bool deleted = false, purged = false;
  int64_t deleted_at = 0, purge_after = 0, retain_until = 0, locked_until = 0;
  std::string reason, by;  // of the forget that deleted it
  // Beyond the contract's fields, for messages: who set the lock that holds, and when it was purged.
  int64_t lock_at = 0, purged_at = 0;
  std::string lock_by;
};

// Folds entries: deleted = latest (by `at`, then input order) of forget/undelete; purged sticky; retain =
// latest kRetain; lock = MAX of kLock entries (a lock can never be shortened by construction) since the
// latest approved lock entry, which resets it to its own date. A forget of a backup already deleted never
// brings its purge date closer unless it carries an approval.
class State {
 public:
  void Add(const Entry& e);
  BackupState Of(std::string_view backup_id, std::string_view tag) const;  // tag for policy locks
  int64_t PolicyLock(std::string_view policy) const;
  // One entry per (backup, op) still meaningful, for compaction: the deciding forget (none when an undelete
  // came last), the first purged, the latest retain, the longest lock; per policy, the longest lock.
  std::vector<Entry> Compact() const;
  size_t size() const { return entries_.size(); }

  // Every entry added, in input order (the vault re-verifies the approvals among them).
  const std::vector<Entry>& entries() const { return entries_; }

 private:
  void CompactLock(const std::vector<size_t>& idx, std::vector<Entry>* out) const;

  std::vector<Entry> entries_;                                         // input order
  std::map<std::string, std::vector<size_t>, std::less<>> by_backup_;  // indexes into entries_
  std::map<std::string, std::vector<size_t>, std::less<>> by_policy_;
};

}  // namespace cv::marks
