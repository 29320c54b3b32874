#include "crypto/object_sealer.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <cstring>
#include <string>

#include "crypto/openssl_util.h"

namespace cv::crypto {

using internal::Check;
using internal::OpenSslFatal;

namespace {

constexpr std::string_view kSubkeyLabel = "cassvault/v2/subkey";
constexpr uint8_t kZeroIv[Aead::kNonceSize] = {};  // each subkey seals one message, so one IV suffices

}  // namespace

struct ObjectSealer::Impl {
  EVP_MAC_CTX* hmac = nullptr;  // keyed with the root once; each message works on a copy
  EVP_CIPHER_CTX* enc = nullptr;
  EVP_CIPHER_CTX* dec = nullptr;
  SecretBytes subkey{32};  // reused: key pages are mmap'd, too dear to map per message
  Status key_error;
  ~Impl() {
    EVP_MAC_CTX_free(hmac);
    EVP_CIPHER_CTX_free(enc);
    EVP_CIPHER_CTX_free(dec);
  }

  // subkey = HMAC-SHA256(root, label || salt)
  void Subkey(const uint8_t* salt, uint8_t out[32]) const {
    EVP_MAC_CTX* ctx = EVP_MAC_CTX_dup(hmac);
    if (ctx == nullptr) OpenSslFatal("EVP_MAC_CTX_dup");
    Check(EVP_MAC_update(ctx, reinterpret_cast<const uint8_t*>(kSubkeyLabel.data()), kSubkeyLabel.size()),
          "HMAC update");
    Check(EVP_MAC_update(ctx, salt, kSaltSize), "HMAC update");
    size_t len = 0;
    Check(EVP_MAC_final(ctx, out, &len, 32), "HMAC final");
    EVP_MAC_CTX_free(ctx);
  }
};

ObjectSealer::ObjectSealer(ByteView root, uint64_t budget)
    : impl_(std::make_unique<Impl>()), budget_(budget) {
  if (root.size() != 32) {
    impl_->key_error =
        Status::Internal("object sealer", "root key must be 32 bytes, got " + std::to_string(root.size()));
    return;
  }
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  if (mac == nullptr) OpenSslFatal("fetching HMAC");
  impl_->hmac = EVP_MAC_CTX_new(mac);
  EVP_MAC_free(mac);
  if (impl_->hmac == nullptr) OpenSslFatal("EVP_MAC_CTX_new");
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                         OSSL_PARAM_construct_end()};
  Check(EVP_MAC_init(impl_->hmac, root.data(), root.size(), params), "HMAC key setup");
  impl_->enc = internal::NewCipherContext();
  impl_->dec = internal::NewCipherContext();
}

ObjectSealer::~ObjectSealer() = default;
ObjectSealer::ObjectSealer(ObjectSealer&&) noexcept = default;
ObjectSealer& ObjectSealer::operator=(ObjectSealer&&) noexcept = default;

Status ObjectSealer::Seal(ByteView plaintext, ByteView aad, std::span<uint8_t> out) {
  if (!impl_->key_error.ok()) return impl_->key_error;
  if (sealed_ >= budget_) {
    return Status::ResourceExhausted(
        "object sealer",
        "this key has sealed its budget of " + std::to_string(budget_) + " messages; seal with a new key");
  }
  const size_t need = SealedSize(plaintext.size());
  if (out.size() < need) {
    return Status::Internal("object sealer", "output buffer holds " + std::to_string(out.size()) +
                                                 " bytes, " + std::to_string(need) + " are needed");
  }
  uint8_t* salt = out.data() + 1;
  uint8_t* ct = salt + kSaltSize;
  uint8_t* tag = ct + plaintext.size();
  out[0] = kScheme;
  CV_RETURN_IF_ERROR(RandomBytes({salt, kSaltSize}));
  impl_->Subkey(salt, impl_->subkey.data());
  internal::GcmEncrypt(impl_->enc, impl_->subkey.data(), kZeroIv, aad, plaintext, ct, tag);
  ++sealed_;
  return Status::OK();
}

Status ObjectSealer::Seal(ByteView plaintext, ByteView aad, Bytes* out) {
  out->resize(SealedSize(plaintext.size()));
  Status s = Seal(plaintext, aad, std::span<uint8_t>(*out));
  if (!s.ok()) out->clear();
  return s;
}

Status ObjectSealer::Open(ByteView sealed, ByteView aad, std::span<uint8_t> out) const {
  if (!impl_->key_error.ok()) return impl_->key_error;
  if (sealed.size() < kOverhead) {
    return Status::Corruption("sealed data", "only " + std::to_string(sealed.size()) +
                                                 " bytes, shorter than a v2 seal's overhead (" +
                                                 std::to_string(kOverhead) + ")");
  }
  if (sealed[0] != kScheme) {
    return Status::Corruption("sealed data", "unknown sealing scheme " + std::to_string(sealed[0]) +
                                                 " (this version reads scheme " + std::to_string(kScheme) +
                                                 ")");
  }
  const size_t ct_size = sealed.size() - kOverhead;
  if (out.size() < ct_size) {
    return Status::Internal("object sealer", "output buffer holds " + std::to_string(out.size()) +
                                                 " bytes, " + std::to_string(ct_size) + " are needed");
  }
  const uint8_t* salt = sealed.data() + 1;
  const uint8_t* ct = salt + kSaltSize;
  impl_->Subkey(salt, impl_->subkey.data());
  if (!internal::GcmDecrypt(impl_->dec, impl_->subkey.data(), kZeroIv, aad, {ct, ct_size}, ct + ct_size,
                            out.data())) {
    return Status::Corruption(
        "sealed data", "authentication failed: tampered, truncated, bound to another context, or wrong key");
  }
  return Status::OK();
}

Status ObjectSealer::Open(ByteView sealed, ByteView aad, Bytes* out) const {
  out->resize(sealed.size() < kOverhead ? 0 : sealed.size() - kOverhead);
  Status s = Open(sealed, aad, std::span<uint8_t>(*out));
  if (!s.ok()) out->clear();
  return s;
}

}  // namespace cv::crypto
