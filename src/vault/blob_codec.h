// src/vault/blob_codec.h — per-thread naming, compression and sealing of blobs (docs/vault-format.md,
// "Blobs"). A blob is named by the keyed hash of its plaintext and sealed with an AAD that names it, so
// a blob swapped for another fails to open.
//
//   v1  id = HMAC-SHA256(id key, plaintext); AES-256-GCM under the master data key.
//   v2  id = BLAKE3 keyed with the blob-id key (about four times HMAC-SHA256's speed here); sealed with
//       crypto::ObjectSealer under the content key of the backup that stored it, which counts what it seals.
//
// Cheap to make; not thread-safe: one per worker.
#pragma once

#include <atomic>
#include <map>
#include <optional>
#include <span>
#include <vector>

#include "core/pack_format.h"
#include "core/result.h"
#include "crypto/blake3_hash.h"
#include "crypto/crypto.h"
#include "crypto/object_sealer.h"
#include "vault/compression.h"
#include "vault/content_keys.h"
#include "vault/vault_keys.h"

namespace cv::vault {

// The blobs one content key may seal. Each blob has its own subkey (crypto/object_sealer.h), so this is
// far below what the salts allow (2^48): it keeps one key's reach, if it leaked, to about 16 PiB of parts.
inline constexpr uint64_t kContentKeyBudget = uint64_t{1} << 32;

class BlobCodec {
 public:
  BlobCodec(const VaultKeys& keys, int zstd_level);
  ObjectId BlobId(std::span<const uint8_t> plaintext);
  // Compresses when asked and when it pays, then seals (v2: under `key`, which must be given). *sealed
  // views the codec's own buffer, valid until its next Seal. Returns the compression used.
  // ResourceExhausted once `key` has sealed `budget` blobs (the caller starts a new backup, with a new key).
  Result<Compression> Seal(const ObjectId& id, std::span<const uint8_t> plaintext, bool try_compress,
                           const ContentKey* key, std::span<const uint8_t>* sealed,
                           uint64_t budget = kContentKeyBudget);
  // Opens a sealed blob (v2: with its pack's content key), decompresses, and checks that its content
  // hashes to `id`.
  Status Open(const PackEntry& e, std::span<const uint8_t> sealed, const ContentKey* key,
              std::vector<uint8_t>* plaintext);
  // The bytes sealing adds to a blob, and so the least a stored blob can be.
  size_t SealOverhead() const;
  // Buffers for callers that read blob after blob with this codec (the sealed bytes, the plaintext): kept
  // between blobs, so no blob costs fresh zero-filled pages (a tenth of a restore's CPU when it did).
  std::vector<uint8_t>& sealed_buffer() { return read_; }
  std::vector<uint8_t>& plain_buffer() { return plain_; }

 private:
  std::string Aad(const ObjectId& id) const;
  crypto::ObjectSealer& SealerFor(const ContentKey& key);
  Status OpenSealed(std::span<const uint8_t> sealed, const std::string& aad, const ContentKey* key,
                    std::vector<uint8_t>* out);

  const VaultKeys& keys_;
  std::optional<crypto::Aead> aead_;                  // v1
  std::optional<crypto::HmacSha256> hmac_;            // v1
  std::optional<crypto::Blake3> blake3_;              // v2
  std::map<ObjectId, crypto::ObjectSealer> sealers_;  // v2, per content key used
  Compressor compressor_;
  std::vector<uint8_t> scratch_;  // for Open
  std::vector<uint8_t> sealed_;   // grows, never shrinks (see Compressor::buf_)
  std::vector<uint8_t> read_, plain_;
};

}  // namespace cv::vault
