// src/ops/backup_marks_ops.h — forget, undelete, retain, lock and the vault's settings: the admin's decisions
// about backups (core/backup_marks.h), written as signed marks (vault/backup_marks.h), and what `list` and
// `restore` make of them. Every change needs the admin key and is refused, before anything is written, from
// a writer key (PermissionDenied) or where a lock or a one-way setting says no (FailedPrecondition).
// Format v2 only (NotSupported for v1: it has no admin key).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/backup_marks.h"
#include "core/manifest.h"
#include "core/result.h"
#include "storage/object_store.h"
#include "vault/vault.h"
#include "vault/vault_settings.h"

namespace cv::ops {

// DATE: "2027-01-01" (00:00 UTC) or RFC 3339 ("2027-01-01T12:00:00Z", "2027-01-01T12:00:00+02:00").
// InvalidArgument naming `flag` and the forms accepted.
Result<int64_t> ParseMarkDate(const std::string& flag, const std::string& text);

// Which backups `what` names: a backup id, or a tag (every node's backup of it); `node` (host id, address or
// vault node id, as `list --node`) narrows. NotFound naming what was looked for.
Result<std::vector<BackupRecord>> ResolveMarkTargets(const std::vector<BackupRecord>& all,
                                                     const std::string& what, const std::string& node);

struct MarkOutcome {
  std::vector<BackupRecord> backups;  // the backups the new marks name (sorted by backup id)
  std::vector<std::string> skipped;   // "<id>: already deleted" ...: named, nothing written for them
  int64_t until = 0;                  // forget: purge after; retain/lock: the date
  std::string approval_id;            // the guardian's approval that allowed a shortening or early purge
};

// `cassvault forget`: soft-deletes the backups `what` names. Refused (FailedPrecondition naming the lock, who
// set it and when) if any is locked: nothing is written. Soft delete disabled: purge after = now.
Result<MarkOutcome> Forget(vault::Vault& vault, const std::string& what, const std::string& node,
                           const std::string& reason, const std::string& by, int64_t now);
// `cassvault undelete`: a purged backup is NotFound ("... was purged on ...; its data is gone").
Result<MarkOutcome> Undelete(vault::Vault& vault, const std::string& what, const std::string& node,
                             const std::string& by, int64_t now);
// `cassvault retain --until`: a retention rule (prune keeps them until then); the latest retain counts.
Result<MarkOutcome> Retain(vault::Vault& vault, const std::string& what, const std::string& node,
                           int64_t until, const std::string& by, int64_t now);
// `cassvault lock --until`: `what` (backups) or `policy` (every backup of the policy's tags, also later
// ones). A date before the current lock shortens it only with a guardian's approval ("lock.shorten
// backup=ID[,ID] until=DATE" / "lock.shorten policy=NAME until=DATE", ops/approvals.h: PermissionDenied
// naming `cassvault approve` without one) and never while immutability is locked or without guardians
// (FailedPrecondition naming the current lock).
Result<MarkOutcome> Lock(vault::Vault& vault, const std::string& what, const std::string& node,
                         const std::string& policy, int64_t until, const std::string& by, int64_t now);

// `cassvault unlock`: ends the locks of `what` or `policy` now; as a shortening (above), with the approval
// "lock.remove backup=ID[,ID]" / "lock.remove policy=NAME". Backups not locked are skipped.
Result<MarkOutcome> Unlock(vault::Vault& vault, const std::string& what, const std::string& node,
                           const std::string& policy, const std::string& by, int64_t now);
// `cassvault purge`: ends the soft delete of deleted backups now (the next prune purges them), with the
// approval "purge.early backups=ID[,ID]"; without guardians, FailedPrecondition. A backup not deleted or
// locked: FailedPrecondition, nothing written.
Result<MarkOutcome> PurgeEarly(vault::Vault& vault, const std::string& what, const std::string& node,
                               const std::string& by, int64_t now);

// `cassvault settings`: the fields given change, the others keep their current values. Turning soft delete
// off or immutability from unlocked to disabled needs a guardian's approval when guardians are registered.
struct SettingsChange {
  std::optional<std::string> soft_delete, immutability;
  std::optional<int64_t> soft_delete_days, prune_grace_seconds;
  bool empty() const { return !soft_delete && !immutability && !soft_delete_days && !prune_grace_seconds; }
};
Result<vault::VaultSettings> ChangeSettings(vault::Vault& vault, const SettingsChange& change,
                                            const std::string& by, int64_t now);

// Whether the store itself enforces object locks (S3 Object Lock, Azure version-level immutability):
// immutability unlocked|locked needs it. A local directory: cassvault enforces the locks (documented).
Status CheckStoreEnforcesLocks(storage::ObjectStore& store);

// The marks of a v2 vault (one LIST of marks/ + one GET per mark object); an empty state for v1.
Result<marks::State> LoadMarks(vault::Vault& vault);
// `list`: the records not deleted or purged; with `deleted`, only the deleted (not purged) ones, their
// states in `states` (may be null) by backup id.
std::vector<BackupRecord> ApplyMarks(std::vector<BackupRecord> records, const marks::State& state,
                                     bool deleted, std::map<std::string, marks::BackupState>* states);
// `restore`: FailedPrecondition naming `cassvault undelete` for a deleted backup, NotFound for a purged one.
// Nothing read for a v1 vault.
Status RefuseDeletedBackup(vault::Vault& vault, const BackupRecord& record);

}  // namespace cv::ops
