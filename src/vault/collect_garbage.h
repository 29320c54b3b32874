// src/vault/collect_garbage.h — prune's engine (docs/vault-format.md, "Prune: two-phase garbage collection"):
// the purge of backups the caller decided to delete, then a kopia-style two-phase garbage collection that is
// safe while any number of nodes back up with keys that cannot delete.
//
//   phase 2 (each gc mark written at least `grace_seconds` ago): every candidate it lists that is STILL
//           garbage now is deleted; a pack that is live again is kept, and put back into its partition's
//           index view if a prune had hidden it; then the mark is deleted.
//   phase 1: the objects that are garbage now (and in no pending mark) are listed in a new signed gc mark,
//   and
//           each partition whose view names a candidate pack gets a consolidated index without them, so no
//           backup that loads its index from then on deduplicates against them. Packs whose dead bytes reach
//           `repack_threshold` of their blob bytes have their live blobs copied into a new pack first.
//
// Admin key only: PermissionDenied before anything is read for a decision, written or deleted. Everything is
// recomputed from the vault on each run, so a run killed at any point is finished by the next.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/manifest.h"
#include "core/result.h"
#include "vault/vault.h"

namespace cv::vault {

struct GcOptions {
  int64_t now = 0;                // unix s; the run's clock (tests move it)
  int64_t grace_seconds = 86400;  // longer than any backup may take (vault settings: prune grace)
  double repack_threshold = 0.5;  // repack a pack once this share of its blob bytes is garbage
  bool dry_run = false;           // write and delete nothing; report what would be done
  std::string work_dir;           // the on-disk mark set (SQLite), made 0700, removed at the end
  std::string by;                 // who runs prune, recorded in the gc mark
};

struct GcReport {
  size_t live_backups = 0, live_blobs = 0, packs = 0, dead_packs = 0, repacked_packs = 0,
         candidates_marked = 0, deleted_objects = 0, kept_resurrected = 0, skipped_locked = 0;
  size_t purged_backups = 0, marks_processed = 0, consolidations_written = 0;
  uint64_t deleted_bytes = 0, repacked_bytes = 0;
  std::vector<std::string> notes;
};

// `purge`: backups to delete now (their catalog segment or record first, then manifest and reference set),
// decided by the caller (retention, soft delete). Then garbage collection over every partition of the vault.
Result<GcReport> CollectGarbage(Vault& vault, std::span<const BackupRecord> purge, const GcOptions& o);

}  // namespace cv::vault
