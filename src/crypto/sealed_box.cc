#include "crypto/sealed_box.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cstring>

#include "crypto/openssl_util.h"
#include "crypto/pkey_util.h"

namespace cv::crypto {

namespace {

constexpr std::string_view kInfo = "cassvault/v2/sealed-box";
constexpr uint8_t kZeroIv[Aead::kNonceSize] = {};  // the box key is used once

// X25519(own private, peer public) -> HKDF-SHA256(shared, ephemeral public || recipient public).
Result<SecretBytes> BoxKey(EVP_PKEY* own, ByteView peer_public, const PublicKey32& ephemeral,
                           const PublicKey32& recipient) {
  CV_ASSIGN_OR_RETURN(internal::Pkey peer, internal::PublicKey(EVP_PKEY_X25519, peer_public, "sealed box"));
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(own, nullptr);
  if (ctx == nullptr) return Status::Internal("sealed box", "EVP_PKEY_CTX_new failed");
  SecretBytes shared(32);
  size_t len = shared.size();
  // OpenSSL's X25519 fails on an all-zero shared secret (a low-order public key), so such a key is refused.
  const bool ok = EVP_PKEY_derive_init(ctx) == 1 && EVP_PKEY_derive_set_peer(ctx, peer.get()) == 1 &&
                  EVP_PKEY_derive(ctx, shared.data(), &len) == 1 && len == shared.size();
  EVP_PKEY_CTX_free(ctx);
  if (!ok) return Status::Corruption("sealed box", "key agreement failed: not a usable public key");
  uint8_t salt[64];
  std::memcpy(salt, ephemeral.data(), 32);
  std::memcpy(salt + 32, recipient.data(), 32);
  return Hkdf(shared.view(), {salt, sizeof salt}, kInfo, 32);
}

}  // namespace

Result<X25519KeyPair> X25519KeyPair::Generate() {
  SecretBytes priv;
  PublicKey32 pub;
  CV_RETURN_IF_ERROR(internal::GenerateRaw(EVP_PKEY_X25519, &priv, &pub));
  return X25519KeyPair(std::move(priv), pub);
}

Result<X25519KeyPair> X25519KeyPair::FromPrivate(ByteView private_key) {
  CV_ASSIGN_OR_RETURN(internal::Pkey key, internal::PrivateKey(EVP_PKEY_X25519, private_key, "X25519 key"));
  PublicKey32 pub;
  CV_RETURN_IF_ERROR(internal::RawPublic(key.get(), &pub));
  return X25519KeyPair(SecretBytes(private_key), pub);
}

Result<Bytes> SealToPublicKey(const PublicKey32& recipient, ByteView plaintext, ByteView aad) {
  CV_ASSIGN_OR_RETURN(X25519KeyPair ephemeral, X25519KeyPair::Generate());
  CV_ASSIGN_OR_RETURN(internal::Pkey own,
                      internal::PrivateKey(EVP_PKEY_X25519, ephemeral.private_key(), "sealed box"));
  CV_ASSIGN_OR_RETURN(SecretBytes key, BoxKey(own.get(), recipient, ephemeral.public_key(), recipient));
  Bytes out(kSealedBoxOverhead + plaintext.size());
  std::copy(ephemeral.public_key().begin(), ephemeral.public_key().end(), out.begin());
  uint8_t* ct = out.data() + 32;
  EVP_CIPHER_CTX* ctx = internal::NewCipherContext();
  internal::GcmEncrypt(ctx, key.data(), kZeroIv, aad, plaintext, ct, ct + plaintext.size());
  EVP_CIPHER_CTX_free(ctx);
  return out;
}

Result<SecretBytes> OpenSealedBox(const X25519KeyPair& recipient, ByteView box, ByteView aad) {
  if (box.size() < kSealedBoxOverhead) {
    return Status::Corruption("sealed box", "only " + std::to_string(box.size()) + " bytes, shorter than " +
                                                std::to_string(kSealedBoxOverhead));
  }
  PublicKey32 ephemeral;
  std::copy(box.begin(), box.begin() + 32, ephemeral.begin());
  CV_ASSIGN_OR_RETURN(internal::Pkey own,
                      internal::PrivateKey(EVP_PKEY_X25519, recipient.private_key(), "sealed box"));
  CV_ASSIGN_OR_RETURN(SecretBytes key, BoxKey(own.get(), ephemeral, ephemeral, recipient.public_key()));
  const size_t ct_size = box.size() - kSealedBoxOverhead;
  SecretBytes out(ct_size);
  EVP_CIPHER_CTX* ctx = internal::NewCipherContext();
  const bool ok = internal::GcmDecrypt(ctx, key.data(), kZeroIv, aad, box.subspan(32, ct_size),
                                       box.data() + 32 + ct_size, out.data());
  EVP_CIPHER_CTX_free(ctx);
  if (!ok) {
    return Status::Corruption("sealed box",
                              "does not open: sealed to another key, changed, or bound to another place");
  }
  return out;
}

}  // namespace cv::crypto
