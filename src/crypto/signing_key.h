// src/crypto/signing_key.h — Ed25519 signatures for objects only an admin may write.
//
// In a shared vault every node can create objects. Policies, deletions, lock settings and key-slot changes
// must come from an admin: they carry an Ed25519 signature whose public key every node holds, so a node's
// store credential (or a stolen one) cannot forge them.
#pragma once

#include <array>

#include "crypto/crypto.h"
#include "crypto/sealed_box.h"

namespace cv::crypto {

using Signature64 = std::array<uint8_t, 64>;

class SigningKey {
 public:
  static Result<SigningKey> Generate();
  // From a stored 32-byte Ed25519 seed; InvalidArgument for another length.
  static Result<SigningKey> FromSeed(ByteView seed);

  const PublicKey32& public_key() const { return public_; }
  ByteView seed() const { return seed_.view(); }
  Result<Signature64> Sign(ByteView message) const;

 private:
  SigningKey(SecretBytes seed, const PublicKey32& pub) : seed_(std::move(seed)), public_(pub) {}
  SecretBytes seed_;
  PublicKey32 public_{};
};

// Corruption ("signature does not verify") when `signature` is not `key`'s over exactly `message`.
Status VerifySignature(const PublicKey32& key, ByteView message, ByteView signature);

}  // namespace cv::crypto
