// src/core/vault_layout.h — the names of vault objects, built and parsed in one place
// (LevelDB's filename.h). The format is specified in docs/vault-format.md; names here never change.
// Which kinds exist, and their prefixes, is the table in vault_layout_kinds.h.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/vault_layout_kinds.h"

namespace cv {

using ObjectId = std::array<uint8_t, 32>;  // SHA-256 of stored bytes, or HMAC-SHA256 naming a blob

std::string IdToHex(const ObjectId& id);
std::optional<ObjectId> IdFromHex(std::string_view hex);

namespace layout {

inline constexpr std::string_view kConfig = KindInfo(ObjectKind::kConfig).prefix;
inline constexpr std::string_view kKeysPrefix = KindInfo(ObjectKind::kKeySlot).prefix;
inline constexpr std::string_view kPacksPrefix = KindInfo(ObjectKind::kPack).prefix;
inline constexpr std::string_view kIndexPrefix = KindInfo(ObjectKind::kIndex).prefix;
inline constexpr std::string_view kManifestsPrefix = KindInfo(ObjectKind::kManifest).prefix;
inline constexpr std::string_view kBackupsPrefix = KindInfo(ObjectKind::kBackupRecord).prefix;
inline constexpr std::string_view kConfigSealPrefix = KindInfo(ObjectKind::kConfigSeal).prefix;
inline constexpr std::string_view kProbesPrefix = KindInfo(ObjectKind::kProbe).prefix;

std::string KeySlotKey(std::string_view slot_id);     // keys/<slot id>
std::string PackKey(const ObjectId& id);              // packs/<first 2 hex>/<64 hex>
std::string IndexKey(const ObjectId& id);             // index/<64 hex>
std::string ManifestKey(const ObjectId& id);          // manifests/<64 hex>
std::string BackupKey(std::string_view backup_id);    // backups/<backup id>
std::string ConfigSealKey(const ObjectId& id);        // config-seal/<64 hex>
std::string RefsKey(std::string_view backup_id);      // refs/<backup id> (v2)
std::string ContentKeyObjectKey(const ObjectId& id);  // content-keys/<64 hex> (v2)

// --- Format v2 partitions (docs/vault-format.md, "Partitions") ----------------------------------------
// A node id names a partition: 16 lowercase hex, minted at a node's first backup (vault/node_identity.h).
// "" is the unpartitioned space of older vaults (index/<64 hex>, packs/<2 hex>/<64 hex>).
bool IsValidNodeId(std::string_view node_id);
std::string PackKey(std::string_view node_id, const ObjectId& id);   // packs/<node>/<2 hex>/<64 hex>
std::string IndexKey(std::string_view node_id, const ObjectId& id);  // index/<node>/<64 hex>
// The folder a partition's objects of `kind` are listed under: "index/<node>/" ("index/" for node "").
std::string PartitionPrefix(ObjectKind kind, std::string_view node_id);
struct PartitionedName {
  std::string node_id;  // "" for the unpartitioned shape
  ObjectId id{};
};
// Either shape of a pack or index name; nullopt for anything else.
std::optional<PartitionedName> ParsePartitionedPackKey(std::string_view key);
std::optional<PartitionedName> ParsePartitionedIndexKey(std::string_view key);

// yyyymmddThhmmssZ (UTC): sorts by time; names consolidated objects so that the newest lists last.
std::string TimeStamp(int64_t unix_seconds);
// index-full/<node>/<stamp>-<16 hex>, catalog-full/<stamp>-<16 hex>; `random_hex` is 16 lowercase hex.
std::string ConsolidatedIndexKey(std::string_view node_id, int64_t unix_seconds, std::string_view random_hex);
std::string ConsolidatedCatalogKey(int64_t unix_seconds, std::string_view random_hex);
// catalog/<yyyymmdd>/<backup id>: the day (UTC) of `unix_seconds`, when the record is written.
std::string CatalogSegmentKey(int64_t unix_seconds, std::string_view backup_id);
std::string CatalogDayPrefix(int64_t unix_seconds);                       // catalog/<yyyymmdd>/
std::optional<std::string> ParseCatalogSegmentKey(std::string_view key);  // the backup id
// nodes/<32 hex>; `alias_hex` is a keyed hash (vault/node_identity.h).
std::string NodeAliasKey(std::string_view alias_hex);
// clusters/<32 hex>; `alias_hex` is a keyed hash of the Cassandra cluster name (vault/cluster_identity.h).
std::string ClusterAliasKey(std::string_view alias_hex);

// --- Policies, run records and leases (format v2; docs/vault-format.md) ------------------------------
// A policy or lease name: 1-48 of [A-Za-z0-9_-] (it also starts every tag of a policy).
bool IsValidObjectName(std::string_view name);
// policies/<name>/ and policies/<name>/<version as 10 digits>: the versions of a policy list oldest first.
std::string PolicyPrefix(std::string_view name);
std::string PolicyKey(std::string_view name, uint32_t version);
struct PolicyName {
  std::string name;
  uint32_t version = 0;
};
std::optional<PolicyName> ParsePolicyKey(std::string_view key);  // nullopt for another shape, version 0
// The same shape under any Naming::kNameVersion kind (settings/vault/<10 digits>).
std::string NameVersionPrefix(ObjectKind kind, std::string_view name);
std::string NameVersionKey(ObjectKind kind, std::string_view name, uint32_t version);
std::optional<PolicyName> ParseNameVersionKey(ObjectKind kind, std::string_view key);
// runs/<yyyymmdd>/ of the UTC day of `unix_seconds`, and runs/<yyyymmdd>/<run id>-<seq> (seq 0 or 1).
std::string RunDayPrefix(int64_t unix_seconds);
std::string RunRecordKey(int64_t started, std::string_view run_id, int seq);
bool IsValidRunId(std::string_view run_id);  // 16 lowercase hex
struct RunRecordName {
  std::string day;  // yyyymmdd
  std::string run_id;
  int seq = 0;
};
std::optional<RunRecordName> ParseRunRecordKey(std::string_view key);
// locks/<name>/ and locks/<name>/<stamp>-<holder 16 hex>: a lease's objects, oldest first.
std::string LockPrefix(std::string_view name);
std::string LockKey(std::string_view name, int64_t unix_seconds, std::string_view holder_hex);
struct LockName {
  std::string name;
  std::string stamp;  // yyyymmddThhmmssZ
  std::string holder;
};
std::optional<LockName> ParseLockKey(std::string_view key);

// --- Audit trail (format v2, issue 14; docs/vault-format.md, "Audit trail") ----------------------------
// audit/<writer id>/ and audit/<writer id>/<seq as 12 digits>: one writer's records, oldest first. A writer
// id is 16 lowercase hex (vault/audit_log.h says how it is made); seq counts from 1.
std::string AuditWriterPrefix(std::string_view writer_id);
std::string AuditRecordKey(std::string_view writer_id, uint64_t seq);
struct AuditRecordName {
  std::string writer_id;
  uint64_t seq = 0;
};
std::optional<AuditRecordName> ParseAuditRecordKey(std::string_view key);  // nullopt: another shape, seq 0
// audit-checkpoints/<stamp>-<16 hex>: newest last.
std::string AuditCheckpointKey(int64_t unix_seconds, std::string_view random_hex);

// Format v2: the AAD of every sealed object, "cassvault/v2" NUL | vault id (32 hex) | u16 BE kind |
// identity (the object's name; a blob's id). An object copied into another vault, under another kind or
// name does not open. A replica of the vault (same id, another store) holds the same bytes.
inline constexpr std::string_view kAadV2Label = "cassvault/v2";
std::string ObjectAadV2(std::string_view vault_id, ObjectKind kind, std::string_view identity);

// The id in a pack, index or manifest key (packs and indexes: either partition shape, the partition
// dropped); nullopt for anything else (stray files, temp files).
std::optional<ObjectId> ParsePackKey(std::string_view key);
std::optional<ObjectId> ParseIndexKey(std::string_view key);
std::optional<std::string> ParseBackupKey(std::string_view key);
std::optional<ObjectId> ParseConfigSealKey(std::string_view key);
// The slot id in keys/<slot id> (1-64 of [A-Za-z0-9_-]); nullopt for anything else.
std::optional<std::string> ParseKeySlotKey(std::string_view key);

// The name of a content-addressed object (Naming kContentHash or kShardedHash) of `kind`.
std::string ContentKey(ObjectKind kind, const ObjectId& id);
// The id in a content-addressed name of `kind`; nullopt for anything else.
std::optional<ObjectId> ParseContentKey(ObjectKind kind, std::string_view key);
// True if `key` has the shape of a name of `kind` (what a listing keeps).
bool IsNameOf(ObjectKind kind, std::string_view key);

// A vault id is exactly 32 lowercase hex digits (it names the local cache file, so nothing else may pass).
bool IsValidVaultId(std::string_view id);

// Backup ids sort by time: "20261125T141500Z-1a2b3c4d". `unix_seconds` is the start time (UTC),
// `random_hex` 8 hex digits that keep two nodes starting in the same second apart.
std::string MakeBackupId(int64_t unix_seconds, std::string_view random_hex);
bool IsValidBackupId(std::string_view id);
// ISO-8601 UTC with seconds: "2026-11-25T14:15:00Z".
std::string FormatTime(int64_t unix_seconds);

}  // namespace layout
}  // namespace cv
