// src/crypto/openssl_util.h — internal to src/crypto: shared OpenSSL handles and failure handling.
#pragma once

#include <openssl/evp.h>

namespace cv::crypto::internal {

// For OpenSSL calls that fail only on allocation failure or a bug, inside APIs that cannot return a Status
// (hash updates, constructors). Prints `what` and aborts.
[[noreturn]] void OpenSslFatal(const char* what);
inline void Check(int rc, const char* what) {
  if (rc != 1) OpenSslFatal(what);
}

// SHA-256, fetched once per process.
const EVP_MD* Sha256Md();

}  // namespace cv::crypto::internal
