// src/vault/vault.h — the vault engine: a deduplicated, encrypted, content-addressed store of Cassandra
// backups over any ObjectStore. Format and invariants: docs/vault-format.md.
//
// Write order (what makes a kill at any point safe): packs, then the index naming their blobs, then
// the manifest, then the backup record under backups/<id> — the commit. Readers start from backup
// records, so a backup that was not committed is invisible; its packs are adopted by the next backup
// (their headers say what they hold), so nothing durable is uploaded twice.
//
// Thread safety: a Vault is safe for concurrent use once open (the blob index is read-only after
// LoadIndex except through AddToIndex, which locks). BlobCodec is per thread.
#pragma once

#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/manifest.h"
#include "core/pack_format.h"
#include "core/result.h"
#include "crypto/crypto.h"
#include "crypto/key_slot.h"
#include "storage/object_store.h"
#include "vault/compression.h"

namespace cv::vault {

struct ObjectIdHash {
  size_t operator()(const ObjectId& id) const {
    size_t h;
    std::memcpy(&h, id.data(), sizeof h);  // ids are uniformly random already
    return h;
  }
};

// Per-thread sealing, naming and compression for blobs. Cheap to make; not thread-safe.
class BlobCodec {
 public:
  BlobCodec(const crypto::MasterKey& key, int zstd_level);
  ObjectId BlobId(std::span<const uint8_t> plaintext) { return hmac_.Compute(plaintext); }
  // Compresses when asked and when it pays, then seals. *sealed views the codec's own buffer, valid until
  // its next Seal. Returns the compression used.
  Result<Compression> Seal(const ObjectId& id, std::span<const uint8_t> plaintext, bool try_compress,
                           std::span<const uint8_t>* sealed);
  // Opens a sealed blob, decompresses, and checks that its content hashes to `id`.
  Status Open(const PackEntry& e, std::span<const uint8_t> sealed, std::vector<uint8_t>* plaintext);
  crypto::Aead& aead() { return aead_; }

 private:
  crypto::Aead aead_;
  crypto::HmacSha256 hmac_;
  Compressor compressor_;
  std::vector<uint8_t> scratch_;  // for Open
  std::vector<uint8_t> sealed_;   // grows, never shrinks (see Compressor::buf_)
};

// Caps on the size of what the store returns, checked (Stat, then a read of exactly that length) before
// anything is allocated: an object over its cap is damaged or hostile. docs/vault-format.md lists them.
inline constexpr uint64_t kMaxConfigSize = 4 << 10;
inline constexpr uint64_t kMaxConfigSealSize = 4 << 10;
inline constexpr uint64_t kMaxKeySlotSize = 64 << 10;
inline constexpr uint64_t kMaxRecordSize = 1 << 20;
inline constexpr uint64_t kMaxContentObjectSize = uint64_t{256} << 20;  // index and manifest, as stored
inline constexpr uint64_t kMaxContentRawSize = uint64_t{1} << 30;       // index and manifest, decompressed
inline constexpr uint64_t kPackTargetSize = 8 << 20;
// A backup closes a pack at the target size, so no pack it writes reaches twice that: a larger pack that no
// index names is not read. (Indexed packs are read by the ranges their index gives.)
inline constexpr uint64_t kMaxUnindexedPackSize = 2 * kPackTargetSize;
inline constexpr uint64_t kMaxPackHeaderSize = 64 << 20;
// Unindexed packs are read whole before adoption; junk packs someone adds would be read by every command,
// so one LoadIndex reads at most this much of them. Packs past it are not adopted: their blobs, if genuine,
// are stored again by the next backup, which costs space, never data.
inline constexpr uint64_t kMaxUnindexedBytesRead = uint64_t{1} << 30;
// Key slots: at most this many are read per unlock, and at most kMaxSlotsTried of the key's kind are
// tried, cheapest first; each costs at most what `init --kdf-cost 20` writes (crypto::kScryptMaxWork).
inline constexpr size_t kMaxSlotsRead = 256;
inline constexpr size_t kMaxSlotsTried = 16;
inline constexpr size_t kMaxConfigSeals = 16;

// An object that did not check out and was skipped (or refused): named in a warning, reported by verify.
struct VaultProblem {
  std::string object;  // its key in the store
  std::string problem;
  bool damage = true;  // false: only a notice (e.g. a read-only identity could not write the config seal)
};

// True for what a foreign or damaged object causes (skip it); false for what the store or network causes
// (stop: skipping could hide data that is there).
bool IsObjectProblem(const Status& st);

class Vault {
 public:
  // Creates a new vault in an empty store: config and a first key slot. FailedPrecondition if the
  // store already holds a vault.
  static Result<std::unique_ptr<Vault>> Init(std::unique_ptr<storage::ObjectStore> store,
                                             const crypto::KeySecret& secret,
                                             const crypto::ScryptParams& params = {});
  // NotFound if the store holds no vault; PermissionDenied if no key slot opens with `secret`.
  static Result<std::unique_ptr<Vault>> Open(std::unique_ptr<storage::ObjectStore> store,
                                             const crypto::KeySecret& secret);

  storage::ObjectStore& store() { return *store_; }
  const std::string& vault_id() const { return vault_id_; }
  const crypto::MasterKey& key() const { return key_; }
  std::unique_ptr<BlobCodec> NewCodec(int zstd_level = 3) const {
    return std::make_unique<BlobCodec>(key_, zstd_level);
  }

  // --- sealed metadata objects ---------------------------------------------------------------
  // Compresses, seals (AAD names the object's purpose) and writes create-only under prefix/<sha256>.
  Result<ObjectId> PutContentObject(std::string_view prefix_kind, std::span<const uint8_t> plaintext);
  Status PutSealed(const std::string& key, std::string_view aad, std::span<const uint8_t> plaintext);
  Result<std::vector<uint8_t>> GetSealed(const std::string& key, std::string_view aad);

  // --- the blob index ------------------------------------------------------------------------
  // Reads every index object, then adopts packs no index names (left by a killed backup).
  Status LoadIndex();
  std::optional<IndexEntry> FindBlob(const ObjectId& id) const;
  size_t BlobCount() const;
  // Blobs found in more than one pack by the last LoadIndex: 0 unless a blob was stored twice.
  size_t DuplicateBlobCount() const;
  void AddToIndex(std::span<const IndexEntry> entries);
  // Entries of packs adopted by LoadIndex: the next committed backup writes them into its index.
  std::vector<IndexEntry> TakeAdopted();
  // Reads, opens, decompresses and checks one blob. Corruption names the blob and pack.
  Status ReadBlob(const ObjectId& id, BlobCodec& codec, std::vector<uint8_t>* out);
  // Every pack key with its size (for verify).
  Status ListPacks(std::vector<storage::ObjectInfo>* out);
  // Reads one pack's trailer and sealed header (two ranged reads) and checks that every entry in
  // `expected` (from an index) is in the header as the index has it. Corruption names what differs.
  Status CheckPackHeader(const ObjectId& pack_id, uint64_t pack_size, std::span<const PackEntry> expected);

  // Objects skipped so far because they did not check out (junk index objects, backup records and key
  // slots, unindexed packs not adopted, ...). Cumulative; callers print them as warnings.
  std::vector<VaultProblem> Problems() const;

  // --- key slots -------------------------------------------------------------------------------
  // Adds a key slot for `secret` (create-only, new random id). Returns the slot id.
  Result<std::string> AddKeySlot(const crypto::KeySecret& secret, const crypto::ScryptParams& params = {});
  struct SlotListing {
    std::string key;
    Result<crypto::KeySlotInfo> info;
  };
  Result<std::vector<SlotListing>> ListKeySlots();

  // --- backups ---------------------------------------------------------------------------------
  Result<std::vector<BackupRecord>> ListBackups();  // sorted by backup id (time)
  Result<BackupRecord> LoadRecord(const std::string& backup_id);
  Result<Manifest> LoadManifest(const BackupRecord& record);
  Status CommitRecord(const BackupRecord& record);  // the commit point of a backup

 private:
  Vault(std::unique_ptr<storage::ObjectStore> store, std::string vault_id, crypto::MasterKey key);
  Result<std::vector<PackEntry>> FetchPackHeader(const ObjectId& pack_id, uint64_t pack_size);
  // Reads a whole unindexed pack and opens every entry its header claims; its entries only if all check out.
  Result<std::vector<PackEntry>> VerifyUnindexedPack(const ObjectId& pack_id, uint64_t pack_size,
                                                     BlobCodec& codec);
  // Checks `config` against its sealed copies (config-seal/), writing the first one if none exists.
  Status CheckConfigSeal(std::span<const uint8_t> config_bytes);
  void AddProblem(std::string object, std::string problem, bool damage = true);

  std::unique_ptr<storage::ObjectStore> store_;
  std::string vault_id_;
  crypto::MasterKey key_;

  mutable std::mutex mu_;
  std::unordered_map<ObjectId, IndexEntry, ObjectIdHash> blobs_;  // GUARDED_BY(mu_)
  std::vector<IndexEntry> adopted_;                               // GUARDED_BY(mu_)
  size_t duplicates_ = 0;                                         // GUARDED_BY(mu_)
  std::vector<VaultProblem> problems_;                            // GUARDED_BY(mu_)
};

}  // namespace cv::vault
