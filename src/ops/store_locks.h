// src/ops/store_locks.h — store-enforced retention locks (docs/retention.md, "Locks the store enforces"):
// once the vault's immutability is `unlocked` or `locked`, the maintenance role (prune) asks the store to
// refuse deleting every object a locked backup needs, until the lock's end rounded up to the next week
// (S3 Object Lock retain-until in GOVERNANCE or COMPLIANCE mode; Azure version-level immutability, Unlocked
// or Locked). Nodes never set a store lock: a compromised node must not be able to lock junk for decades.
//
// Rounding to weeks bounds the requests: an object gets one lock request per week of lock it gains, and
// objects shared by many locked backups (deduplicated packs, the vault's config and key slots) one per week
// bucket whatever the number of backups. What was applied is kept in a local SQLite file, so a prune sends
// only what is new; without it (another host, a lost cache) it re-sends each lock once (extending to the same
// date is allowed by both stores).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/manifest.h"
#include "core/result.h"
#include "vault/vault.h"

namespace cv::ops {

struct LockedBackup {
  BackupRecord record;
  int64_t locked_until = 0;
};

struct StoreLockReport {
  size_t backups = 0;   // locked backups whose objects were checked
  size_t objects = 0;   // objects that need a store lock
  size_t requests = 0;  // lock requests sent now (objects whose applied lock was shorter than their bucket)
  size_t refused = 0;   // lock requests the store refused (each named in notes)
  std::vector<std::string> notes;
};

// The end of the week (Monday 00:00 UTC) at or after `t`: every lock date within a week shares one request.
int64_t LockBucket(int64_t t);

// `immutability`: the vault setting ("unlocked" -> governance / Unlocked, "locked" -> compliance / Locked).
// `state_dir`: where the applied-locks file lives (the cache directory).
Result<StoreLockReport> ApplyStoreLocks(vault::Vault& vault, const std::vector<LockedBackup>& locked,
                                        const std::string& immutability, const std::string& state_dir);

}  // namespace cv::ops
