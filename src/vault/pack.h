// src/vault/pack.h — reading and checking packs, and sealing their headers (docs/vault-format.md,
// "Packs"). The byte layouts are core/pack_format.h (v1) and core/pack_format_v2.h; what is sealed, with
// which AAD, and how a pack is checked before anyone trusts it is here, once, for the writer
// (pack_writer.h), the index loader (adoption of unindexed packs) and verify.
//
// v1 named a pack by the SHA-256 of its bytes and sealed its header with a constant AAD, so adopting an
// orphan meant opening every blob. v2 names a pack by a random id its header's AAD binds, and the header
// commits to the blob region (length and BLAKE3 hash): a pack is checked, and adopted, with the metadata
// key alone — no content key, so a write-only node can do it.
//
// Thread-safe: each call makes its own sealer.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/pack_format.h"
#include "core/pack_format_v2.h"
#include "core/result.h"
#include "core/vault_layout.h"
#include "storage/object_store.h"
#include "vault/blob_codec.h"
#include "vault/vault_keys.h"

namespace cv::vault {

// One header entry: blob id, u64 offset, u32 stored length, u32 raw length, u8 compression.
inline constexpr size_t kPackEntrySize = 32 + 8 + 4 + 4 + 1;
inline constexpr uint64_t kPackTargetSize = 8 << 20;
// A backup closes a pack at the target size, so no pack it writes reaches twice that: a larger pack that no
// index names is not read. (Indexed packs are read by the ranges their index gives.)
inline constexpr uint64_t kMaxUnindexedPackSize = layout::KindInfo(layout::ObjectKind::kPack).max_size;
static_assert(kMaxUnindexedPackSize == 2 * kPackTargetSize);
inline constexpr uint64_t kMaxPackHeaderSize = 64 << 20;
// Room a sealed header and trailer of `entries` entries take in either format.
inline size_t PackHeaderRoom(size_t entries) { return entries * kPackEntrySize + 160 + kPackTrailerSize; }

// What a pack's header says: its entries and (v2) the content key its blobs are sealed with.
struct PackContents {
  int version = 1;
  std::vector<PackEntry> entries;
  ObjectId content_key{};   // v2
  uint64_t region_len = 0;  // v2: the blob region the header commits to
  RegionHash region_hash{};
};

// A sealed v1 header, decoded again after sealing (restic's verifyHeader): a header that would not read
// back is never uploaded.
Result<std::vector<uint8_t>> SealPackHeader(const VaultKeys& keys, std::span<const PackEntry> entries);
// The whole v2 pack from its blob region: id, header and trailer appended to `region`, checked likewise.
// `name`: the pack's object name (its partition's, vault_layout.h PackKey), which the header's AAD binds.
Status FinishPackV2(const VaultKeys& keys, const ObjectId& pack_id, std::string_view name,
                    const ObjectId& content_key, std::vector<PackEntry> entries,
                    std::vector<uint8_t>* region);

class PackReader {
 public:
  // The store, keys and partition must outlive the reader. `partition` is the Vault's (Vault::UsePartition):
  // the node whose packs are read from now on, "" for the unpartitioned layout.
  PackReader(storage::ObjectStore& store, const VaultKeys& keys, const std::string& partition)
      : store_(store), keys_(keys), partition_(partition) {}

  // The object name of pack `pack_id`: in the current partition, or in the one SetPackPartitions gave it.
  std::string Key(const ObjectId& pack_id) const;
  const std::string& partition() const { return partition_; }
  // An index of several partitions (BlobIndex::Load): the partition of each pack. Empty: all in partition().
  void SetPackPartitions(std::map<ObjectId, std::string> partitions);

  // A pack's header from its tail: two ranged reads, the trailer, then the sealed header.
  Result<PackContents> ReadHeader(const ObjectId& pack_id, uint64_t pack_size);
  // Checks that every entry in `expected` (from an index) is in the header as the index has it.
  // Corruption names what differs.
  Status CheckHeader(const ObjectId& pack_id, uint64_t pack_size, std::span<const PackEntry> expected);
  // Reads a whole pack no index names and checks it: v1 opens every entry its header claims (a v1 header is
  // not bound to its pack, so a genuine header copied onto junk must fail here); v2 checks the header names
  // this pack and hashes the blob region to the header's commitment.
  Result<PackContents> VerifyUnindexed(const ObjectId& pack_id, uint64_t pack_size, BlobCodec& codec);
  // Checks a whole pack's bytes without opening a blob: v1, that they hash to its name; v2, that the header
  // opens as this pack's and the blob region hashes to its commitment. Corruption says what is wrong.
  Result<PackContents> CheckWhole(const ObjectId& pack_id, std::span<const uint8_t> bytes);
  // Reads, opens, decompresses and checks one blob at `loc` (v2: with its pack's content key).
  Status ReadBlob(const IndexEntry& loc, BlobCodec& codec, const ContentKey* key, std::vector<uint8_t>* out);

 private:
  Result<PackContents> OpenHeader(const ObjectId& pack_id, const PackTrailer& trailer,
                                  std::span<const uint8_t> sealed);

  storage::ObjectStore& store_;
  const VaultKeys& keys_;
  const std::string& partition_;
  mutable std::mutex mu_;
  std::map<ObjectId, std::string> pack_partitions_;  // GUARDED_BY(mu_)
};

}  // namespace cv::vault
