// src/core/vault_layout_kinds.h — every kind of object a vault holds, as one typed table (restic's
// FileType, LevelDB's FileType in filename.h). Each row says where a kind lives, how it is named and
// sealed, and how large a read of it may be: the engine asks the table instead of spelling prefixes, AAD
// strings and size caps at each call site. docs/vault-format.md ("Object kinds") mirrors this table.
//
// The numbers of ObjectKind are part of the format: format v2 names an object's kind in its AAD, so a
// number is never changed or reused. Rows marked `reserved` are the kinds later issues add; they are
// declared so that their names are taken, and nothing reads or writes them yet.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace cv::layout {

enum class ObjectKind : uint8_t {
  kConfig = 1,
  kConfigSeal = 2,
  kKeySlot = 3,
  kPack = 4,
  kIndex = 5,
  kManifest = 6,
  kBackupRecord = 7,
  kProbe = 8,
  kContentKey = 9,            // format v2
  kNodeAlias = 10,            // format v2, partitioned (issue 11)
  kConsolidatedCatalog = 11,  // format v2, partitioned
  kCatalogSegment = 16,       // format v2, partitioned: a backup's record, its commit point
  kConsolidatedIndex = 17,    // format v2, partitioned
  kReferenceSet = 18,
  // Reserved (the issues after format v2).
  kPolicy = 19,
  kRunRecord = 20,
  kBackupMark = 21,  // format v2 (issue 13)
  kLock = 22,
  kAuditRecord = 23,
  kApproval = 24,
  kClusterAlias = 25,     // format v2 (issue 12)
  kVaultSettings = 26,    // format v2 (issue 13)
  kGcMark = 27,           // format v2 (issue 13): prune's phase-1 list of garbage candidates
  kAuditCheckpoint = 28,  // format v2 (issue 14): admin-signed heads of every audit writer, chained
};

// How the name after the prefix is made (vault_layout.h builds and parses each shape).
enum class Naming : uint8_t {
  kFixed,        // one object whose whole name is the prefix ("config")
  kContentHash,  // <prefix><64 hex>: v1, the SHA-256 of the stored bytes (checkable without a key); v2, a
                 // random id the AAD binds (an object cannot name the hash of its own ciphertext)
  kShardedHash,  // <prefix><2 hex>/<64 hex>: as kContentHash, under a folder of its first two digits
  kSlotId,       // <prefix><1-64 of [A-Za-z0-9_-]>
  kBackupId,     // <prefix><backup id> (vault_layout.h: IsValidBackupId)
  kProbeId,      // <prefix>doctor-<32 hex>
  // Format v2 names a node's index objects and packs under its partition, <node id> = 16 lowercase hex
  // (docs/vault-format.md, "Partitions"); the unpartitioned shapes are still read (older v2 and v1 vaults).
  kPartitionedHash,         // <prefix>[<node id>/]<64 hex>
  kPartitionedShardedHash,  // <prefix>[<node id>/]<2 hex>/<64 hex>
  kNodeStamped,             // <prefix><node id>/<stamp>-<16 hex>; stamp = yyyymmddThhmmssZ (UTC): newest last
  kStamped,                 // <prefix><stamp>-<16 hex>
  kDayBackupId,             // <prefix><yyyymmdd>/<backup id>: the UTC day the record was written
  kAliasId,                 // <prefix><32 hex>: a keyed hash of what the alias names (a Cassandra host id,
                            // a cluster name)
  kNameVersion,             // <prefix><name>/<version, 10 digits>; name = 1-48 of [A-Za-z0-9_-]
  kDayRunSeq,               // <prefix><yyyymmdd>/<run id 16 hex>-<seq 0|1>: the UTC day the run started
  kNameStamped,             // <prefix><name>/<stamp>-<16 hex>; name = 1-48 of [A-Za-z0-9_-]
  kWriterSeq,               // <prefix><writer id 16 hex>/<seq, 12 digits from 1>: one writer's hash chain
  kNotAssigned,             // reserved kinds: the shape comes with the issue that adds the kind
};

// What protects the bytes.
enum class Sealing : uint8_t {
  kPlain,         // not sealed: config (read before any key is known, checked against a sealed copy after
                  // unlock) and doctor's probes (random bytes nobody reads)
  kKeySlot,       // the master key wrapped under a passphrase or key file (crypto/key_slot.h)
  kSealed,        // v1: AES-256-GCM under the data key, AAD = `aad` (+ the object's id for backup records);
                  // v2: crypto::ObjectSealer, AAD = layout::ObjectAadV2 (vault, kind, name)
  kFramedSealed,  // a frame (u8 compression, u64 LE raw length, body), then sealed with AAD `aad`
  kPack,          // blobs sealed one by one (AAD names the blob), then a header sealed with AAD `aad`
  kSealedBox,     // v2: a content key sealed to the vault's reader public key (crypto/sealed_box.h)
  kNotAssigned,
};

// What a listing of the kind's prefix does with a name that does not have the kind's shape.
enum class StrayNames : uint8_t {
  kIgnore,  // not ours (a temp file, a name from a later format): passed over silently
  kReport,  // named as a problem (warning, and by verify): every name there should be ours
};

struct ObjectKindInfo {
  ObjectKind kind;
  std::string_view name;    // in messages: "is 9000 bytes, more than a <name> can be"
  std::string_view prefix;  // a folder ("index/"), or the whole name of a kFixed object
  Naming naming;
  Sealing sealing;
  std::string_view aad;  // format v1 AAD (kSealed: its prefix); empty if not sealed with the data key
  bool create_only;      // written once, never overwritten (every v1 kind; the store enforces it)
  // The largest stored object a whole-object read accepts, checked before a byte is allocated: larger is
  // damaged or hostile. For packs, the bound on a pack read whole (unindexed, before adoption); indexed
  // packs are read by the ranges their index gives. 0: not assigned yet (reserved kinds are never read).
  uint64_t max_size;
  bool listed;  // found by listing its prefix (everything but config)
  StrayNames strays;
  bool reserved;
};

// The whole table, one row per kind, in ObjectKind order.
inline constexpr std::array<ObjectKindInfo, 24> kObjectKinds = {{
    {ObjectKind::kConfig, "config", "config", Naming::kFixed, Sealing::kPlain, "", true, 4 << 10, false,
     StrayNames::kIgnore, false},
    {ObjectKind::kConfigSeal, "config seal", "config-seal/", Naming::kContentHash, Sealing::kSealed,
     "cassvault/v1/config", true, 4 << 10, true, StrayNames::kIgnore, false},
    {ObjectKind::kKeySlot, "key slot", "keys/", Naming::kSlotId, Sealing::kKeySlot, "", true, 64 << 10, true,
     StrayNames::kReport, false},
    // A backup closes a pack at 8 MiB, so no pack it writes reaches twice that.
    {ObjectKind::kPack, "pack", "packs/", Naming::kPartitionedShardedHash, Sealing::kPack,
     "cassvault/v1/pack-header", true, 16 << 20, true, StrayNames::kIgnore, false},
    {ObjectKind::kIndex, "index", "index/", Naming::kPartitionedHash, Sealing::kFramedSealed,
     "cassvault/v1/index", true, uint64_t{256} << 20, true, StrayNames::kIgnore, false},
    {ObjectKind::kManifest, "manifest", "manifests/", Naming::kContentHash, Sealing::kFramedSealed,
     "cassvault/v1/manifest", true, uint64_t{256} << 20, true, StrayNames::kIgnore, false},
    {ObjectKind::kBackupRecord, "backup record", "backups/", Naming::kBackupId, Sealing::kSealed,
     "cassvault/v1/backup/", true, 1 << 20, true, StrayNames::kIgnore, false},
    // Written by `doctor` to learn what the identity may do, deleted again where it may; never read back.
    {ObjectKind::kProbe, "probe", "probes/", Naming::kProbeId, Sealing::kPlain, "", true, 32, false,
     StrayNames::kIgnore, false},
    // v2: each backup's content key, sealed to the reader's public key; named by a random id.
    {ObjectKind::kContentKey, "content key", "content-keys/", Naming::kContentHash, Sealing::kSealedBox, "",
     true, 4 << 10, true, StrayNames::kIgnore, false},
    // v2: which partition a Cassandra node backs up into; create-only, so a node keeps its partition.
    {ObjectKind::kNodeAlias, "node alias", "nodes/", Naming::kAliasId, Sealing::kSealed, "", true, 4 << 10,
     true, StrayNames::kIgnore, false},
    // v2: many catalog segments (and older backup records) in one object, for `list`.
    {ObjectKind::kConsolidatedCatalog, "consolidated catalog", "catalog-full/", Naming::kStamped,
     Sealing::kFramedSealed, "", true, uint64_t{256} << 20, true, StrayNames::kIgnore, false},
    // v2: a backup's record, written under the day it commits; writing it is the commit.
    {ObjectKind::kCatalogSegment, "catalog segment", "catalog/", Naming::kDayBackupId, Sealing::kSealed, "",
     true, 1 << 20, true, StrayNames::kIgnore, false},
    // v2: a node's index objects merged into one; lists the index objects it supersedes.
    {ObjectKind::kConsolidatedIndex, "consolidated index", "index-full/", Naming::kNodeStamped,
     Sealing::kFramedSealed, "", true, uint64_t{256} << 20, true, StrayNames::kIgnore, false},
    // v2: the blob ids a backup uses, readable with the writer key (prune, fast verify).
    {ObjectKind::kReferenceSet, "reference set", "refs/", Naming::kBackupId, Sealing::kFramedSealed, "", true,
     uint64_t{256} << 20, true, StrayNames::kIgnore, false},
    // v2: a version of a backup policy, signed by the admin key inside the seal (vault/policy_store.h).
    {ObjectKind::kPolicy, "policy", "policies/", Naming::kNameVersion, Sealing::kSealed, "", true, 64 << 10,
     true, StrayNames::kIgnore, false},
    // v2: what a daemon run did, written by the node when it starts (seq 0) and ends (seq 1).
    {ObjectKind::kRunRecord, "run record", "runs/", Naming::kDayRunSeq, Sealing::kSealed, "", true, 8 << 10,
     true, StrayNames::kIgnore, false},
    // v2: admin-signed decisions about backups (forget, undelete, purged, retain, lock);
    // vault/backup_marks.h. Compaction folds many into one, so the bound is generous.
    {ObjectKind::kBackupMark, "backup mark", "marks/", Naming::kStamped, Sealing::kSealed, "", true,
     uint64_t{64} << 20, true, StrayNames::kReport, false},
    // v2: an admin-signed, time-bounded lease (vault/lease.h); deleted by its holder when released.
    {ObjectKind::kLock, "lock", "locks/", Naming::kNameStamped, Sealing::kSealed, "", true, 4 << 10, true,
     StrayNames::kIgnore, false},
    // v2: one record of the audit trail (vault/audit_log.h), sealed under the metadata root so that any key
    // role writes and reads it; each names the SHA-256 of its writer's previous record's stored bytes.
    {ObjectKind::kAuditRecord, "audit record", "audit/", Naming::kWriterSeq, Sealing::kSealed, "", true,
     64 << 10, true, StrayNames::kReport, false},
    // v2: a guardian's approval of one destructive operation (vault/approvals.h), signed by the guardian's
    // key inside the seal; create-only, never deleted (marks that used one re-verify it when read).
    {ObjectKind::kApproval, "approval", "approvals/", Naming::kStamped, Sealing::kSealed, "", true, 16 << 10,
     true, StrayNames::kIgnore, false},
    // v2: a cluster's id, keyed by its Cassandra cluster name; create-only, minted at its first backup.
    {ObjectKind::kClusterAlias, "cluster alias", "clusters/", Naming::kAliasId, Sealing::kSealed, "", true,
     4 << 10, true, StrayNames::kIgnore, false},
    // v2: the vault's settings (soft delete, immutability, prune grace), admin-signed; newest valid wins.
    {ObjectKind::kVaultSettings, "vault settings", "settings/", Naming::kNameVersion, Sealing::kSealed, "",
     true, 64 << 10, true, StrayNames::kIgnore, false},
    // v2: prune's phase-1 mark (vault/gc_marks.h): the garbage candidates of one run, admin-signed inside the
    // seal; deleted by a later prune once every candidate it lists has been handled.
    {ObjectKind::kGcMark, "gc mark", "gc/", Naming::kStamped, Sealing::kSealed, "", true, uint64_t{256} << 20,
     true, StrayNames::kIgnore, false},
    // v2: the heads of every audit writer's chain and the previous checkpoint's hash, admin-signed inside the
    // seal (vault/audit_checkpoint.h); written by prune and `cassvault audit checkpoint`.
    {ObjectKind::kAuditCheckpoint, "audit checkpoint", "audit-checkpoints/", Naming::kStamped,
     Sealing::kSealed, "", true, 4 << 20, true, StrayNames::kReport, false},
}};

constexpr const ObjectKindInfo& KindInfo(ObjectKind kind) {
  for (const auto& k : kObjectKinds) {
    if (k.kind == kind) return k;
  }
  return kObjectKinds[0];  // unreachable for a declared kind (vault_layout_test checks every row)
}

// The kind whose prefix `key` is under (a kFixed kind: whose name it is); nullptr for none.
constexpr const ObjectKindInfo* KindOfKey(std::string_view key) {
  for (const auto& k : kObjectKinds) {
    bool match = k.naming == Naming::kFixed ? key == k.prefix : key.substr(0, k.prefix.size()) == k.prefix;
    if (match) return &k;
  }
  return nullptr;
}

}  // namespace cv::layout
