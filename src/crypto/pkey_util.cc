#include "crypto/pkey_util.h"

#include <string>

namespace cv::crypto::internal {

Result<Pkey> PrivateKey(int type, ByteView raw, std::string_view what) {
  if (raw.size() != 32) {
    return Status::InvalidArgument(what, "private key must be 32 bytes, got " + std::to_string(raw.size()));
  }
  Pkey k(EVP_PKEY_new_raw_private_key(type, nullptr, raw.data(), raw.size()));
  if (!k) return Status::Internal(what, "OpenSSL refused the private key");
  return k;
}

Result<Pkey> PublicKey(int type, ByteView raw, std::string_view what) {
  if (raw.size() != 32) {
    return Status::InvalidArgument(what, "public key must be 32 bytes, got " + std::to_string(raw.size()));
  }
  Pkey k(EVP_PKEY_new_raw_public_key(type, nullptr, raw.data(), raw.size()));
  if (!k) return Status::Corruption(what, "not a valid public key");
  return k;
}

Status RawPublic(EVP_PKEY* key, std::array<uint8_t, 32>* out) {
  size_t len = out->size();
  if (EVP_PKEY_get_raw_public_key(key, out->data(), &len) != 1 || len != out->size()) {
    return Status::Internal("public key", "OpenSSL could not export it");
  }
  return Status::OK();
}

Status GenerateRaw(int type, SecretBytes* raw_private, std::array<uint8_t, 32>* raw_public) {
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_id(type, nullptr);
  if (ctx == nullptr) return Status::Internal("key generation", "EVP_PKEY_CTX_new_id failed");
  EVP_PKEY* raw = nullptr;
  const bool ok = EVP_PKEY_keygen_init(ctx) == 1 && EVP_PKEY_keygen(ctx, &raw) == 1;
  EVP_PKEY_CTX_free(ctx);
  Pkey key(raw);
  if (!ok || !key) return Status::Internal("key generation", "OpenSSL could not generate a key");
  SecretBytes priv(32);
  size_t len = priv.size();
  if (EVP_PKEY_get_raw_private_key(key.get(), priv.data(), &len) != 1 || len != priv.size()) {
    return Status::Internal("key generation", "OpenSSL could not export the private key");
  }
  CV_RETURN_IF_ERROR(RawPublic(key.get(), raw_public));
  *raw_private = std::move(priv);
  return Status::OK();
}

}  // namespace cv::crypto::internal
