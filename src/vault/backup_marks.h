// src/vault/backup_marks.h — the vault's backup marks (docs/vault-format.md, "Backup marks and vault
// settings"): marks/<yyyymmddThhmmssZ>-<16 hex>, each an admin-signed object (vault/signed_object.h)
// holding decisions about backups (core/backup_marks.h), written create-only.
//
// Nodes hold writer keys and can create objects, so only signed marks count: a node cannot forget, lock or
// undelete anything by writing a mark. Marks are few: compaction folds every mark object into one and
// deletes the ones it supersedes, so `list` reads them in one LIST and a handful of GETs.
// Format v2 only: a v1 vault has no admin key (NotSupported).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/backup_marks.h"
#include "core/result.h"
#include "vault/guardian.h"
#include "vault/object_table.h"
#include "vault/problems.h"
#include "vault/vault_keys.h"

namespace cv::vault {

class BackupMarks {
 public:
  // All three must outlive this.
  BackupMarks(ObjectTable& objects, const VaultKeys& keys, ProblemLog& problems);

  // One LIST of marks/ and one GET per mark object. Objects that do not open or whose signature fails are
  // skipped and named in problems (never used), and so are the objects a valid object supersedes (a
  // compaction killed before it deleted them). Every key role reads marks. An entry's approval (a lock
  // lowered, a purge date brought closer) is re-verified against the guardians here; one that does not
  // verify is named in problems and its entry counts as an ordinary one.
  Result<marks::State> Load();
  // Admin only (PermissionDenied naming the key it needs, before anything is written): one new mark object
  // holding `entries`. InvalidArgument for an entry that would not read back (a malformed backup id).
  Status Append(std::vector<marks::Entry> entries, int64_t now);
  // Writes one object holding Load().Compact() with supersedes = the names read, then deletes those
  // (a kill in between leaves both; Load ignores the superseded ones). Nothing to do for one object or none.
  Status Compact(int64_t now);

  // The names of the objects the last Load used (for Compact and tests).
  const std::vector<std::string>& last_read() const { return last_read_; }

 private:
  Status CheckFormat() const;
  Result<std::vector<Guardian>> EveryGuardian();
  Status Write(marks::MarkObject m, int64_t now, std::string* key);

  ObjectTable& objects_;
  const VaultKeys& keys_;
  ProblemLog& problems_;
  std::vector<std::string> last_read_;
  std::vector<std::string> last_superseded_;  // listed, valid, but superseded by another
};

}  // namespace cv::vault
