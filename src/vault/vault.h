// src/vault/vault.h — the vault engine: a deduplicated, encrypted, content-addressed store of Cassandra
// backups over any ObjectStore. Format and invariants: docs/vault-format.md.
//
// Write order (what makes a kill at any point safe): packs, then the index naming their blobs, then
// the manifest, then the backup record under backups/<id> — the commit. Readers start from backup
// records, so a backup that was not committed is invisible; its packs are adopted by the next backup
// (their headers say what they hold), so nothing durable is uploaded twice.
//
// Vault is a thin facade over the pieces, each with one job, which callers may also use directly:
//   object_table.h  typed whole-object access (names, bounded reads, sealing) from the kind table
//   pack.h          reading and checking packs; pack_writer.h writes them
//   blob_index.h    which pack holds each blob (load, adopt, look up, write)
//   catalog.h       backup records and manifests (list, resolve, commit)
//   key_slots.h, vault_config.h   unlocking, and the config authenticated
//   vault_keys.h    the opened keys (format v1 master key, or a v2 bundle of one role) and how each seals
//   content_keys.h  v2: each backup's content key, sealed to the reader key
//
// Thread safety: a Vault is safe for concurrent use once open (the blob index is read-only after
// LoadIndex except through AddToIndex, which locks). BlobCodec is per thread.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/manifest.h"
#include "core/pack_format.h"
#include "core/result.h"
#include "core/vault_layout.h"
#include "crypto/crypto.h"
#include "crypto/key_slot.h"
#include "storage/object_store.h"
#include "vault/backup_marks.h"
#include "vault/blob_codec.h"
#include "vault/blob_index.h"
#include "vault/catalog.h"
#include "vault/content_keys.h"
#include "vault/key_slots.h"
#include "vault/lease.h"
#include "vault/object_table.h"
#include "vault/pack.h"
#include "vault/policy_store.h"
#include "vault/problems.h"
#include "vault/run_log.h"
#include "vault/vault_config.h"
#include "vault/vault_keys.h"
#include "vault/vault_settings.h"

namespace cv::vault {

class Vault {
 public:
  // Creates a new vault in an empty store: a first key slot (v2: an admin slot), then config.
  // FailedPrecondition if the store already holds a vault. `format` 1 makes a vault older releases read.
  static Result<std::unique_ptr<Vault>> Init(std::unique_ptr<storage::ObjectStore> store,
                                             const crypto::KeySecret& secret,
                                             const crypto::ScryptParams& params = {},
                                             int format = kFormatVersion);
  // NotFound if the store holds no vault; PermissionDenied if no key slot opens with `secret`.
  static Result<std::unique_ptr<Vault>> Open(std::unique_ptr<storage::ObjectStore> store,
                                             const crypto::KeySecret& secret);
  // How Open unlocks, chosen by the caller (ops: Key Vault slots first, then the recovery key file or
  // passphrase). Only the function of the vault's format is called, once, after the config was read.
  struct Unlocker {
    // Format v2: the bundle of the slot that opened, and its id in *slot_id; problems met on the way.
    std::function<Result<crypto::KeyBundle>(storage::ObjectStore&, const std::string& vault_id,
                                            std::vector<VaultProblem>* problems, std::string* slot_id)>
        v2;
    // Format v1: the secret (a v1 vault has no Key Vault slots).
    std::function<Result<crypto::KeySecret>()> v1_secret;
  };
  static Result<std::unique_ptr<Vault>> Open(std::unique_ptr<storage::ObjectStore> store,
                                             const Unlocker& unlock);

  storage::ObjectStore& store() { return *store_; }
  const std::string& vault_id() const { return keys_.vault_id(); }
  int format() const { return keys_.format(); }
  const VaultKeys& keys() const { return keys_; }
  // The id of the key slot that opened (or, for Init, created) this vault: who did something, in
  // policies and run records ("key slot <id> (<role>)").
  const std::string& opened_slot() const { return opened_slot_; }
  // "key slot <id> (<role>)" (v1: "key slot <id>"): who wrote a policy version or a run record, to which
  // the caller adds " on <user>@<host>".
  std::string OpenedBy() const;
  std::unique_ptr<BlobCodec> NewCodec(int zstd_level = 3) const {
    return std::make_unique<BlobCodec>(keys_, zstd_level);
  }
  // What this key may do: v1 keys and v2 reader/admin bundles read backups; a v2 writer bundle does not.
  bool CanReadBackups() const;
  // PermissionDenied naming `what` and the key it needs, before anything is read or written, for a writer.
  Status RequireReader(std::string_view what) const;

  // --- the pieces ----------------------------------------------------------------------------
  ObjectTable& objects() { return objects_; }
  PackReader& packs() { return packs_; }
  BlobIndex& blob_index() { return index_; }
  Catalog& catalog() { return catalog_; }
  ContentKeys& content_keys() { return content_keys_; }
  PolicyStore& policies() { return policies_; }  // format v2 only (v1: every call NotSupported)
  RunLog& runs() { return runs_; }
  BackupMarks& marks() { return marks_; }               // format v2 only (v1: every call NotSupported)
  VaultSettingsStore& settings() { return settings_; }  // format v2 only

  // --- partitions (format v2; docs/vault-format.md, "Partitions") ------------------------------
  // The node whose packs and index objects this Vault reads and writes from now on: a backup's own node
  // (ops/node_partition.h resolves it), or a restored backup's record.node_id. "" is the unpartitioned
  // layout of older vaults (and every v1 vault). Call before LoadIndex (another partition than the loaded
  // one unloads the index); InvalidArgument for a malformed id.
  Status UsePartition(std::string node_id);
  const std::string& partition() const { return partition_; }
  // Where LoadIndex keeps its local, rebuildable copy of the partition's index (next to the file cache).
  // Empty (the default): none, the index is read from the vault each time.
  void SetIndexCacheDir(std::string dir) { index_cache_dir_ = std::move(dir); }

  // --- the blob index ------------------------------------------------------------------------
  // Reads the index of partition() (BlobIndex::Load: its consolidated index and the index objects it does
  // not cover), then adopts the partition's packs no index names (left by a killed backup). Required before
  // ReadBlob and BackupSession::StorePart (they return Internal otherwise).
  Status LoadIndex();
  // The index of several partitions at once (a load restore of many nodes' backups): each pack is read under
  // its own partition's name. One partition: UsePartition, then LoadIndex.
  Status LoadIndexOf(const std::vector<std::string>& partitions);
  // Where a blob is, for deduplication: never a pack prune marked as garbage.
  std::optional<IndexEntry> FindBlob(const ObjectId& id) const { return index_.Find(id); }
  // Where a blob is, for reading (restore, verify): also in an unindexed pack prune marked (a backup that
  // loaded its index before the mark may rely on it; prune keeps it then).
  std::optional<IndexEntry> LocateBlob(const ObjectId& id) const {
    auto loc = index_.Find(id);
    return loc ? loc : index_.FindHidden(id);
  }
  size_t BlobCount() const { return index_.Count(); }
  // Blobs found in more than one pack by the last LoadIndex: 0 unless a blob was stored twice.
  size_t DuplicateBlobCount() const { return index_.Duplicates(); }
  void AddToIndex(std::span<const IndexEntry> entries) { index_.Add(entries); }
  // Entries of packs adopted by LoadIndex: the next committed backup writes them into its index.
  std::vector<IndexEntry> TakeAdopted() { return index_.TakeAdopted(); }
  // Reads, opens, decompresses and checks one blob. Corruption names the blob and pack.
  Status ReadBlob(const ObjectId& id, BlobCodec& codec, std::vector<uint8_t>* out);
  // v2: the content key sealing the blobs of `pack_id` (opened once, cached); null for a v1 vault.
  Result<std::shared_ptr<const ContentKey>> PackContentKey(const ObjectId& pack_id);
  // Every pack key with its size (for verify).
  Status ListPacks(std::vector<storage::ObjectInfo>* out);
  // Reads one pack's trailer and sealed header (two ranged reads) and checks that every entry in
  // `expected` (from an index) is in the header as the index has it. Corruption names what differs.
  Status CheckPackHeader(const ObjectId& pack_id, uint64_t pack_size, std::span<const PackEntry> expected) {
    return packs_.CheckHeader(pack_id, pack_size, expected);
  }

  // Objects skipped so far because they did not check out (junk index objects, backup records and key
  // slots, unindexed packs not adopted, ...). Cumulative; callers print them as warnings.
  std::vector<VaultProblem> Problems() const { return problems_.All(); }
  // A problem worth a warning that no object's damage caused (a consolidation that failed).
  void NoteProblem(std::string object, std::string problem, bool damage = false) {
    problems_.Add(std::move(object), std::move(problem), damage);
  }

  // --- key slots -------------------------------------------------------------------------------
  // Adds a key slot for `secret` (create-only, new random id). Returns the slot id. v2: the slot holds
  // `role`'s keys; InvalidArgument if this vault was opened with a key of a lesser role. v1 has no roles.
  Result<std::string> AddKeySlot(const crypto::KeySecret& secret, const crypto::ScryptParams& params = {},
                                 crypto::KeyRole role = crypto::KeyRole::kAdmin);
  // Format v2: adds a slot for `role` whose KEK `wrapper`'s newest key version (CurrentKid) wraps, then
  // proves it opens (unwraps it through `wrapper` and compares the bundle); a slot that does not is deleted
  // again and the error returned. FailedPrecondition for a format v1 vault.
  Result<std::string> AddKeyVaultSlot(crypto::KeyWrapper& wrapper, crypto::KeyRole role);
  // Deletes keys/<slot_id>, nothing else: callers check first that the vault stays openable (ops/key_ops.h).
  Status DeleteKeySlot(const std::string& slot_id);
  using SlotListing = vault::SlotListing;
  Result<std::vector<SlotListing>> ListKeySlots() { return vault::ListKeySlots(*store_); }

  // --- backups ---------------------------------------------------------------------------------
  Result<std::vector<BackupRecord>> ListBackups() { return catalog_.List(); }  // sorted by backup id (time)
  Result<BackupRecord> LoadRecord(const std::string& backup_id) { return catalog_.Load(backup_id); }
  Result<BackupRecord> ResolveBackup(const std::string& id_or_tag, const std::string& host_id,
                                     const std::string& address) {
    return catalog_.Resolve(id_or_tag, host_id, address);
  }
  Result<Manifest> LoadManifest(const BackupRecord& record) { return catalog_.LoadManifest(record); }
  Result<std::vector<ObjectId>> LoadReferenceSet(const std::string& backup_id) {
    return catalog_.LoadReferenceSet(backup_id);
  }
  Status CommitRecord(const BackupRecord& record) { return catalog_.Commit(record); }  // the commit point

 private:
  Vault(std::unique_ptr<storage::ObjectStore> store, VaultKeys keys);

  // Declared in the order they are built: each piece borrows the ones above it.
  std::unique_ptr<storage::ObjectStore> store_;
  VaultKeys keys_;
  std::string opened_slot_;
  std::string partition_;
  std::string index_cache_dir_;
  ProblemLog problems_;
  ObjectTable objects_;
  ContentKeys content_keys_;
  PackReader packs_;
  BlobIndex index_;
  Catalog catalog_;
  PolicyStore policies_;
  RunLog runs_;
  BackupMarks marks_;
  VaultSettingsStore settings_;
};

}  // namespace cv::vault
