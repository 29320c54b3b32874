// The two-person rule as commands see it (ops/approvals.h): opt-in, the refusal naming the approve command,
// a wrong-operation or expired approval named as such, guardian changes needing an approval, and a Key Vault
// guardian through the crypto::RemoteSigner seam. The RemoteSigner here is an in-process RSA key standing in
// for Key Vault's `sign` (PS256); the verification is the real one.
#include "ops/approvals.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "ops/backup_marks_ops.h"
#include "vault/vault_objects_test_util.h"

namespace cv::ops {
namespace {

using ApprovalOpsTest = vault::testutil::TwoKeyVaultTest;
constexpr int64_t kNow = 1764979200;

class FileGuardian {
 public:
  explicit FileGuardian(const std::filesystem::path& dir) : path_((dir / "guardian.key").string()) {
    std::filesystem::create_directories(dir);
    Status st = crypto::WriteNewKeyFile(path_);
    EXPECT_TRUE(st.ok()) << st.ToString();
    signer_ = std::move(vault::OpenGuardianKeyFile(path_)).value();
  }
  vault::ApprovalSigner& signer() { return *signer_; }
  vault::Guardian guardian(const std::string& name) {
    return *vault::GuardianFromPublicKey(crypto::Base64Encode(signer_->public_key()), name);
  }

 private:
  std::string path_;
  std::unique_ptr<vault::ApprovalSigner> signer_;
};

// Stands in for Key Vault: an RSA key per version, PS256 signatures by the newest.
class FakeKeyVaultSigner final : public crypto::RemoteSigner {
 public:
  FakeKeyVaultSigner() : key_(EVP_RSA_gen(2048)) {}
  ~FakeKeyVaultSigner() override { EVP_PKEY_free(key_); }
  std::string kid = "https://g.vault.azure.net/keys/guardian/0123456789abcdef0123456789abcdef";
  Result<crypto::RemoteSignature> SignDigest(const crypto::Hash32& digest) override {
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(key_, nullptr);
    EVP_PKEY_sign_init(ctx);
    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING);
    EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, 32);
    EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256());
    size_t len = 0;
    EVP_PKEY_sign(ctx, nullptr, &len, digest.data(), digest.size());
    crypto::Bytes sig(len);
    EVP_PKEY_sign(ctx, sig.data(), &len, digest.data(), digest.size());
    EVP_PKEY_CTX_free(ctx);
    sig.resize(len);
    return crypto::RemoteSignature{kid, "PS256", sig};
  }
  Result<crypto::Bytes> PublicKeyDer(std::string_view k) override {
    if (k != kid) return Status::NotFound("key " + std::string(k));
    unsigned char* der = nullptr;
    int n = i2d_PUBKEY(key_, &der);
    crypto::Bytes out(der, der + n);
    OPENSSL_free(der);
    return out;
  }
  std::string Name() const override { return "Azure Key Vault (test stand-in) key guardian"; }

 private:
  EVP_PKEY* key_;
};

TEST_F(ApprovalOpsTest, OptInThenRefusalNamesTheCommandAndWhy) {
  auto v = Open();
  auto none = RequireApproval(*v, approval::KeyRemove("0123456789abcdef"), kNow);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, "");
  vault::testutil::ScratchDir keys{"cv-guardian", "opt-in"};
  FileGuardian fg(keys.path());
  auto added = AddGuardian(*v, fg.guardian("sec"), "admin", kNow);
  ASSERT_TRUE(added.ok()) << added.status().ToString();
  const auto op = approval::KeyRemove("0123456789abcdef");
  auto r = RequireApproval(*v, op, kNow);
  ASSERT_EQ(r.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(r.status().message().find("`cassvault approve --operation 'key.remove slot=0123456789abcdef' "
                                      "--expires 24h --guardian-key FILE`"),
            std::string::npos)
      << r.status().message();
  EXPECT_NE(r.status().message().find("no guardian approved it"), std::string::npos);
  ASSERT_TRUE(Approve(*v, approval::KeyRemove("fedcba9876543210"), kNow + 3600, "", fg.signer(), kNow).ok());
  r = RequireApproval(*v, op, kNow);
  EXPECT_NE(r.status().message().find("approves 'key.remove slot=fedcba9876543210'"), std::string::npos);
  auto a = Approve(*v, op, kNow + 3600, "", fg.signer(), kNow);
  ASSERT_TRUE(a.ok());
  r = RequireApproval(*v, op, kNow + 60);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, a->id);
  r = RequireApproval(*v, op, kNow + 3601);
  EXPECT_NE(r.status().message().find("has expired (" + a->id), std::string::npos) << r.status().message();
  // A writer key may write an approval (the guardian needs some key), not add guardians.
  auto w = Open("writer");
  EXPECT_TRUE(Approve(*w, op, kNow + 3600, "", fg.signer(), kNow).ok());
  EXPECT_EQ(AddGuardian(*w, fg.guardian("x"), "w", kNow).status().code(), StatusCode::kPermissionDenied);
}

TEST_F(ApprovalOpsTest, KeyVaultGuardianThroughTheRemoteSignerSeam) {
  auto v = Open();
  FakeKeyVaultSigner kv;
  auto g = GuardianFromKeyVault(kv, kv.kid, "keyvault");
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(g->alg, "PS256");
  EXPECT_EQ(g->kid, kv.kid);
  ASSERT_TRUE(AddGuardian(*v, *g, "admin", kNow).ok());
  auto remote = std::make_unique<FakeKeyVaultSigner>();
  // A second fake has another key: as a rotated Key Vault key would, its signature does not verify.
  auto wrong = KeyVaultApprovalSigner(*v, "keyvault", std::move(remote));
  ASSERT_TRUE(wrong.ok());
  const auto op = approval::SoftDeleteDisable();
  auto bad = Approve(*v, op, kNow + 3600, "", **wrong, kNow);
  ASSERT_TRUE(bad.ok());  // written, but signed by another key: it never counts
  EXPECT_EQ(RequireApproval(*v, op, kNow).status().code(), StatusCode::kPermissionDenied);
  // The registered key, through the seam: counts; settings then turn soft delete off with it.
  struct Borrowed final : crypto::RemoteSigner {
    explicit Borrowed(FakeKeyVaultSigner& k) : k_(k) {}
    Result<crypto::RemoteSignature> SignDigest(const crypto::Hash32& d) override { return k_.SignDigest(d); }
    Result<crypto::Bytes> PublicKeyDer(std::string_view kid) override { return k_.PublicKeyDer(kid); }
    std::string Name() const override { return k_.Name(); }
    FakeKeyVaultSigner& k_;
  };
  auto right = KeyVaultApprovalSigner(*v, g->id, std::make_unique<Borrowed>(kv));
  ASSERT_TRUE(right.ok());
  auto good = Approve(*v, op, kNow + 3600, "", **right, kNow);
  ASSERT_TRUE(good.ok()) << good.status().ToString();
  SettingsChange change;
  change.soft_delete = "disabled";
  auto s = ChangeSettings(*v, change, "admin", kNow + 5);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->approval, good->id);
  EXPECT_EQ(Open("writer")->settings().Current()->soft_delete, "disabled");
  // A signature by another key version than the one registered is refused before anything is written.
  kv.kid = "https://g.vault.azure.net/keys/guardian/ffffffffffffffffffffffffffffffff";
  auto rotated = KeyVaultApprovalSigner(*v, "keyvault", std::make_unique<Borrowed>(kv));
  ASSERT_TRUE(rotated.ok());
  EXPECT_EQ(Approve(*v, op, kNow + 3600, "", **rotated, kNow).status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_TRUE(KeyVaultApprovalSigner(*v, "nobody", std::make_unique<Borrowed>(kv)).status().IsNotFound());
}

}  // namespace
}  // namespace cv::ops
