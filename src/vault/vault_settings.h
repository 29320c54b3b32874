// src/vault/vault_settings.h — the vault's settings (docs/vault-format.md, "Backup marks and vault
// settings"): settings/vault/<version as 10 digits>, one admin-signed object per version
// (vault/signed_object.h), written create-only; the newest version whose signature verifies is the current
// one.
//
// Two settings only go one way, and the store checks it against every valid version, not only the newest:
// soft delete, once always-on, and immutability, once locked, stay so. A forged newer version is skipped,
// so it cannot turn them off either. Format v2 only (NotSupported for v1).
//
// The settings also hold the guardians of the two-person rule (docs/approvals.md). Once a valid version has
// guardians, a later version that adds or removes one, turns soft delete off or immutability from unlocked to
// disabled counts only if it names an approval (vault/approvals.h) of exactly that change by a guardian of
// the version before it: a version without one is skipped as invalid, like a forged one, so the admin key
// alone cannot remove the guardians and then do what they guard.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/approval.h"
#include "core/result.h"
#include "vault/guardian.h"
#include "vault/object_table.h"
#include "vault/problems.h"
#include "vault/vault_keys.h"

namespace cv::vault {

struct VaultSettings {
  std::string soft_delete = "enabled";    // disabled | enabled | always-on
  int64_t soft_delete_days = 14;          // 1..365
  std::string immutability = "disabled";  // disabled | unlocked | locked
  int64_t prune_grace_seconds = 86400;    // >= 60 (tests use 60..120)
  uint32_t version = 0;                   // 0: defaults, never set
  int64_t set_at = 0;
  std::string set_by;
  std::vector<Guardian> guardians;  // sorted by id; empty: the two-person rule is off
  std::string approval;             // the approval of this version's guarded change, if it has one
};

// What `next` changes that the two-person rule guards, relative to `prev` (soft delete turned off,
// immutability unlocked -> disabled, each guardian added or removed), in that order.
std::vector<approval::Operation> GuardedChanges(const VaultSettings& prev, const VaultSettings& next);

// InvalidArgument naming the setting and the values it takes.
Status CheckSettings(const VaultSettings& s);

class VaultSettingsStore {
 public:
  // All three must outlive the store.
  VaultSettingsStore(ObjectTable& objects, const VaultKeys& keys, ProblemLog& problems);

  // The newest valid version (defaults, version 0, when none was set). One LIST of settings/vault/ and a GET
  // per version (whether a version counts depends on the one before it: the two-person rule), plus a GET
  // per approval a guarded version names; the ones that do not count are named in problems.
  Result<VaultSettings> Current();
  // Every valid version, oldest first (a guarded change without its approval is not valid).
  Result<std::vector<VaultSettings>> History();
  // Admin only (PermissionDenied first). Refuses (FailedPrecondition, exit 7) always-on -> anything else and
  // locked -> anything else if ANY valid earlier version was always-on / locked; InvalidArgument for bad
  // values. Both before anything is written. Writes version newest+1 (create-only; retries on a race).
  // A guarded change (GuardedChanges) while guardians are registered needs next.approval to be a valid
  // approval of it (PermissionDenied otherwise; one guarded change per version).
  Result<VaultSettings> Set(const VaultSettings& next, const std::string& set_by, int64_t now);

 private:
  Status CheckFormat() const;
  Result<VaultSettings> Read(const std::string& key, KnownSize size);
  // OK if `next` may follow `prev`: no guarded change, no guardians before, or its approval checks.
  Status CheckGuarded(const VaultSettings& prev, const VaultSettings& next);

  ObjectTable& objects_;
  const VaultKeys& keys_;
  ProblemLog& problems_;
};

}  // namespace cv::vault
