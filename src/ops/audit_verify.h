// src/ops/audit_verify.h — `cassvault audit`: reading the trail, verifying it, and writing a checkpoint.
//
// Verification reads every record and checkpoint (one listing of each prefix, one GET per object) and names
// each object that does not check out, with what it means:
//   modified      a record that does not open under its name, or whose stored bytes differ from what a
//                 checkpoint recorded for it
//   reordered     a record whose `prev` does not name its predecessor's stored bytes, or one that opens only
//                 under another record's name (moved)
//   deleted       a seq missing below a writer's last record (a hole)
//   tail-removed  a checkpoint names a head (writer, seq) past the end of that writer's records
//   checkpoint    a checkpoint whose admin signature fails, or whose chain to the previous one is broken
//   stray         a name under audit/ or audit-checkpoints/ that is not ours
// What it cannot see: the newest records of a writer removed since the last checkpoint (the next checkpoint
// or this host's head cache shows it), and a whole trail replaced by someone holding the admin key.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/result.h"
#include "vault/audit_checkpoint.h"
#include "vault/audit_log.h"
#include "vault/vault.h"

namespace cv::ops {

struct AuditFinding {
  std::string object;  // the record or checkpoint named (a store key)
  std::string kind;    // modified | reordered | deleted | tail-removed | checkpoint | stray
  std::string message;
};

struct AuditVerifyReport {
  size_t writers = 0, records = 0, checkpoints = 0;
  std::vector<AuditFinding> findings;
  bool ok() const { return findings.empty(); }
};

// `local_heads`: heads this host remembers (its head caches), checked like a checkpoint's.
Result<AuditVerifyReport> VerifyAuditTrail(vault::Vault& v,
                                           const std::map<std::string, vault::AuditHead>& local_heads = {});

struct AuditQuery {
  int64_t since = 0;  // unix s; records at or after
  std::string node;   // a host name or a writer id; "" = all
  std::string op;     // "prune", or a family: "restore" matches restore.start and restore.finish; "" = all
};

// The records the query selects, oldest first. Records that do not open are left out and named in `skipped`.
Result<std::vector<vault::AuditEntry>> ReadAuditRecords(vault::Vault& v, const AuditQuery& q,
                                                        std::vector<std::string>* skipped);

// Signs the current heads of every writer as a new checkpoint (admin key). `by`: who, for the payload.
Result<vault::AuditCheckpoint> WriteAuditCheckpointNow(vault::Vault& v, const std::string& by, int64_t now);

// The heads this host's head caches remember for vault `vault_id` (files in `cache_dir`).
std::map<std::string, vault::AuditHead> LocalAuditHeads(const std::string& cache_dir,
                                                        const std::string& vault_id);

}  // namespace cv::ops
