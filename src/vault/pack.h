// src/vault/pack.h — reading and checking packs, and sealing their headers (docs/vault-format.md,
// "Packs"). The byte layout is core/pack_format.h; what is sealed, with which AAD, and how a pack is
// checked before anyone trusts it is here, once, for the writer (pack_writer.h), the index loader
// (adoption of unindexed packs) and verify.
//
// Thread-safe: each call makes its own Aead.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "core/pack_format.h"
#include "core/result.h"
#include "core/vault_layout.h"
#include "crypto/crypto.h"
#include "crypto/key_slot.h"
#include "storage/object_store.h"
#include "vault/blob_codec.h"

namespace cv::vault {

inline constexpr std::string_view kPackHeaderAad = layout::KindInfo(layout::ObjectKind::kPack).aad;
// One header entry: blob id, u64 offset, u32 stored length, u32 raw length, u8 compression.
inline constexpr size_t kPackEntrySize = 32 + 8 + 4 + 4 + 1;
inline constexpr uint64_t kPackTargetSize = 8 << 20;
// A backup closes a pack at the target size, so no pack it writes reaches twice that: a larger pack that no
// index names is not read. (Indexed packs are read by the ranges their index gives.)
inline constexpr uint64_t kMaxUnindexedPackSize = layout::KindInfo(layout::ObjectKind::kPack).max_size;
static_assert(kMaxUnindexedPackSize == 2 * kPackTargetSize);
inline constexpr uint64_t kMaxPackHeaderSize = 64 << 20;

// The sealed header for `entries`, decoded again after sealing (restic's verifyHeader): a header that
// would not read back is never uploaded.
Result<std::vector<uint8_t>> SealPackHeader(const crypto::MasterKey& key, std::span<const PackEntry> entries);

class PackReader {
 public:
  // The store and key must outlive the reader.
  PackReader(storage::ObjectStore& store, const crypto::MasterKey& key) : store_(store), key_(key) {}

  // A pack's header from its tail: two ranged reads, the trailer, then the sealed header.
  Result<std::vector<PackEntry>> ReadHeader(const ObjectId& pack_id, uint64_t pack_size);
  // Checks that every entry in `expected` (from an index) is in the header as the index has it.
  // Corruption names what differs.
  Status CheckHeader(const ObjectId& pack_id, uint64_t pack_size, std::span<const PackEntry> expected);
  // Reads a whole pack no index names and opens every entry its header claims: its entries only if all
  // check out. (A v1 header is not bound to its pack, so a genuine header copied onto junk must fail here.)
  Result<std::vector<PackEntry>> VerifyUnindexed(const ObjectId& pack_id, uint64_t pack_size,
                                                 BlobCodec& codec);
  // Reads, opens, decompresses and checks one blob at `loc`. Corruption names the blob and pack.
  Status ReadBlob(const IndexEntry& loc, BlobCodec& codec, std::vector<uint8_t>* out);

 private:
  Result<std::vector<PackEntry>> OpenHeader(std::string_view pack_key, std::span<const uint8_t> sealed);

  storage::ObjectStore& store_;
  const crypto::MasterKey& key_;
};

}  // namespace cv::vault
