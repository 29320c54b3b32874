#include "vault/compression.h"

#include <zstd.h>

namespace cv::vault {

Compressor::Compressor(int level) : cctx_(ZSTD_createCCtx()), level_(level) {}
Compressor::~Compressor() { ZSTD_freeCCtx(static_cast<ZSTD_CCtx*>(cctx_)); }

Compression Compressor::MaybeCompress(std::span<const uint8_t> in, std::vector<uint8_t>* out) {
  if (in.size() < 64) return Compression::kNone;
  // A 64 KiB probe at the fastest level first: random or already-compressed data (blobs, LZ4 chunks)
  // is recognised for ~2% of the cost of compressing the whole part for nothing.
  constexpr size_t kProbe = 64 << 10;
  if (in.size() > 4 * kProbe) {
    out->resize(ZSTD_compressBound(kProbe));
    size_t p = ZSTD_compressCCtx(static_cast<ZSTD_CCtx*>(cctx_), out->data(), out->size(), in.data(), kProbe, 1);
    if (ZSTD_isError(p) || p > kProbe - kProbe / 16) return Compression::kNone;
  }
  size_t limit = in.size() - in.size() / 8;
  out->resize(ZSTD_compressBound(in.size()));
  size_t n = ZSTD_compressCCtx(static_cast<ZSTD_CCtx*>(cctx_), out->data(), out->size(), in.data(), in.size(), level_);
  if (ZSTD_isError(n) || n > limit) return Compression::kNone;
  out->resize(n);
  return Compression::kZstd;
}

Status Decompress(std::span<const uint8_t> in, size_t raw_len, std::vector<uint8_t>* out) {
  out->resize(raw_len);
  size_t n = ZSTD_decompress(out->data(), raw_len, in.data(), in.size());
  if (ZSTD_isError(n) || n != raw_len) {
    return Status::Corruption("compressed blob", ZSTD_isError(n) ? ZSTD_getErrorName(n) : "wrong decompressed length");
  }
  return Status::OK();
}

}  // namespace cv::vault
