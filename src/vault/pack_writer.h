// src/vault/pack_writer.h — gathers sealed blobs into packs of about `target_size` bytes and uploads
// each when it is full (docs/vault-format.md, "Packs"). Few, large objects: on a blob store the
// request count, not the bytes, sets the time and the bill for small files.
//
// Thread-safe: workers call Add concurrently; the worker whose blob fills a pack seals and uploads it
// outside the lock, so uploads overlap with other workers' hashing and sealing.
#pragma once

#include <mutex>
#include <span>
#include <vector>

#include "core/pack_format.h"
#include "vault/vault.h"

namespace cv::vault {

class PackWriter {
 public:
  PackWriter(Vault& vault, size_t target_size) : vault_(vault), target_size_(target_size) {}

  // Appends one sealed blob. May upload a full pack before returning.
  Status Add(const ObjectId& blob_id, std::span<const uint8_t> sealed, uint32_t raw_len, Compression compression);
  // Uploads the pack being filled, if any. Call once all Adds have returned.
  Status Flush();
  // Index entries of every pack uploaded so far (and added to the vault's in-memory index).
  std::vector<IndexEntry> Written();
  uint64_t stored_bytes() const;
  uint64_t packs_written() const;

 private:
  struct OpenPack {
    std::vector<uint8_t> bytes;
    std::vector<PackEntry> entries;
  };
  Status Upload(OpenPack pack);

  Vault& vault_;
  const size_t target_size_;
  mutable std::mutex mu_;
  OpenPack current_;                // GUARDED_BY(mu_)
  std::vector<IndexEntry> written_;  // GUARDED_BY(mu_)
  uint64_t stored_bytes_ = 0;        // GUARDED_BY(mu_)
  uint64_t packs_ = 0;               // GUARDED_BY(mu_)
};

}  // namespace cv::vault
