#include "crypto/signing_key.h"

#include <openssl/evp.h>

#include "crypto/pkey_util.h"

namespace cv::crypto {

namespace {

struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

}  // namespace

Result<SigningKey> SigningKey::Generate() {
  SecretBytes seed;
  PublicKey32 pub;
  CV_RETURN_IF_ERROR(internal::GenerateRaw(EVP_PKEY_ED25519, &seed, &pub));
  return SigningKey(std::move(seed), pub);
}

Result<SigningKey> SigningKey::FromSeed(ByteView seed) {
  CV_ASSIGN_OR_RETURN(internal::Pkey key, internal::PrivateKey(EVP_PKEY_ED25519, seed, "Ed25519 key"));
  PublicKey32 pub;
  CV_RETURN_IF_ERROR(internal::RawPublic(key.get(), &pub));
  return SigningKey(SecretBytes(seed), pub);
}

Result<Signature64> SigningKey::Sign(ByteView message) const {
  CV_ASSIGN_OR_RETURN(internal::Pkey key,
                      internal::PrivateKey(EVP_PKEY_ED25519, seed_.view(), "Ed25519 key"));
  MdCtx ctx(EVP_MD_CTX_new());
  Signature64 sig;
  size_t len = sig.size();
  // Ed25519 hashes internally: no digest is named, and the whole message goes in one call.
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), sig.data(), &len, message.data(), message.size()) != 1 || len != sig.size()) {
    return Status::Internal("signing", "OpenSSL could not sign");
  }
  return sig;
}

Status VerifySignature(const PublicKey32& key, ByteView message, ByteView signature) {
  CV_ASSIGN_OR_RETURN(internal::Pkey pub, internal::PublicKey(EVP_PKEY_ED25519, key, "Ed25519 key"));
  if (signature.size() != 64) {
    return Status::Corruption("signature", "is " + std::to_string(signature.size()) + " bytes, not 64");
  }
  MdCtx ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, pub.get()) != 1) {
    return Status::Internal("signature", "OpenSSL could not set up verification");
  }
  if (EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), message.data(), message.size()) != 1) {
    return Status::Corruption("signature", "does not verify: not made by the admin key over this content");
  }
  return Status::OK();
}

}  // namespace cv::crypto
