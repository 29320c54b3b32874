// src/vault/audit_checkpoint.h — the audit trail's checkpoints (docs/vault-format.md, "Audit trail"), as
// CloudTrail's digest files: audit-checkpoints/<stamp>-<16 hex>, kind 28, create-only, signed by the admin
// key inside the seal (signed_object.h). Each lists every writer's head (seq and the SHA-256 of that record's
// stored bytes) and names the previous checkpoint and the SHA-256 of its stored bytes, so that
//   - a writer's tail removed (or a whole writer) shows: a checkpoint names a head that is gone;
//   - a checkpoint removed or replaced shows: the next one names it, or its signature fails;
// and nobody without the admin key (a node) can write one that verifies.
//
// Payload: {"v": 1, "written_at": <unix s>, "by": "...", "prev": {"key", "hash"} | null,
//           "heads": {"<writer id>": {"seq": n, "hash": "<64 hex>"}, ...}}
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/result.h"
#include "vault/audit_log.h"
#include "vault/object_table.h"

namespace cv::vault {

struct AuditCheckpoint {
  std::string key;
  std::string hash;  // SHA-256 hex of the stored bytes (what the next checkpoint's prev names)
  int64_t written_at = 0;
  std::string by;
  std::string prev_key, prev_hash;  // "" for the first checkpoint
  std::map<std::string, AuditHead> heads;
};

// Every checkpoint name, oldest first (one listing of audit-checkpoints/); strays to `strays`.
Status ListAuditCheckpoints(ObjectTable& objects, std::vector<storage::ObjectInfo>* out,
                            std::vector<std::string>* strays);

// One checkpoint, its signature checked. Corruption naming it when it does not open or verify.
Result<AuditCheckpoint> ReadAuditCheckpoint(ObjectTable& objects, std::string_view key,
                                            KnownSize size = std::nullopt);

// Writes a checkpoint of `heads` after the newest checkpoint in the vault (chained to it). PermissionDenied
// without the admin key, before anything is written.
Result<AuditCheckpoint> WriteAuditCheckpoint(ObjectTable& objects,
                                             const std::map<std::string, AuditHead>& heads,
                                             const std::string& by, int64_t now);

// Every writer's head as the vault holds it now: one listing of audit/ and one GET per writer (its last
// record's stored bytes). What `audit checkpoint` and prune sign.
Result<std::map<std::string, AuditHead>> CurrentAuditHeads(ObjectTable& objects);

}  // namespace cv::vault
