// src/core/pack_format_v2.h — the pack layout of vault format v2 (docs/vault-format.md).
//
//   sealed blob 0 | ... | sealed blob n-1 | sealed header | u32 LE sealed header length | "CVPACK02"
//
// What changed from v1, and why:
// - A pack's id is 32 random bytes chosen by its writer, not the SHA-256 of its bytes: the header, sealed
//   with the pack id in its AAD, can then name the pack it belongs to (a header copied onto other blobs or
//   under another name no longer opens).
// - The header commits to the bytes before it (the blob region): its length and BLAKE3 hash. A writer that
//   holds no content key can therefore check a pack and adopt an orphan; v1 had to open every blob.
// - The header names the content key (per backup) its blobs are sealed with.
// Entries are as in v1; v2 also checks that they lie inside the region, in order, without overlapping.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "core/pack_format.h"
#include "core/result.h"
#include "core/vault_layout.h"

namespace cv {

using ContentKeyId = std::array<uint8_t, 32>;
using RegionHash = std::array<uint8_t, 32>;

struct PackHeaderV2 {
  ObjectId pack_id{};          // random; names the object packs/<hh>/<hex>
  ContentKeyId content_key{};  // the key object its blobs are sealed under
  uint64_t region_len = 0;     // bytes of sealed blobs before the sealed header
  RegionHash region_hash{};    // BLAKE3 of those bytes
  std::vector<PackEntry> entries;
};

inline constexpr std::string_view kPackMagicV2 = "CVPACK02";
// The smallest a v2 sealed blob can be: scheme byte, salt and tag around at least zero bytes.
inline constexpr uint32_t kMinSealedBlobV2 = 1 + 16 + 16;

std::vector<uint8_t> EncodePackHeaderV2(const PackHeaderV2& header);
Result<PackHeaderV2> DecodePackHeaderV2(std::span<const uint8_t> bytes, std::string_view subject);

struct PackTrailer {
  int version = 0;  // 1 or 2, from the magic
  uint32_t sealed_header_len = 0;
};
void AppendPackTrailerV2(uint32_t sealed_header_len, std::vector<uint8_t>* pack);
// Either version's trailer; Corruption names the object when it is neither.
Result<PackTrailer> ParseAnyPackTrailer(std::span<const uint8_t> trailer, std::string_view subject);

// Index objects of v2 also say which content key seals each pack's blobs (a reader needs it for every pack a
// restore touches; v1 had one key): u32 version 2 | u32 packs | per pack: pack id, content key id, u32 n,
// n entries as in v1.
struct IndexV2 {
  std::vector<IndexEntry> entries;
  std::vector<std::pair<ObjectId, ContentKeyId>> pack_keys;  // one per pack the entries name
};
// Every pack `entries` name must have a key in `pack_keys` (a pack without one is left out: a bug).
std::vector<uint8_t> EncodeIndexV2(const IndexV2& index);
Result<IndexV2> DecodeIndexV2(std::span<const uint8_t> bytes, std::string_view subject);

}  // namespace cv
