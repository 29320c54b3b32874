// AES-256-GCM with a random 96-bit nonce per message; sealed = nonce(12) || ciphertext || tag(16).
//
// Each Aead keeps one encrypt and one decrypt context with the key schedule set up once; a message only
// sets a new IV, so Seal and Open allocate nothing. Random nonces are safe for 2^32 messages per key (NIST
// SP 800-38D §8.3); a vault's objects are megabytes, so that is petabytes before it matters.
#include <openssl/evp.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <string>

#include "crypto/crypto.h"
#include "crypto/openssl_util.h"

namespace cv::crypto {

using internal::Check;
using internal::OpenSslFatal;

namespace {

// EVP_*Update takes an int length: feed large messages in pieces. A multiple of the AES block size keeps
// every piece but the last on the fast path.
constexpr size_t kMaxPiece = size_t{1} << 30;

std::string Sizes(size_t have, size_t need) {
  return "output buffer holds " + std::to_string(have) + " bytes, " + std::to_string(need) + " are needed";
}

}  // namespace

namespace internal {

EVP_CIPHER* Aes256Gcm() {
  static EVP_CIPHER* const kCipher = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
  if (kCipher == nullptr) OpenSslFatal("fetching AES-256-GCM");
  return kCipher;
}

void GcmEncrypt(EVP_CIPHER_CTX* ctx, const uint8_t* key, const uint8_t* iv, ByteView aad, ByteView plaintext,
                uint8_t* ct, uint8_t* tag) {
  int len = 0;
  Check(EVP_EncryptInit_ex2(ctx, key != nullptr ? Aes256Gcm() : nullptr, key, iv, nullptr), "AES-GCM IV");
  for (size_t off = 0; off < aad.size(); off += kMaxPiece) {
    int n = static_cast<int>(std::min(kMaxPiece, aad.size() - off));
    Check(EVP_EncryptUpdate(ctx, nullptr, &len, aad.data() + off, n), "AES-GCM AAD");
  }
  for (size_t off = 0; off < plaintext.size(); off += kMaxPiece) {
    int n = static_cast<int>(std::min(kMaxPiece, plaintext.size() - off));
    Check(EVP_EncryptUpdate(ctx, ct + off, &len, plaintext.data() + off, n), "AES-GCM encrypt");
  }
  uint8_t no_output[16];  // GCM is a stream mode: Final writes nothing
  Check(EVP_EncryptFinal_ex(ctx, no_output, &len), "AES-GCM final");
  Check(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, static_cast<int>(Aead::kTagSize), tag), "AES-GCM tag");
}

bool GcmDecrypt(EVP_CIPHER_CTX* ctx, const uint8_t* key, const uint8_t* iv, ByteView aad, ByteView ct,
                const uint8_t* tag_in, uint8_t* out) {
  // The ctrl call takes a non-const pointer, so hand it a copy rather than cast away const.
  uint8_t tag[Aead::kTagSize];
  std::memcpy(tag, tag_in, sizeof tag);
  int len = 0;
  Check(EVP_DecryptInit_ex2(ctx, key != nullptr ? Aes256Gcm() : nullptr, key, iv, nullptr), "AES-GCM IV");
  for (size_t off = 0; off < aad.size(); off += kMaxPiece) {
    int n = static_cast<int>(std::min(kMaxPiece, aad.size() - off));
    Check(EVP_DecryptUpdate(ctx, nullptr, &len, aad.data() + off, n), "AES-GCM AAD");
  }
  for (size_t off = 0; off < ct.size(); off += kMaxPiece) {
    int n = static_cast<int>(std::min(kMaxPiece, ct.size() - off));
    Check(EVP_DecryptUpdate(ctx, out + off, &len, ct.data() + off, n), "AES-GCM decrypt");
  }
  Check(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, static_cast<int>(sizeof tag), tag), "AES-GCM tag");
  uint8_t no_output[16];
  if (EVP_DecryptFinal_ex(ctx, no_output, &len) != 1) {
    // Unauthenticated plaintext must not be mistaken for data: wipe what was decrypted. (An empty
    // ciphertext may come with a null `out`, which memset must not be given even for 0 bytes.)
    if (!ct.empty()) std::memset(out, 0, ct.size());
    return false;
  }
  return true;
}

EVP_CIPHER_CTX* NewCipherContext() {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  if (ctx == nullptr) OpenSslFatal("EVP_CIPHER_CTX_new");
  return ctx;
}

}  // namespace internal

using internal::Aes256Gcm;

struct Aead::Impl {
  EVP_CIPHER_CTX* enc = nullptr;
  EVP_CIPHER_CTX* dec = nullptr;
  Status key_error;  // set when the key had the wrong size: every call then fails with it
  ~Impl() {
    EVP_CIPHER_CTX_free(enc);  // frees wipe the key schedule
    EVP_CIPHER_CTX_free(dec);
  }
};

Aead::Aead(ByteView key32) : impl_(std::make_unique<Impl>()) {
  // The constructor cannot fail, so a wrong-sized key is reported by the first Seal or Open.
  if (key32.size() != 32) {
    impl_->key_error = Status::Internal("AEAD", "key must be 32 bytes, got " + std::to_string(key32.size()));
    return;
  }
  impl_->enc = internal::NewCipherContext();
  impl_->dec = internal::NewCipherContext();
  Check(EVP_EncryptInit_ex2(impl_->enc, Aes256Gcm(), key32.data(), nullptr, nullptr), "AES-GCM key setup");
  Check(EVP_DecryptInit_ex2(impl_->dec, Aes256Gcm(), key32.data(), nullptr, nullptr), "AES-GCM key setup");
}
Aead::~Aead() = default;

Status Aead::Seal(ByteView plaintext, ByteView aad, std::span<uint8_t> out) {
  if (!impl_->key_error.ok()) return impl_->key_error;
  const size_t need = SealedSize(plaintext.size());
  if (out.size() < need) return Status::Internal("AEAD seal", Sizes(out.size(), need));

  uint8_t* nonce = out.data();
  uint8_t* ct = nonce + kNonceSize;
  uint8_t* tag = ct + plaintext.size();
  CV_RETURN_IF_ERROR(RandomBytes({nonce, kNonceSize}));

  internal::GcmEncrypt(impl_->enc, nullptr, nonce, aad, plaintext, ct, tag);
  return Status::OK();
}

Status Aead::Seal(ByteView plaintext, ByteView aad, Bytes* out) {
  out->resize(SealedSize(plaintext.size()));
  return Seal(plaintext, aad, std::span<uint8_t>(*out));
}

Status Aead::Open(ByteView sealed, ByteView aad, std::span<uint8_t> out) {
  if (!impl_->key_error.ok()) return impl_->key_error;
  if (sealed.size() < kOverhead) {
    return Status::Corruption("sealed data", "only " + std::to_string(sealed.size()) +
                                                 " bytes, shorter than a nonce and a tag (" +
                                                 std::to_string(kOverhead) + ")");
  }
  const size_t ct_size = sealed.size() - kOverhead;
  if (out.size() < ct_size) return Status::Internal("AEAD open", Sizes(out.size(), ct_size));

  const uint8_t* nonce = sealed.data();
  const uint8_t* ct = nonce + kNonceSize;
  if (!internal::GcmDecrypt(impl_->dec, nullptr, nonce, aad, {ct, ct_size}, ct + ct_size, out.data())) {
    return Status::Corruption(
        "sealed data", "authentication failed: tampered, truncated, bound to another context, or wrong key");
  }
  return Status::OK();
}

Status Aead::Open(ByteView sealed, ByteView aad, Bytes* out) {
  out->resize(sealed.size() < kOverhead ? 0 : sealed.size() - kOverhead);
  Status s = Open(sealed, aad, std::span<uint8_t>(*out));
  if (!s.ok()) out->clear();
  return s;
}

}  // namespace cv::crypto
