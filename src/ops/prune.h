// src/ops/prune.h — `cassvault prune`: retention decides which cluster backups go, forgetting them
// soft-deletes them (backup marks), backups soft-deleted long enough are purged, and garbage collection
// removes what no kept backup references (docs/retention.md). An admin operation: the vault's admin key, one
// prune at a time (the "maintenance" lease), never a node's backup identity.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/manifest.h"
#include "core/result.h"
#include "core/retention.h"
#include "ops/store_locks.h"
#include "vault/collect_garbage.h"
#include "vault/vault.h"

namespace cv::ops {

struct PruneOptions {
  bool dry_run = false;
  // Rules from the command line: they replace the policies' rules for the tags they select (every tag, or
  // the tags of `policy`). Unset: each policy's own retention, for that policy's tags only.
  std::optional<retention::Rules> rules;
  std::string time_zone = "UTC";  // of `rules`
  std::string policy;             // only this policy's tags ("" = all)
  std::string work_dir;           // the cache directory: the on-disk mark set lives under it
  int64_t now = 0;
  // Called between steps: the maintenance daemon renews its lease there. An error stops the prune.
  std::function<Status()> keep_alive;
};

// One cluster backup (a tag) as retention saw it.
struct TagPlan {
  std::string tag, policy;  // policy: "" for a tag no policy made (kept unless `rules` select it)
  std::string state;        // complete | partial | running | unknown (ops::ClusterBackup::state)
  int64_t time = 0;
  std::vector<BackupRecord> records;  // every node's backup of the tag
  bool keep = true;
  std::vector<std::string> reasons;
};

// A soft-deleted backup and what prune does with it now.
struct DeletedPlan {
  BackupRecord record;
  int64_t purge_after = 0, locked_until = 0;
  std::string action;  // "purge" | "wait" (soft delete not over) | "locked"
};

struct PruneReport {
  std::vector<TagPlan> tags;         // oldest first
  std::vector<DeletedPlan> deleted;  // every soft-deleted backup, oldest first
  std::vector<LockedBackup> locked;  // kept backups under a lock that has not ended
  size_t forgotten = 0;              // backups forgotten by this run (written as marks)
  size_t purged = 0;
  vault::GcReport gc;
  StoreLockReport store_locks;  // vault immutability unlocked/locked: what the store was asked to keep
  double seconds = 0;
};

// Everything prune decides, without writing or deleting (what --dry-run prints, and the first step of a run).
Result<PruneReport> PlanPrune(vault::Vault& vault, const PruneOptions& o);
// Plans, then forgets, purges, collects garbage and applies store locks. PermissionDenied without the admin
// key and FailedPrecondition when another host holds the maintenance lease, before anything is written.
// `lease_held`: the caller (the maintenance daemon) already holds it.
Result<PruneReport> RunPrune(vault::Vault& vault, const PruneOptions& o, bool lease_held = false);

}  // namespace cv::ops
