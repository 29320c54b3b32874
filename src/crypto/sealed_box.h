// src/crypto/sealed_box.h — public-key sealing (X25519), so that whoever writes a backup need not be able
// to read it.
//
// A vault in write-only mode gives its nodes only the reader's public key. Each backup draws a fresh content
// key and seals it to that public key: an ephemeral X25519 pair, the shared secret through HKDF-SHA256 (salt
// = ephemeral public || recipient public, so the key is bound to both), AES-256-GCM with a zero IV under that
// single-use key. Only the holder of the reader's private key opens it. Layout:
// ephemeral public(32) | ciphertext | tag(16).
#pragma once

#include <array>

#include "crypto/crypto.h"

namespace cv::crypto {

using PublicKey32 = std::array<uint8_t, 32>;

class X25519KeyPair {
 public:
  static Result<X25519KeyPair> Generate();
  // From a stored 32-byte private key (a key slot's bundle); InvalidArgument for another length.
  static Result<X25519KeyPair> FromPrivate(ByteView private_key);

  const PublicKey32& public_key() const { return public_; }
  ByteView private_key() const { return private_.view(); }

 private:
  X25519KeyPair(SecretBytes priv, const PublicKey32& pub) : private_(std::move(priv)), public_(pub) {}
  SecretBytes private_;
  PublicKey32 public_{};
};

inline constexpr size_t kSealedBoxOverhead = 32 + Aead::kTagSize;

// `aad` binds the box to its place (vault, kind, name), like every sealed object.
Result<Bytes> SealToPublicKey(const PublicKey32& recipient, ByteView plaintext, ByteView aad);
// Corruption when the box was not sealed to this key pair, was changed, or is bound to another place.
Result<SecretBytes> OpenSealedBox(const X25519KeyPair& recipient, ByteView box, ByteView aad);

}  // namespace cv::crypto
