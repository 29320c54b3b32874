// src/vault/codec_pool.h — per-thread blob codecs for a worker pool whose threads are anonymous: a task
// takes one and gives it back. A codec is not free to make (a zstd context, a sealer per content key) and
// keeps its buffers, so reusing it spares each blob fresh, zero-filled pages.
#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include "vault/vault.h"

namespace cv::vault {

class CodecPool {
 public:
  // The vault must outlive the pool.
  CodecPool(const Vault& v, int zstd_level) : vault_(v), level_(zstd_level) {}
  std::unique_ptr<BlobCodec> Acquire() {
    std::lock_guard<std::mutex> lock(mu_);
    if (free_.empty()) return vault_.NewCodec(level_);
    auto c = std::move(free_.back());
    free_.pop_back();
    return c;
  }
  void Release(std::unique_ptr<BlobCodec> c) {
    std::lock_guard<std::mutex> lock(mu_);
    free_.push_back(std::move(c));
  }

 private:
  const Vault& vault_;
  const int level_;
  std::mutex mu_;
  std::vector<std::unique_ptr<BlobCodec>> free_;  // GUARDED_BY(mu_)
};

}  // namespace cv::vault
