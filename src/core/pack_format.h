// src/core/pack_format.h — the layout of pack objects and index objects (docs/vault-format.md).
//
// A pack holds many encrypted blobs back to back, then its encrypted header, then a fixed trailer:
//   blob_0 ... blob_n-1 | sealed header | u32 sealed header length | "CVPACK01"
// The header lists (blob id, offset, stored length, raw length, compression) so a pack that no index
// mentions (a backup killed before writing its index) can be adopted by reading its tail alone.
// An index object lists the same entries for many packs, grouped by pack id.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/vault_layout.h"

namespace cv {

enum class Compression : uint8_t { kNone = 0, kZstd = 1 };  // stored on disk: never renumber

struct PackEntry {
  ObjectId blob_id{};       // HMAC-SHA256(id key, plaintext)
  uint64_t offset = 0;      // of the sealed blob in the pack
  uint32_t stored_len = 0;  // sealed length (nonce + ciphertext + tag)
  uint32_t raw_len = 0;     // plaintext length after decompression
  Compression compression = Compression::kNone;
};

struct IndexEntry {
  ObjectId pack_id{};
  PackEntry entry;
};

inline constexpr std::string_view kPackMagic = "CVPACK01";
inline constexpr size_t kPackTrailerSize = 4 + 8;

std::vector<uint8_t> EncodePackHeader(std::span<const PackEntry> entries);
Result<std::vector<PackEntry>> DecodePackHeader(std::span<const uint8_t> bytes, std::string_view subject);
// Appends the trailer for a sealed header of `sealed_header_len` bytes.
void AppendPackTrailer(uint32_t sealed_header_len, std::vector<uint8_t>* pack);
// From the last kPackTrailerSize bytes: the sealed header's length. Corruption if the magic is wrong.
Result<uint32_t> ParsePackTrailer(std::span<const uint8_t> trailer, std::string_view subject);

// One 49-byte entry (blob id, u64 offset, u32 stored length, u32 raw length, u8 compression), as packs and
// index objects of both formats store it. GetEntry is false for an unknown compression or a short read.
class ByteWriter;
class ByteReader;
void PutEntry(ByteWriter& w, const PackEntry& e);
bool GetEntry(ByteReader& r, PackEntry* e);

std::vector<uint8_t> EncodeIndex(std::span<const IndexEntry> entries);
Result<std::vector<IndexEntry>> DecodeIndex(std::span<const uint8_t> bytes, std::string_view subject);

}  // namespace cv
