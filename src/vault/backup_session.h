// src/vault/backup_session.h — one backup being written into the vault.
//
// Workers hand it plaintext parts; it names each by keyed hash, skips what the vault (or this
// session) already holds, and seals and packs the rest. Commit writes, in order, the last pack, the
// index of this session's packs (plus orphan packs adopted at open), the manifest, (v2) the reference set,
// and finally the backup record — only then does the backup exist.
//
// Format v2: the session draws its own content key (content_keys.h) when it first needs one; its object is
// written before any blob it seals. Keys thus rotate with every backup.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_set>

#include "vault/pack_writer.h"
#include "vault/vault.h"

namespace cv::vault {

class BackupSession {
 public:
  explicit BackupSession(Vault& vault, size_t pack_target_size = 8u << 20);

  // Thread-safe. Returns the part's blob id; stores it unless already held (then *stored is false).
  Result<ObjectId> StorePart(BlobCodec& codec, std::span<const uint8_t> plaintext, bool try_compress,
                             bool* stored);
  // True if every blob is in the vault or stored by this session (a file cache hit may be used).
  bool HasAll(const std::vector<ObjectId>& ids) const;

  // Fills the record's manifest_id, index_ids, stored_bytes (and v2: version, content_key, node_id), then
  // commits. Then, in a partition with more than kConsolidateAfter index objects no consolidation covers,
  // consolidates its index; a failure there is a warning in Vault::Problems, never the backup's.
  Result<BackupRecord> Commit(const Manifest& manifest, BackupRecord record);

  // Tests: the content key budget (blob_codec.h) for this session.
  void set_content_key_budget(uint64_t budget) { budget_ = budget; }

  // The vault's prune grace: a backup that has run longer than half of it re-checks at commit that no prune
  // has marked a pack it relies on (docs/vault-format.md, "Prune"). Unset, it is read from the vault's
  // settings at commit, and only by a backup that has run longer than 30 s (the shortest grace is 60 s).
  void SetPruneGrace(int64_t seconds) { prune_grace_ = seconds; }
  // Tests: the session's clock (unix s); its first reading is the index load this session builds on.
  void SetClock(std::function<int64_t()> now);

 private:
  void MaybeConsolidate();
  // FailedPrecondition if a gc mark written since this session's start lists a pack (or the content key) the
  // manifest relies on; OK at once for a session shorter than 30 s or half the prune grace.
  Status RecheckPrune(const Manifest& manifest);
  int64_t Now() const;
  // v2: this session's content key, made and written on first use. Null for v1.
  Result<const ContentKey*> SessionKey();

  Vault& vault_;
  PackWriter packs_;
  uint64_t budget_ = kContentKeyBudget;
  std::optional<int64_t> prune_grace_;
  std::function<int64_t()> clock_;
  int64_t started_ = 0;  // when the session began: right after its index load (ops/backup.cc)
  std::mutex key_mu_;
  std::shared_ptr<const ContentKey> content_key_;  // GUARDED_BY(key_mu_) until set
  mutable std::mutex mu_;
  std::unordered_set<ObjectId, ObjectIdHash> claimed_;  // GUARDED_BY(mu_): stored or being stored here
};

}  // namespace cv::vault
