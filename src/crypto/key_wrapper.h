// src/crypto/key_wrapper.h — keys held outside this process (Azure Key Vault): a key-encryption key that
// wraps and unwraps small secrets, and a signing key, neither of whose private halves ever reaches us.
//
// The vault engine and the key slots see only these interfaces; `ops` builds the Key Vault client behind
// them from the config. Implementations never log or format a wrapped or unwrapped value.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"
#include "crypto/crypto.h"

namespace cv::crypto {

// What a Key Vault slot records: the exact key version that wrapped, the algorithm, and the wrapped bytes.
struct WrappedKey {
  std::string kid;  // the full versioned id: https://NAME.vault.azure.net/keys/KEY/VERSION
  std::string alg;  // "RSA-OAEP-256"
  Bytes wrapped;
};

class KeyWrapper {
 public:
  virtual ~KeyWrapper() = default;
  KeyWrapper() = default;
  KeyWrapper(const KeyWrapper&) = delete;
  KeyWrapper& operator=(const KeyWrapper&) = delete;

  // The versioned kid of the configured key's newest enabled version.
  virtual Result<std::string> CurrentKid() = 0;
  // Wraps `plain` with exactly `kid` (RSA-OAEP-256).
  virtual Result<WrappedKey> Wrap(std::string_view kid, ByteView plain) = 0;
  // Unwraps with exactly `w.kid`. PermissionDenied when this identity may not (or the version is
  // disabled), Unavailable when the service cannot be reached, each naming the key, never a value.
  virtual Result<SecretBytes> Unwrap(const WrappedKey& w) = 0;
  // "Azure Key Vault https://NAME.vault.azure.net key KEY": for messages.
  virtual std::string Name() const = 0;
};

// A signing key held elsewhere (a Key Vault RSA key's `sign`): a guardian that approves destructive
// operations.
struct RemoteSignature {
  std::string kid;  // the versioned key that signed
  std::string alg;  // "PS256"
  Bytes signature;
};

class RemoteSigner {
 public:
  virtual ~RemoteSigner() = default;
  RemoteSigner() = default;
  RemoteSigner(const RemoteSigner&) = delete;
  RemoteSigner& operator=(const RemoteSigner&) = delete;

  // Signs the SHA-256 `digest` with the configured key's newest version (PS256).
  virtual Result<RemoteSignature> SignDigest(const Hash32& digest) = 0;
  // The public key of `kid` as a DER SubjectPublicKeyInfo, to record and verify locally.
  virtual Result<Bytes> PublicKeyDer(std::string_view kid) = 0;
  virtual std::string Name() const = 0;
};

}  // namespace cv::crypto
