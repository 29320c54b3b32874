// src/vault/compression.h — zstd, used only where it pays.
//
// Most bytes of a Cassandra node are LZ4-compressed Data.db chunks that zstd cannot shrink; trying
// costs ~2 s/GB of CPU for nothing. Callers say whether to try at all (a compressed table's Data.db:
// no), and a try whose output is not at least 1/8 smaller is thrown away.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/pack_format.h"
#include "core/result.h"

namespace cv::vault {

class Compressor {
 public:
  explicit Compressor(int level = 3);
  ~Compressor();
  Compressor(const Compressor&) = delete;
  Compressor& operator=(const Compressor&) = delete;
  // Returns kZstd with *out filled when compression saves >= 12.5%, else kNone (and *out untouched).
  Compression MaybeCompress(std::span<const uint8_t> in, std::vector<uint8_t>* out);
  // The same, without a copy: the compressed bytes, valid until the next call; empty when it did not pay.
  std::span<const uint8_t> MaybeCompressView(std::span<const uint8_t> in);

 private:
  void* cctx_;  // ZSTD_CCtx, reused: one per worker thread
  int level_;
  // Grows, never shrinks: a vector resized up again zero-fills, which cost ~10% of a backup's CPU when
  // tiny components and 4 MiB parts alternate.
  std::vector<uint8_t> buf_;
};

// Corruption if the frame is malformed or does not decompress to exactly `raw_len` bytes.
Status Decompress(std::span<const uint8_t> in, size_t raw_len, std::vector<uint8_t>* out);

}  // namespace cv::vault
