// src/vault/catalog.h — the backups a vault holds: their records (the commit point of each backup) and
// manifests, listed and resolved by id or tag (docs/vault-format.md, "Backup records", "Manifests").
// `list` reads records only; a manifest is read when a backup is restored or verified.
//
// Format v2: records are sealed under the metadata key (a writer lists them); a manifest is sealed under its
// backup's content key (only a reader opens it); the reference set refs/<backup id> lists the blob ids a
// backup uses under the metadata key, so fast verify (and prune, later) never need a content key.
//
// Thread-safe.
#pragma once

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

  // Every record that opens, sorted by backup id (time). One that does not is skipped and logged.
  Result<std::vector<BackupRecord>> List();
  // InvalidArgument for a malformed id, NotFound if no such backup.
  Result<BackupRecord> Load(const std::string& backup_id, KnownSize size = std::nullopt);
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
  // The commit point of a backup: after this the backup exists.
  Status Commit(const BackupRecord& record);

 private:
  ObjectTable& table_;
  ContentKeys& content_keys_;
  ProblemLog& problems_;
};

}  // namespace cv::vault
