// src/crypto/fake_key_wrapper.h — TESTS ONLY: an in-process fake of the Key Vault seam (key_wrapper.h).
// It is not Azure Key Vault and no product code includes it. It holds real RSA-2048 key versions made with
// OpenSSL and wraps with real RSA-OAEP-256 (SHA-256, MGF1-SHA-256), like Key Vault's wrapkey, so a slot
// wrapped by one version does not unwrap with another. Tests switch it unreachable, disable a version,
// refuse unwrap, and see which kids were asked to unwrap.
#pragma once

#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "crypto/key_wrapper.h"

namespace cv::crypto::testing {

class FakeKeyWrapper : public KeyWrapper {
 public:
  explicit FakeKeyWrapper(std::string base = "https://fake-kv.vault.azure.net/keys/cassvault")
      : base_(std::move(base)) {
    NewVersion();
  }
  // Key Vault's "rotate": a new version becomes the current one; old versions stay usable.
  std::string NewVersion() {
    std::string kid = base_ + "/" + std::to_string(1000 + keys_.size()) + "abcdef";
    EVP_PKEY* k = EVP_RSA_gen(2048);
    keys_[kid] = std::shared_ptr<EVP_PKEY>(k, EVP_PKEY_free);
    current_ = kid;
    return kid;
  }
  void Disable(const std::string& kid) { disabled_.insert(kid); }
  bool unreachable = false;
  bool refuse_unwrap = false;  // the identity may not unwrap (Key Vault's 403)
  std::vector<std::string> unwrapped_with;

  Result<std::string> CurrentKid() override {
    if (unreachable) return Status::Unavailable(Name(), "cannot be reached (fake)");
    return current_;
  }
  Result<WrappedKey> Wrap(std::string_view kid, ByteView plain) override {
    if (unreachable) return Status::Unavailable(Name(), "cannot be reached (fake)");
    auto it = keys_.find(std::string(kid));
    if (it == keys_.end()) return Status::NotFound(std::string(kid), "no such key version (fake)");
    WrappedKey w{std::string(kid), "RSA-OAEP-256", {}};
    CV_RETURN_IF_ERROR(Crypt(it->second.get(), true, plain, &w.wrapped));
    return w;
  }
  Result<SecretBytes> Unwrap(const WrappedKey& w) override {
    if (unreachable) return Status::Unavailable(Name(), "cannot be reached (fake)");
    unwrapped_with.push_back(w.kid);
    if (refuse_unwrap) return Status::PermissionDenied(Name(), "this identity may not unwrapKey (fake)");
    if (disabled_.count(w.kid)) return Status::PermissionDenied(w.kid, "the key version is disabled (fake)");
    auto it = keys_.find(w.kid);
    if (it == keys_.end()) return Status::NotFound(w.kid, "no such key version (fake)");
    Bytes out;
    Status st = Crypt(it->second.get(), false, w.wrapped, &out);
    if (!st.ok()) return Status::InvalidArgument(w.kid, "unwrap failed (fake)");
    return SecretBytes(ByteView(out.data(), out.size()));
  }
  std::string Name() const override { return "fake Key Vault " + base_; }

 private:
  static Status Crypt(EVP_PKEY* key, bool encrypt, ByteView in, Bytes* out) {
    std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(EVP_PKEY_CTX_new(key, nullptr),
                                                                    EVP_PKEY_CTX_free);
    if (!ctx || (encrypt ? EVP_PKEY_encrypt_init(ctx.get()) : EVP_PKEY_decrypt_init(ctx.get())) <= 0 ||
        EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_OAEP_PADDING) <= 0 ||
        EVP_PKEY_CTX_set_rsa_oaep_md(ctx.get(), EVP_sha256()) <= 0 ||
        EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), EVP_sha256()) <= 0)
      return Status::Internal("fake key wrapper", "OpenSSL setup");
    size_t n = 0;
    auto run = [&](uint8_t* o, size_t* len) {
      return encrypt ? EVP_PKEY_encrypt(ctx.get(), o, len, in.data(), in.size())
                     : EVP_PKEY_decrypt(ctx.get(), o, len, in.data(), in.size());
    };
    if (run(nullptr, &n) <= 0) return Status::Internal("fake key wrapper", "size");
    out->resize(n);
    if (run(out->data(), &n) <= 0) return Status::Internal("fake key wrapper", "RSA-OAEP failed");
    out->resize(n);
    return Status::OK();
  }

  std::string base_;
  std::string current_;
  std::map<std::string, std::shared_ptr<EVP_PKEY>> keys_;
  std::set<std::string> disabled_;
};

}  // namespace cv::crypto::testing
