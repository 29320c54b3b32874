#include "vault/guardian.h"

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "crypto/key_slot.h"

namespace cv::vault {

namespace {

constexpr int kMinRsaBits = 2048;

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

// A DER SubjectPublicKeyInfo holding an RSA key of at least kMinRsaBits; nullptr otherwise.
Pkey RsaPublic(crypto::ByteView der) {
  const unsigned char* p = der.data();
  Pkey key(d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size())));
  if (!key || p != der.data() + der.size()) return nullptr;
  if (EVP_PKEY_base_id(key.get()) != EVP_PKEY_RSA || EVP_PKEY_bits(key.get()) < kMinRsaBits) return nullptr;
  return key;
}

// PS256 as Key Vault signs: RSASSA-PSS over SHA-256 with MGF1-SHA-256 and a 32-byte salt.
Status VerifyPs256(crypto::ByteView der, crypto::ByteView message, crypto::ByteView signature) {
  Pkey key = RsaPublic(der);
  if (!key) return Status::InvalidArgument("guardian", "its recorded key is not an RSA public key");
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), &pctx, EVP_sha256(), nullptr, key.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
      EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32) != 1 ||
      EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) != 1) {
    return Status::Internal("guardian", "cannot set up a PS256 verification");
  }
  if (EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), message.data(), message.size()) != 1)
    return Status::Corruption("guardian signature", "does not verify");
  return Status::OK();
}

class KeyFileSigner final : public ApprovalSigner {
 public:
  KeyFileSigner(crypto::SigningKey key, std::string path) : key_(std::move(key)), path_(std::move(path)) {}
  std::string alg() const override { return std::string(kGuardianEd25519); }
  crypto::Bytes public_key() const override {
    return crypto::Bytes(key_.public_key().begin(), key_.public_key().end());
  }
  Result<crypto::Bytes> Sign(crypto::ByteView message) override {
    CV_ASSIGN_OR_RETURN(crypto::Signature64 sig, key_.Sign(message));
    return crypto::Bytes(sig.begin(), sig.end());
  }
  std::string Name() const override { return "guardian key file " + path_; }

 private:
  crypto::SigningKey key_;
  std::string path_;
};

class KeyVaultSigner final : public ApprovalSigner {
 public:
  KeyVaultSigner(std::unique_ptr<crypto::RemoteSigner> s, crypto::Bytes der, std::string kid)
      : signer_(std::move(s)), der_(std::move(der)), kid_(std::move(kid)) {}
  std::string alg() const override { return std::string(kGuardianPs256); }
  crypto::Bytes public_key() const override { return der_; }
  Result<crypto::Bytes> Sign(crypto::ByteView message) override {
    CV_ASSIGN_OR_RETURN(crypto::RemoteSignature sig, signer_->SignDigest(crypto::Sha256(message)));
    if (sig.alg != kGuardianPs256)
      return Status::Internal(signer_->Name(), "signed with " + sig.alg + ", not PS256");
    if (!kid_.empty() && sig.kid != kid_) {
      return Status::FailedPrecondition(
          signer_->Name(), "signed with key version " + sig.kid + ", but the guardian registered is " + kid_ +
                               "; register the new version (`cassvault guardian add`) to approve with it");
    }
    return sig.signature;
  }
  std::string Name() const override { return signer_->Name(); }

 private:
  std::unique_ptr<crypto::RemoteSigner> signer_;
  crypto::Bytes der_;
  std::string kid_;
};

}  // namespace

std::string GuardianId(std::string_view alg, crypto::ByteView public_key) {
  std::string m = "cassvault/v2/guardian";
  m.push_back('\0');
  m.append(alg);
  m.push_back('\0');
  m.append(reinterpret_cast<const char*>(public_key.data()), public_key.size());
  crypto::Hash32 h = crypto::Sha256(crypto::AsBytes(m));
  return crypto::ToHex(crypto::ByteView(h.data(), 8));
}

Result<Guardian> GuardianFromPublicKey(std::string_view base64, std::string_view name) {
  auto raw = crypto::Base64Decode(base64);
  if (!raw.ok() || raw->empty()) {
    return Status::InvalidArgument("guardian public key",
                                   "is not base64 (give the line `cassvault guardian generate-key` printed, "
                                   "or a file holding it)");
  }
  Guardian g;
  g.name = std::string(name);
  if (raw->size() == 32) {
    g.alg = std::string(kGuardianEd25519);
  } else if (RsaPublic(*raw)) {
    g.alg = std::string(kGuardianPs256);
  } else {
    return Status::InvalidArgument("guardian public key",
                                   "is neither an Ed25519 public key (32 bytes) nor a DER RSA public key of "
                                   "2048 bits or more");
  }
  g.public_key = crypto::Base64Encode(*raw);
  g.id = GuardianId(g.alg, *raw);
  return g;
}

Status VerifyGuardianSignature(const Guardian& g, crypto::ByteView message, crypto::ByteView signature) {
  auto raw = crypto::Base64Decode(g.public_key);
  if (!raw.ok()) return Status::InvalidArgument("guardian " + g.id, "its recorded public key is not base64");
  if (g.alg == kGuardianEd25519) {
    if (raw->size() != 32 || signature.size() != 64)
      return Status::Corruption("guardian signature", "does not verify (wrong key or signature size)");
    crypto::PublicKey32 pub{};
    std::copy(raw->begin(), raw->end(), pub.begin());
    return crypto::VerifySignature(pub, message, signature);
  }
  if (g.alg == kGuardianPs256) return VerifyPs256(*raw, message, signature);
  return Status::InvalidArgument("guardian " + g.id, "has an unknown algorithm " + g.alg);
}

Result<std::unique_ptr<ApprovalSigner>> OpenGuardianKeyFile(const std::string& path) {
  CV_ASSIGN_OR_RETURN(crypto::KeySecret secret, crypto::LoadKeyFile(path));
  if (secret.secret.size() != 32) {
    return Status::InvalidArgument("guardian key file " + path,
                                   "does not hold an Ed25519 guardian key (32 bytes, base64); make one with "
                                   "`cassvault guardian generate-key PATH`");
  }
  CV_ASSIGN_OR_RETURN(crypto::SigningKey key, crypto::SigningKey::FromSeed(secret.secret.view()));
  return std::unique_ptr<ApprovalSigner>(std::make_unique<KeyFileSigner>(std::move(key), path));
}

std::unique_ptr<ApprovalSigner> RemoteApprovalSigner(std::unique_ptr<crypto::RemoteSigner> signer,
                                                     const Guardian& g) {
  auto der = crypto::Base64Decode(g.public_key);
  return std::make_unique<KeyVaultSigner>(std::move(signer), der.ok() ? *der : crypto::Bytes{}, g.kid);
}

}  // namespace cv::vault
