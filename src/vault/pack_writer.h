// src/vault/pack_writer.h — gathers sealed blobs into packs of about `target_size` bytes and uploads
// each when it is full (docs/vault-format.md, "Packs"). Few, large objects: on a blob store the
// request count, not the bytes, sets the time and the bill for small files.
//
// Thread-safe: workers call Add concurrently. A full pack is sealed by the worker whose blob filled it and
// uploaded in the background, up to `max_in_flight` at once: on a cloud store a worker would otherwise
// sit out a whole upload instead of hashing and sealing the next part. A worker whose pack finds every
// upload slot taken waits for the oldest (backpressure: memory stays at in-flight packs x pack size).
// An upload's failure is returned by a later Add or by Flush.
#pragma once

#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

#include "core/pack_format.h"
#include "vault/vault.h"

namespace cv::vault {

class PackWriter {
 public:
  PackWriter(Vault& vault, size_t target_size, size_t max_in_flight = 2)
      : vault_(vault), target_size_(target_size), max_in_flight_(max_in_flight == 0 ? 1 : max_in_flight) {}
  // Format v2: the key every blob added is sealed with (the pack header names it). Set once, before the
  // first Add.
  void SetContentKey(std::shared_ptr<const ContentKey> key) { content_key_ = std::move(key); }
  ~PackWriter();

  // Appends one sealed blob. May upload a full pack before returning.
  Status Add(const ObjectId& blob_id, std::span<const uint8_t> sealed, uint32_t raw_len,
             Compression compression);
  // Uploads the pack being filled, if any, and waits for every upload. Call once all Adds have returned.
  Status Flush();
  // Index entries of every pack uploaded so far (and added to the vault's in-memory index).
  std::vector<IndexEntry> Written();
  uint64_t stored_bytes() const;

 private:
  struct OpenPack {
    std::vector<uint8_t> bytes;
    std::vector<PackEntry> entries;
  };
  Status Upload(OpenPack pack);
  // Starts `pack`'s upload in the background once a slot is free; the first failure of any upload so far.
  Status UploadInBackground(OpenPack pack);
  Status WaitForUploads();

  Vault& vault_;
  const size_t target_size_;
  const size_t max_in_flight_;
  std::shared_ptr<const ContentKey> content_key_;
  std::mutex uploads_mu_;                    // serialises slot handling, not the uploads themselves
  std::deque<std::future<Status>> uploads_;  // GUARDED_BY(uploads_mu_), oldest first
  mutable std::mutex mu_;
  OpenPack current_;                 // GUARDED_BY(mu_)
  std::vector<IndexEntry> written_;  // GUARDED_BY(mu_)
  // Buffers of uploaded packs, kept for the next ones: a fresh 8 MiB buffer costs 2,048 page faults (the
  // kernel zeroes each page on first touch), which showed as a tenth of a backup's CPU in perf.
  std::vector<std::vector<uint8_t>> spare_;  // GUARDED_BY(mu_), at most max_in_flight_ + 1
  uint64_t stored_bytes_ = 0;                // GUARDED_BY(mu_)
};

}  // namespace cv::vault
