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
  // Decodes a whole pack already in memory: its header's entries. Corruption if damaged.
  Result<std::vector<PackEntry>> ReadPackHeader(const std::string& pack_key,
                                                std::span<const uint8_t> pack_bytes);

  // --- backups ---------------------------------------------------------------------------------
  Result<std::vector<BackupRecord>> ListBackups();  // sorted by backup id (time)
  Result<BackupRecord> LoadRecord(const std::string& backup_id);
  Result<Manifest> LoadManifest(const BackupRecord& record);
  Status CommitRecord(const BackupRecord& record);  // the commit point of a backup

 private:
  Vault(std::unique_ptr<storage::ObjectStore> store, std::string vault_id, crypto::MasterKey key);
  Result<std::vector<PackEntry>> FetchPackHeader(const ObjectId& pack_id, uint64_t pack_size);

  std::unique_ptr<storage::ObjectStore> store_;
  std::string vault_id_;
  crypto::MasterKey key_;

  mutable std::mutex mu_;
  std::unordered_map<ObjectId, IndexEntry, ObjectIdHash> blobs_;  // GUARDED_BY(mu_)
  std::vector<IndexEntry> adopted_;                               // GUARDED_BY(mu_)
  size_t duplicates_ = 0;                                         // GUARDED_BY(mu_)
};

}  // namespace cv::vault
