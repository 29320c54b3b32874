// src/vault/guardian.h — a guardian of the two-person rule (docs/approvals.md): a key that is not the admin
// key, held by someone else (an Ed25519 key file kept offline, or an Azure Key Vault RSA key whose `sign`
// only a security admin may call), whose signature a destructive operation needs. The vault settings record
// each guardian's public key; approvals (vault/approvals.h) are checked against them.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "crypto/crypto.h"
#include "crypto/key_wrapper.h"
#include "crypto/signing_key.h"

namespace cv::vault {

inline constexpr std::string_view kGuardianEd25519 = "Ed25519";
inline constexpr std::string_view kGuardianPs256 = "PS256";  // RSASSA-PSS, SHA-256, salt 32 (Key Vault)

struct Guardian {
  std::string id;          // 16 hex: GuardianId(alg, public key)
  std::string name;        // a label for messages ("security-team")
  std::string alg;         // kGuardianEd25519 | kGuardianPs256
  std::string public_key;  // base64: Ed25519 the raw 32 bytes; PS256 a DER SubjectPublicKeyInfo
  std::string kid;         // PS256: the Key Vault key it was registered from (for messages)
  int64_t added_at = 0;
};

// The first 8 bytes (hex) of SHA-256("cassvault/v2/guardian" NUL alg NUL public key bytes).
std::string GuardianId(std::string_view alg, crypto::ByteView public_key);

// A guardian from a public key: base64 of 32 bytes is Ed25519; base64 of a DER RSA SubjectPublicKeyInfo
// (2048 bits or more) is PS256. InvalidArgument naming what it is not.
Result<Guardian> GuardianFromPublicKey(std::string_view base64, std::string_view name);

// Corruption ("does not verify") unless `signature` is `g`'s over exactly `message` (PS256: over its
// SHA-256); InvalidArgument for a guardian record that cannot be a key.
Status VerifyGuardianSignature(const Guardian& g, crypto::ByteView message, crypto::ByteView signature);

// What signs approvals: the guardian's private half stays wherever it is kept.
class ApprovalSigner {
 public:
  virtual ~ApprovalSigner() = default;
  virtual std::string alg() const = 0;
  virtual crypto::Bytes public_key() const = 0;  // as GuardianId takes it
  virtual Result<crypto::Bytes> Sign(crypto::ByteView message) = 0;
  virtual std::string Name() const = 0;  // "guardian key file F", "Azure Key Vault ... key K"
};

// An Ed25519 guardian key file (a key file of exactly 32 bytes: `cassvault guardian generate-key`); refused
// when group or others may read it.
Result<std::unique_ptr<ApprovalSigner>> OpenGuardianKeyFile(const std::string& path);
// A Key Vault key's `sign` (PS256) for the registered guardian `g` (its DER public key and kid): a signature
// made by another key version than `g.kid` is refused (Internal naming both), since it would not verify.
std::unique_ptr<ApprovalSigner> RemoteApprovalSigner(std::unique_ptr<crypto::RemoteSigner> signer,
                                                     const Guardian& g);

}  // namespace cv::vault
