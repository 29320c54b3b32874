// src/vault/span_reader.h — reads the blobs a restore needs with few requests.
//
// Blob by blob, a restore of a node's many small components (TOC, Filter, Statistics, Digest...) makes
// one ranged GET each: on a cloud store that is a round trip and a request charge per few hundred bytes.
// Packs hold a backup's blobs in the order they were stored, so the blobs a restore needs lie in runs.
// The reader is given every blob it will be asked for, merges each pack's needed ranges into spans
// (neighbours closer than `max_gap`, up to `max_span` bytes), fetches a span once when one of its blobs
// is first asked for, and serves the others from a small cache of recent spans. A lone blob is read on
// its own, as before. Every blob is still opened (decrypted, its keyed hash checked) one by one.
//
// Thread-safe. Memory: at most `cache_spans` spans of at most `max_span` bytes, plus one being fetched
// per worker.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "vault/vault.h"

namespace cv::vault {

class SpanReader {
 public:
  struct Options {
    uint64_t max_gap = 256 << 10;  // bytes of unneeded blobs worth reading to save a request
    uint64_t max_span = 2 << 20;   // small components batch; 4 MiB parts are read on their own
    size_t cache_spans = 4;
  };
  // `needed`: every blob the caller will read (unknown ids are ignored here; ReadBlob reports them).
  SpanReader(Vault& vault, const std::vector<ObjectId>& needed, Options options);
  SpanReader(Vault& vault, const std::vector<ObjectId>& needed) : SpanReader(vault, needed, Options{}) {}

  // As Vault::ReadBlob.
  Status ReadBlob(const ObjectId& id, BlobCodec& codec, std::vector<uint8_t>* out);
  // Where the blob's span starts, for ordering work so that neighbours are read together.
  std::pair<ObjectId, uint64_t> SortKey(const ObjectId& id) const;
  uint64_t spans_fetched() const;

 private:
  struct Span {
    ObjectId pack{};
    uint64_t start = 0, length = 0;
    int blobs = 0;
  };
  Vault& vault_;
  Options options_;
  std::vector<Span> spans_;
  struct Place {
    size_t span = 0;  // index in spans_
    PackEntry entry;  // where in the pack (looked up once, at planning)
  };
  std::unordered_map<ObjectId, Place, ObjectIdHash> span_of_;
  // A span's bytes: `view` lies in `buf` (the store may read a wider, aligned range into it).
  struct Fetched {
    std::vector<uint8_t> buf;
    std::span<const uint8_t> view;
  };
  mutable std::mutex mu_;
  std::list<std::pair<size_t, std::shared_ptr<const Fetched>>> cache_;  // GUARDED_BY(mu_), MRU first
  uint64_t fetched_ = 0;                                                // GUARDED_BY(mu_)
};

}  // namespace cv::vault
