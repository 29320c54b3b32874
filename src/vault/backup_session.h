// src/vault/backup_session.h — one backup being written into the vault.
//
// Workers hand it plaintext parts; it names each by keyed hash, skips what the vault (or this
// session) already holds, and seals and packs the rest. Commit writes, in order, the last pack, the
// index of this session's packs (plus orphan packs adopted at open), the manifest, and finally the
// backup record — only then does the backup exist.
#pragma once

#include <mutex>
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

  // Fills the record's manifest_id, index_ids and stored_bytes, then commits it.
  Result<BackupRecord> Commit(const Manifest& manifest, BackupRecord record);

 private:
  Vault& vault_;
  PackWriter packs_;
  mutable std::mutex mu_;
  std::unordered_set<ObjectId, ObjectIdHash> claimed_;  // GUARDED_BY(mu_): stored or being stored here
};

}  // namespace cv::vault
