// src/vault/catalog.h — the backups a vault holds: their records (the commit point of each backup) and
// manifests, listed and resolved by id or tag (docs/vault-format.md, "Backup records", "Manifests").
// `list` reads records only; a manifest is read when a backup is restored or verified.
//
// Format v2: records are sealed under the metadata key (a writer lists them); a manifest is sealed under its
// backup's content key (only a reader opens it); the reference set refs/<backup id> lists the blob ids a
// backup uses under the metadata key, so fast verify (and prune, later) never need a content key.
//
// Format v2, partitioned (records with a node_id): the commit point is the catalog segment
// catalog/<yyyymmdd>/<backup id> (the UTC day it is written), and consolidations catalog-full/<stamp>-<16
// hex> hold many records in one object (core/consolidated_catalog.h). `List` reads the newest consolidation
// that opens, lists only the day folders written since its listing started (from 2 days before, for clocks
// that differ, to 1 day after now) and the older backups/ records, and reads one by one only what it does not
// cover: O(1 + days + new records) requests instead of one per backup. Without a consolidation it lists
// catalog/ whole. A v1 vault reads backups/ as it always did.
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/manifest.h"
#include "core/result.h"
#include "vault/content_keys.h"
#include "vault/object_table.h"
#include "vault/problems.h"

namespace cv::vault {

class Catalog {
 public:
  // The table and log must outlive the catalog.
  Catalog(ObjectTable& table, ContentKeys& content_keys, ProblemLog& problems)
      : table_(table), content_keys_(content_keys), problems_(problems) {}

  // The clock (unix s): the day a segment is written under, and a consolidation's time. Tests move it.
  void SetClock(std::function<int64_t()> now);

  // Every record that opens, sorted by backup id (time). One that does not is skipped and logged.
  Result<std::vector<BackupRecord>> List();
  // The same set, the slow way: every record object listed and read one by one (no consolidation).
  Result<std::vector<BackupRecord>> ListSlow();
  struct ListStats {
    std::string consolidation;  // the consolidated catalog read ("" for none)
    size_t from_consolidation = 0;
    size_t one_by_one = 0;  // records read one request each
  };
  ListStats last_list() const;

  struct ConsolidateReport {
    std::string key;         // the object written ("" when the newest consolidation was up to date)
    std::string superseded;  // the consolidation it started from ("" for none)
    int64_t listed_at = 0;
    size_t records = 0;  // in the new consolidation
    size_t reused = 0;   // taken from the previous one
    size_t fetched = 0;  // read one by one
    size_t skipped = 0;  // did not open (logged as problems), left out
    uint64_t bytes = 0;  // the body written, before framing (compression) and sealing
  };
  // v2: writes a new consolidated catalog (create-only) covering every record listed now; the previous
  // one is left for prune. NotSupported for a v1 vault.
  Result<ConsolidateReport> Consolidate();

  // InvalidArgument for a malformed id, NotFound if no such backup.
  Result<BackupRecord> Load(const std::string& backup_id, KnownSize size = std::nullopt);
  // The object holding the record of `backup_id` (its catalog segment, or backups/<id>), by Stat of where it
  // most likely is, then a listing of the catalog. NotFound if none. For what must name the object itself
  // (prune's store locks).
  Result<std::string> RecordKey(const std::string& backup_id);
  // A backup id, or a tag: the newest backup with that tag of the node (host id or address), or of the only
  // node that has one. InvalidArgument if several nodes have it and neither is given.
  Result<BackupRecord> Resolve(const std::string& id_or_tag, const std::string& host_id,
                               const std::string& address);
  // v2: PermissionDenied (naming the key needed) when this vault was opened with a writer key.
  Result<Manifest> LoadManifest(const BackupRecord& record);
  // v2: the blob ids the backup uses, sorted. NotSupported for a v1 vault (which has none).
  Result<std::vector<ObjectId>> LoadReferenceSet(const std::string& backup_id);

  // `key`: v2, the backup's content key (null for v1).
  Result<ObjectId> PutManifest(const Manifest& manifest, const ContentKey* key);
  Status PutReferenceSet(const std::string& backup_id, const Manifest& manifest);
  // The commit point of a backup: after this the backup exists. v2 with a node_id: its catalog segment;
  // otherwise backups/<id>.
  Status Commit(const BackupRecord& record);

 private:
  struct Consolidation;
  int64_t Now() const;
  static std::vector<std::string> LikelyRecordKeys(const std::string& backup_id);
  Result<BackupRecord> ReadRecordAt(const std::string& key, const std::string& backup_id, KnownSize size);
  // The newest consolidated catalog that opens (nullopt: none); ones that do not are logged and passed.
  Result<std::optional<Consolidation>> NewestConsolidation();
  Result<std::vector<BackupRecord>> ListV1();

  ObjectTable& table_;
  ContentKeys& content_keys_;
  ProblemLog& problems_;
  mutable std::mutex mu_;
  std::function<int64_t()> now_;  // GUARDED_BY(mu_)
  ListStats last_list_;           // GUARDED_BY(mu_)
};

}  // namespace cv::vault
