// src/vault/blob_codec.h — per-thread naming, compression and sealing of blobs (docs/vault-format.md,
// "Blobs"). A blob is named by the keyed hash of its plaintext and sealed with an AAD that names it, so
// a blob swapped for another fails to open.
//
// Cheap to make; not thread-safe: one per worker.
#pragma once

#include <span>
#include <vector>

#include "core/pack_format.h"
#include "core/result.h"
#include "crypto/crypto.h"
#include "crypto/key_slot.h"
#include "vault/compression.h"

namespace cv::vault {

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

 private:
  crypto::Aead aead_;
  crypto::HmacSha256 hmac_;
  Compressor compressor_;
  std::vector<uint8_t> scratch_;  // for Open
  std::vector<uint8_t> sealed_;   // grows, never shrinks (see Compressor::buf_)
};

}  // namespace cv::vault
