// src/vault/audit_log.h — the audit trail's records (docs/vault-format.md, "Audit trail"): each writer (a
// host, in one key role) appends to its own hash chain, audit/<writer id>/<seq, 12 digits>, create-only,
// sealed under the metadata root so that every key role writes them and a writer key (the auditor's) reads
// them; nothing is in clear in the vault. Each record names the SHA-256 of its writer's previous record's
// stored bytes (`prev`), so an edit, a deletion (a seq hole) or a reordering shows in verification
// (ops/audit_verify.h), and admin-signed checkpoints (audit_checkpoint.h) catch a removed tail.
//
// Appending never lists: the caller passes the head it knows (a local cache), and the log probes seq+1 until
// it finds a free number. Two processes on one host appending at once: the loser of the create-only race
// reads the winner's record and appends after it, so a chain stays linear. Without a known head the log
// finds it by probing seq 1, 2, 4, ... then bisecting: O(log n) requests, never a listing.
//
// Format v2 only (NotSupported for v1: it has no key roles to attribute and no metadata root).
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "vault/object_table.h"

namespace cv::vault {

// The record format's version (the "v" field).
inline constexpr int kAuditRecordVersion = 1;

// Where a writer's chain ends: its last seq and the SHA-256 (hex) of that record's stored bytes.
struct AuditHead {
  uint64_t seq = 0;  // 0: no record yet
  std::string hash;  // "" when seq is 0
};

// One record as stored.
// NOLINTNEXTLINE(bugprone-exception-escape): json's members may assert; a throw there would be a json bug
struct AuditEntry {
  std::string key, writer;
  uint64_t seq = 0;
  std::string hash;  // SHA-256 hex of the stored (sealed) bytes: what the next record's prev names
  nlohmann::json record;
};

// 16 lowercase hex: the first 8 bytes of HMAC-SHA256 under HKDF(metadata root, "cassvault/v2 audit writer")
// of "<host key> NUL <role>". The host key is the host's stable id (/etc/machine-id, else its host name);
// so a host keeps one chain per key role across runs and a listing names no host.
Result<std::string> AuditWriterId(const VaultKeys& keys, std::string_view host_key, std::string_view role);

// SHA-256 hex of stored bytes.
std::string AuditHash(std::span<const uint8_t> stored);

class AuditLog {
 public:
  // `objects` must outlive the log.
  AuditLog(ObjectTable& objects, std::string writer_id);

  const std::string& writer() const { return writer_; }

  // Appends `record` (an object; its fields v, writer, seq and prev are set here) after `known` (a head the
  // caller remembers; nullopt: found by probing). Returns the stored entry, which is the new head.
  // InvalidArgument, before anything is written, for a record larger than an audit record may be.
  Result<AuditEntry> Append(nlohmann::json record, std::optional<AuditHead> known = std::nullopt);

  // The head as the vault holds it, found without a listing (probing from `known`, or from scratch).
  Result<AuditHead> FindHead(std::optional<AuditHead> known = std::nullopt);

  // One record: Corruption naming it if it does not open under its name (edited, moved or another vault's)
  // or its fields contradict its name.
  static Result<AuditEntry> Read(ObjectTable& objects, std::string_view key, KnownSize size = std::nullopt);
  // The same for stored bytes already read.
  static Result<AuditEntry> Open(ObjectTable& objects, std::string_view key, std::span<const uint8_t> stored);
  // The stored bytes of one record, unopened (hash checks).
  static Result<std::vector<uint8_t>> ReadStored(ObjectTable& objects, std::string_view key,
                                                 KnownSize size = std::nullopt);

  // Every record name in the vault by writer, each writer's sorted by seq (one listing of audit/).
  // Names under audit/ that are not record names go to `strays`.
  static Status ListAll(ObjectTable& objects,
                        std::map<std::string, std::vector<storage::ObjectInfo>>* by_writer,
                        std::vector<std::string>* strays);

 private:
  Result<bool> Exists(uint64_t seq);

  ObjectTable& objects_;
  std::string writer_;
};

}  // namespace cv::vault
