// src/cassandra/sstable_verifier.h — checks Data.db against Cassandra's own checksums while it
// streams through a backup, so corruption is caught before it reaches the vault:
//   - Digest.crc32: ASCII decimal CRC32 (zlib polynomial) of the whole Data.db;
//   - compressed tables: a big-endian CRC32 after each chunk, chunk offsets from CompressionInfo.db;
//   - uncompressed tables: CRC.db holds i32 chunk size then one CRC32 per chunk.
// Uses isa-l's crc32_gzip_refl (same result as zlib, 10x faster).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/result.h"

namespace cv::cassandra {

uint32_t Crc32(uint32_t crc, std::span<const uint8_t> data);  // zlib-compatible, crc starts at 0

struct CompressionInfo {
  std::string compressor;  // "LZ4Compressor", ...
  uint32_t chunk_length = 0;
  uint64_t data_length = 0;  // uncompressed
  std::vector<uint64_t> chunk_offsets;
};
// `version` is the SSTable version ("nb", "ma"...): max-compressed-length is present from "na" on.
Result<CompressionInfo> ParseCompressionInfo(std::span<const uint8_t> bytes, const std::string& version,
                                             const std::string& subject);

// Streaming verifier for one Data.db. Feed it the file's bytes in order, then Finish().
class DataFileVerifier {
 public:
  // `data_path` names the file in errors. `digest` is Digest.crc32's contents (nullopt: none exists).
  // `compression`: parsed CompressionInfo.db, if the table is compressed. `crc_db`: CRC.db's bytes, if any.
  DataFileVerifier(std::string data_path, uint64_t data_size, std::optional<std::string> digest,
                   std::optional<CompressionInfo> compression, std::optional<std::vector<uint8_t>> crc_db);
  ~DataFileVerifier();
  void Update(std::span<const uint8_t> bytes);
  // Corruption("<data_path>", "chunk 17 at offset 278528: CRC32 mismatch ...") or
  // Corruption("<data_path>", "CRC32 3735928559 does not match Digest.crc32 (12345)").
  Status Finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A verifier for the Data.db at `data_path` from the components beside it (every component of an
// SSTable lives in one directory): Digest.crc32, CompressionInfo.db or CRC.db, whichever exist.
// Corruption if one of them is unreadable as what it claims to be.
Result<std::unique_ptr<DataFileVerifier>> OpenDataFileVerifier(const std::string& data_path,
                                                               uint64_t data_size);

}  // namespace cv::cassandra
