// src/crypto/openssl_util.h — internal to src/crypto: shared OpenSSL handles and failure handling.
#pragma once

#include <openssl/evp.h>

#include <cstdint>

#include "crypto/crypto.h"

namespace cv::crypto::internal {

// For OpenSSL calls that fail only on allocation failure or a bug, inside APIs that cannot return a Status
// (hash updates, constructors). Prints `what` and aborts.
[[noreturn]] void OpenSslFatal(const char* what);
inline void Check(int rc, const char* what) {
  if (rc != 1) OpenSslFatal(what);
}

// SHA-256, fetched once per process.
const EVP_MD* Sha256Md();

// AES-256-GCM, fetched once per process; a cipher context that aborts on allocation failure.
EVP_CIPHER* Aes256Gcm();
EVP_CIPHER_CTX* NewCipherContext();
// One GCM message with a 12-byte `iv`. `key` may be null to keep the context's key schedule; otherwise it is
// set up first. GcmDecrypt wipes `out` and returns false when the tag does not verify.
void GcmEncrypt(EVP_CIPHER_CTX* ctx, const uint8_t* key, const uint8_t* iv, ByteView aad, ByteView plaintext,
                uint8_t* ct, uint8_t* tag);
bool GcmDecrypt(EVP_CIPHER_CTX* ctx, const uint8_t* key, const uint8_t* iv, ByteView aad, ByteView ct,
                const uint8_t* tag, uint8_t* out);

}  // namespace cv::crypto::internal
