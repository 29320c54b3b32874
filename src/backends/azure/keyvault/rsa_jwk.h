// src/backends/azure/keyvault/rsa_jwk.h — the public half of a Key Vault RSA key (a JWK's n and e) as an
// OpenSSL key, and what we do with it locally: wrap with RSA-OAEP-256 (SHA-256, MGF1-SHA-256), as Key
// Vault's own wrapkey would ("protection with an asymmetric key can be performed using the public portion
// of the key"), so a backup identity needs only keys/get; verify PS256 signatures; export DER
// SubjectPublicKeyInfo for records.
#pragma once

#include <openssl/evp.h>

#include <memory>
#include <string_view>

#include "core/result.h"
#include "crypto/crypto.h"

namespace cv::backends::azure::keyvault {

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

// `n` and `e` big-endian, as decoded from the JWK. InvalidArgument naming `what` for a modulus under 2048
// bits or an exponent that is even or 1.
Result<Pkey> RsaPublicKeyFromJwk(crypto::ByteView n, crypto::ByteView e, std::string_view what);

Result<crypto::Bytes> PublicKeyDer(EVP_PKEY* key);
Result<Pkey> PublicKeyFromDer(crypto::ByteView der, std::string_view what);

// RSA-OAEP-256 encryption of `plain` (a few dozen bytes: a key) under `key`.
Result<crypto::Bytes> RsaOaep256Encrypt(EVP_PKEY* key, crypto::ByteView plain);

// True when `signature` is a PS256 (RSASSA-PSS, SHA-256, MGF1-SHA-256, salt 32) signature of `digest`.
bool VerifyPs256(EVP_PKEY* key, const crypto::Hash32& digest, crypto::ByteView signature);

}  // namespace cv::backends::azure::keyvault
