// src/crypto/object_sealer.h — AEAD for vault format v2: no key ever seals more than one message.
//
// Format v1 sealed every object of a vault under one AES-256-GCM key with random 96-bit nonces, which NIST
// SP 800-38D bounds to 2^32 messages per key — a shared vault reaches that. Here a root key never touches
// data: each message draws a fresh 128-bit salt and is sealed under its own subkey
// HMAC-SHA256(root, "cassvault/v2/subkey" || salt), so the per-key message count is one and the GCM nonce
// can be constant. What bounds the root is the chance that two salts collide: below 2^-33 after 2^48
// messages (birthday bound 2^(2*48-129)); the sealer counts its messages and refuses past its budget.
//
// Sealed layout: u8 scheme (2) | salt(16) | ciphertext | tag(16).
#pragma once

#include <cstdint>
#include <memory>

#include "crypto/crypto.h"

namespace cv::crypto {

// Not thread-safe (Open included): one per thread.
class ObjectSealer {
 public:
  static constexpr uint8_t kScheme = 2;
  static constexpr size_t kSaltSize = 16;
  static constexpr size_t kOverhead = 1 + kSaltSize + Aead::kTagSize;
  static constexpr uint64_t kDefaultBudget = uint64_t{1} << 48;
  static size_t SealedSize(size_t plaintext_size) { return plaintext_size + kOverhead; }

  // `root` is 32 bytes of key material (a derived purpose key, never a passphrase). `budget` caps the
  // messages this sealer seals; a smaller one is for tests and for keys whose owner wants a shorter life.
  explicit ObjectSealer(ByteView root, uint64_t budget = kDefaultBudget);
  ~ObjectSealer();
  ObjectSealer(ObjectSealer&&) noexcept;
  ObjectSealer& operator=(ObjectSealer&&) noexcept;

  // ResourceExhausted once `budget` messages were sealed: the caller must start a new root key.
  Status Seal(ByteView plaintext, ByteView aad, std::span<uint8_t> out);
  Status Seal(ByteView plaintext, ByteView aad, Bytes* out);
  // Corruption when the scheme byte is unknown or the tag does not verify.
  Status Open(ByteView sealed, ByteView aad, std::span<uint8_t> out) const;
  Status Open(ByteView sealed, ByteView aad, Bytes* out) const;

  uint64_t sealed_count() const { return sealed_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  uint64_t budget_;
  uint64_t sealed_ = 0;
};

}  // namespace cv::crypto
