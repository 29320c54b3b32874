// src/crypto/pkey_util.h — internal to src/crypto: raw X25519/Ed25519 keys as OpenSSL EVP_PKEYs.
#pragma once

#include <openssl/evp.h>

#include <memory>

#include "crypto/crypto.h"

namespace cv::crypto::internal {

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

// `type` is EVP_PKEY_X25519 or EVP_PKEY_ED25519; both take 32-byte raw keys.
Result<Pkey> PrivateKey(int type, ByteView raw, std::string_view what);
Result<Pkey> PublicKey(int type, ByteView raw, std::string_view what);
// A fresh private key of `type`, its raw private and public halves.
Status GenerateRaw(int type, SecretBytes* raw_private, std::array<uint8_t, 32>* raw_public);
Status RawPublic(EVP_PKEY* key, std::array<uint8_t, 32>* out);

}  // namespace cv::crypto::internal
