#include "vault/compression.h"

#include <zstd.h>

namespace cv::vault {

Compressor::Compressor(int level) : cctx_(ZSTD_createCCtx()), level_(level) {}
Compressor::~Compressor() { ZSTD_freeCCtx(static_cast<ZSTD_CCtx*>(cctx_)); }

std::span<const uint8_t> Compressor::MaybeCompressView(std::span<const uint8_t> in) {
  if (in.size() < 64) return {};
  auto* cctx = static_cast<ZSTD_CCtx*>(cctx_);
  // A 64 KiB probe at the fastest level first: random or already-compressed data (blobs, LZ4 chunks)
  // is recognised for ~2% of the cost of compressing the whole part for nothing.
  constexpr size_t kProbe = 64 << 10;
  if (in.size() > 4 * kProbe) {
    if (buf_.size() < ZSTD_compressBound(kProbe)) buf_.resize(ZSTD_compressBound(kProbe));
    size_t p = ZSTD_compressCCtx(cctx, buf_.data(), buf_.size(), in.data(), kProbe, 1);
    if (ZSTD_isError(p) || p > kProbe - kProbe / 16) return {};
  }
  // Output room of exactly what would pay: zstd gives up (dstSize_tooSmall) as soon as it cannot fit.
  size_t limit = in.size() - in.size() / 8;
  if (buf_.size() < limit) buf_.resize(limit);
  size_t n = ZSTD_compressCCtx(cctx, buf_.data(), limit, in.data(), in.size(), level_);
  if (ZSTD_isError(n) || n > limit) return {};
  return {buf_.data(), n};
}

Compression Compressor::MaybeCompress(std::span<const uint8_t> in, std::vector<uint8_t>* out) {
  std::span<const uint8_t> view = MaybeCompressView(in);
  if (view.empty()) return Compression::kNone;
  out->assign(view.begin(), view.end());
  return Compression::kZstd;
}

Status Decompress(std::span<const uint8_t> in, size_t raw_len, std::vector<uint8_t>* out) {
  out->resize(raw_len);
  size_t n = ZSTD_decompress(out->data(), raw_len, in.data(), in.size());
  if (ZSTD_isError(n) || n != raw_len) {
    return Status::Corruption("compressed blob",
                              ZSTD_isError(n) ? ZSTD_getErrorName(n) : "wrong decompressed length");
  }
  return Status::OK();
}

}  // namespace cv::vault
