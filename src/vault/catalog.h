// src/vault/catalog.h — the backups a vault holds: their records (the commit point of each backup) and
// manifests, listed and resolved by id or tag (docs/vault-format.md, "Backup records", "Manifests").
// `list` reads records only; a manifest is read when a backup is restored or verified.
//
// Thread-safe.
#pragma once

#include <string>
#include <vector>

#include "core/manifest.h"
#include "core/result.h"
#include "vault/object_table.h"
#include "vault/problems.h"

namespace cv::vault {

class Catalog {
 public:
  // The table and log must outlive the catalog.
  Catalog(ObjectTable& table, ProblemLog& problems) : table_(table), problems_(problems) {}

  // Every record that opens, sorted by backup id (time). One that does not is skipped and logged.
  Result<std::vector<BackupRecord>> List();
  // InvalidArgument for a malformed id, NotFound if no such backup.
  Result<BackupRecord> Load(const std::string& backup_id, KnownSize size = std::nullopt);
  // A backup id, or a tag: the newest backup with that tag of the node (host id or address), or of the only
  // node that has one. InvalidArgument if several nodes have it and neither is given.
  Result<BackupRecord> Resolve(const std::string& id_or_tag, const std::string& host_id,
                               const std::string& address);
  Result<Manifest> LoadManifest(const BackupRecord& record);

  Result<ObjectId> PutManifest(const Manifest& manifest);
  // The commit point of a backup: after this the backup exists.
  Status Commit(const BackupRecord& record);

 private:
  ObjectTable& table_;
  ProblemLog& problems_;
};

}  // namespace cv::vault
