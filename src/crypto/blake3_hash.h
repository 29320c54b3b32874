// src/crypto/blake3_hash.h — BLAKE3, the hash of vault format v2.
//
// v2 hashes every byte it stores once at BLAKE3's speed (about twice SHA-256's with SHA-NI on one core,
// more with AVX-512): keyed, it names a blob by its plaintext without telling an outsider anything; plain,
// it commits a pack's header to the stored bytes of its blobs. The official C implementation picks its SIMD
// path (SSE2 … AVX-512) at run time.
#pragma once

#include <memory>

#include "crypto/crypto.h"

namespace cv::crypto {

// Not thread-safe: one per thread. Copyable state is private, so a hasher cannot be forked by accident.
class Blake3 {
 public:
  Blake3();  // the plain hash
  // The keyed hash (a PRF under `key`, which must be 32 bytes: anything else is a bug and aborts).
  explicit Blake3(ByteView key);
  ~Blake3();
  Blake3(Blake3&&) noexcept;
  Blake3& operator=(Blake3&&) noexcept;
  Blake3(const Blake3&) = delete;
  Blake3& operator=(const Blake3&) = delete;

  void Update(ByteView data);
  Hash32 Finish();  // resets to the start (same key) for the next message

  static Hash32 Hash(ByteView data);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace cv::crypto
