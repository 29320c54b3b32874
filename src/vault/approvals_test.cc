// Guardian approvals (vault/approvals.h) and the guardians in the vault settings (vault/vault_settings.h):
// only a registered guardian's signature over exactly this vault, operation and validity counts; a settings
// version that changes the guardians without an approval is skipped; a mark's approval is re-verified when
// marks are read. PS256 (a Key Vault key's `sign`) is tested with an RSA key made here with OpenSSL: the
// test's signer stands in for Key Vault, the verification is the real one.
#include "vault/approvals.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <nlohmann/json.hpp>

#include "core/vault_layout.h"
#include "vault/signed_object.h"
#include "vault/vault_objects_test_util.h"
#include "vault/vault_settings.h"

namespace cv::vault {
namespace {

using layout::ObjectKind;
using testutil::ScratchDir;
using ApprovalsTest = testutil::TwoKeyVaultTest;

constexpr int64_t kNow = 1764979200;
constexpr char kBackup[] = "20261201T100000Z-0a0b0c0d";

class Ed25519Signer final : public ApprovalSigner {
 public:
  Ed25519Signer() : key_(std::move(crypto::SigningKey::Generate()).value()) {}
  std::string alg() const override { return std::string(kGuardianEd25519); }
  crypto::Bytes public_key() const override {
    return crypto::Bytes(key_.public_key().begin(), key_.public_key().end());
  }
  Result<crypto::Bytes> Sign(crypto::ByteView m) override {
    CV_ASSIGN_OR_RETURN(crypto::Signature64 s, key_.Sign(m));
    return crypto::Bytes(s.begin(), s.end());
  }
  std::string Name() const override { return "test guardian"; }
  Guardian AsGuardian(const std::string& name) const {
    auto g = GuardianFromPublicKey(crypto::Base64Encode(public_key()), name);
    EXPECT_TRUE(g.ok());
    return *g;
  }

 private:
  crypto::SigningKey key_;
};

// An RSA key in this process, signing as Key Vault's PS256 does (or, with pss = false, PKCS#1 v1.5).
class RsaSigner final : public ApprovalSigner {
 public:
  explicit RsaSigner(bool pss = true) : pss_(pss), key_(EVP_RSA_gen(2048)) {
    unsigned char* der = nullptr;
    int n = i2d_PUBKEY(key_, &der);
    der_.assign(der, der + n);
    OPENSSL_free(der);
  }
  ~RsaSigner() override { EVP_PKEY_free(key_); }
  std::string alg() const override { return std::string(kGuardianPs256); }
  crypto::Bytes public_key() const override { return der_; }
  Result<crypto::Bytes> Sign(crypto::ByteView m) override {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX* pctx = nullptr;
    EVP_DigestSignInit(ctx, &pctx, EVP_sha256(), nullptr, key_);
    if (pss_) {
      EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
      EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32);
    }
    size_t len = 0;
    EVP_DigestSign(ctx, nullptr, &len, m.data(), m.size());
    crypto::Bytes sig(len);
    EVP_DigestSign(ctx, sig.data(), &len, m.data(), m.size());
    EVP_MD_CTX_free(ctx);
    sig.resize(len);
    return sig;
  }
  std::string Name() const override { return "test RSA guardian"; }

 private:
  bool pss_;
  EVP_PKEY* key_;
  crypto::Bytes der_;
};

// Registers `g` as the vault's first guardian (no approval needed: the rule was off).
void Register(Vault& admin, const Guardian& g, int64_t at = kNow) {
  auto cur = admin.settings().Current();
  ASSERT_TRUE(cur.ok());
  VaultSettings s = *cur;
  s.guardians.push_back(g);
  auto v = admin.settings().Set(s, "admin", at);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
}

TEST_F(ApprovalsTest, ValidApprovalChecksOnlyForItsOperationVaultAndTime) {
  auto admin = Open();
  Ed25519Signer guardian;
  Register(*admin, guardian.AsGuardian("sec"));
  auto gs = admin->settings().Current()->guardians;
  ASSERT_EQ(gs.size(), 1u);
  ProblemLog problems;
  auto writer = Open("writer");  // a guardian needs only some key of the vault to write an approval
  Approvals approvals(writer->objects(), writer->keys(), problems);
  auto a = approvals.Create(approval::SoftDeleteDisable(), kNow + 3600, "ticket 1", guardian, kNow);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_TRUE(approvals.Check(a->id, approval::SoftDeleteDisable(), gs, kNow + 10).ok());
  // Another operation.
  Status other = approvals.Check(a->id, approval::ImmutabilityDisable(), gs, kNow + 10);
  EXPECT_EQ(other.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(other.message().find("approves 'soft-delete.disable'"), std::string::npos) << other.message();
  // Expired.
  Status expired = approvals.Check(a->id, approval::SoftDeleteDisable(), gs, kNow + 3601);
  EXPECT_EQ(expired.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(expired.message().find("expired"), std::string::npos);
  // Not a registered guardian any more (or never was).
  Ed25519Signer stranger;
  EXPECT_TRUE(approvals.Check(a->id, approval::SoftDeleteDisable(), {stranger.AsGuardian("x")}, kNow + 10)
                  .IsCorruption());
  // Expiry bounds, before anything is written.
  EXPECT_EQ(approvals.Create(approval::SoftDeleteDisable(), kNow, "", guardian, kNow).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(
      approvals.Create(approval::SoftDeleteDisable(), kNow + kMaxApprovalSeconds + 1, "", guardian, kNow)
          .status()
          .code(),
      StatusCode::kInvalidArgument);
  EXPECT_EQ(testutil::FilesUnder(root(), "approvals").size(), 1u);
}

TEST_F(ApprovalsTest, ForgedApprovalIsRefused) {
  auto admin = Open();
  Ed25519Signer guardian, attacker;
  Register(*admin, guardian.AsGuardian("sec"));
  auto gs = admin->settings().Current()->guardians;
  ProblemLog problems;
  Approvals approvals(admin->objects(), admin->keys(), problems);
  // Signed by a key that is not a guardian, claiming to be the guardian.
  auto a = approvals.Create(approval::SoftDeleteDisable(), kNow + 3600, "", attacker, kNow);
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(approvals.Check(a->id, approval::SoftDeleteDisable(), gs, kNow).IsCorruption());
  // A body naming the guardian with a signature that is not its: sealed by hand.
  const std::string body = nlohmann::json{
      {"vault", admin->keys().vault_id()},
      {"operation", "soft-delete.disable"},
      {"created", kNow},
      {"expires", kNow + 3600},
      {"guardian", gs[0].id},
      {"reason", ""}}.dump();
  const std::string plain =
      nlohmann::json{
          {"body", body}, {"alg", "Ed25519"}, {"signature", crypto::Base64Encode(crypto::Bytes(64, 7))}}
          .dump();
  const std::string id = "20251206T000000Z-00112233aabbccdd";
  ASSERT_TRUE(
      admin->objects().PutSealed(ObjectKind::kApproval, "approvals/" + id, crypto::AsBytes(plain)).ok());
  Status st = approvals.Check(id, approval::SoftDeleteDisable(), gs, kNow);
  EXPECT_TRUE(st.IsCorruption()) << st.ToString();
  EXPECT_NE(st.message().find("forged"), std::string::npos) << st.message();
  auto valid = approvals.Valid(gs);
  ASSERT_TRUE(valid.ok());
  EXPECT_TRUE(valid->empty());
  EXPECT_EQ(problems.All().size(), 2u);
}

TEST_F(ApprovalsTest, ApprovalOfAnotherVaultDoesNotCount) {
  // The same guardian in two vaults: an approval made for vault B, copied into vault A under the same name.
  ScratchDir other_dir{"cv-vobj-other", "b"};
  auto b = Vault::Init(testutil::LocalStoreAt(other_dir.path(), true), crypto::PassphraseSecret("admin"),
                       testutil::FastScrypt());
  ASSERT_TRUE(b.ok());
  auto a_vault = Open();
  Ed25519Signer guardian;
  Register(*a_vault, guardian.AsGuardian("sec"));
  Register(**b, guardian.AsGuardian("sec"));
  ProblemLog problems;
  Approvals in_b((*b)->objects(), (*b)->keys(), problems);
  auto ap = in_b.Create(approval::SoftDeleteDisable(), kNow + 3600, "", guardian, kNow);
  ASSERT_TRUE(ap.ok());
  std::filesystem::create_directories(root() / "approvals");
  std::filesystem::copy_file(other_dir.path() / "approvals" / ap->id, root() / "approvals" / ap->id);
  Approvals in_a(a_vault->objects(), a_vault->keys(), problems);
  Status st =
      in_a.Check(ap->id, approval::SoftDeleteDisable(), a_vault->settings().Current()->guardians, kNow);
  EXPECT_TRUE(st.IsCorruption()) << st.ToString();
}

TEST_F(ApprovalsTest, Ps256GuardianVerifiesAndPkcs1DoesNot) {
  auto admin = Open();
  RsaSigner kv;
  auto g = GuardianFromPublicKey(crypto::Base64Encode(kv.public_key()), "keyvault");
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(g->alg, "PS256");
  Register(*admin, *g);
  auto gs = admin->settings().Current()->guardians;
  ProblemLog problems;
  Approvals approvals(admin->objects(), admin->keys(), problems);
  auto a = approvals.Create(approval::KeyRemove("0123456789abcdef"), kNow + 3600, "", kv, kNow);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->alg, "PS256");
  EXPECT_TRUE(approvals.Check(a->id, approval::KeyRemove("0123456789abcdef"), gs, kNow).ok());
  // The same RSA key's PKCS#1 v1.5 signature is not PS256.
  RsaSigner wrong(false);
  Guardian wg = *GuardianFromPublicKey(crypto::Base64Encode(wrong.public_key()), "pkcs1");
  auto b = approvals.Create(approval::KeyRemove("0123456789abcdef"), kNow + 3600, "", wrong, kNow);
  ASSERT_TRUE(b.ok());
  EXPECT_TRUE(approvals.Check(b->id, approval::KeyRemove("0123456789abcdef"), {wg}, kNow).IsCorruption());
  // A short RSA key or junk is not a guardian key.
  EXPECT_EQ(GuardianFromPublicKey(crypto::Base64Encode(crypto::Bytes(40, 1)), "x").status().code(),
            StatusCode::kInvalidArgument);
}

// A settings version as an admin (or anyone with the admin key and their own build) could write it directly.
void WriteVersion(Vault& admin, uint32_t version, const VaultSettings& s, const std::string& approval_id) {
  nlohmann::json j = {{"soft_delete", s.soft_delete},
                      {"soft_delete_days", s.soft_delete_days},
                      {"immutability", s.immutability},
                      {"prune_grace_seconds", s.prune_grace_seconds},
                      {"version", version},
                      {"set_at", kNow + version},
                      {"set_by", "forger"}};
  nlohmann::json g = nlohmann::json::array();
  for (const Guardian& x : s.guardians)
    g.push_back({{"id", x.id},
                 {"name", x.name},
                 {"alg", x.alg},
                 {"public_key", x.public_key},
                 {"kid", x.kid},
                 {"added_at", x.added_at}});
  if (!s.guardians.empty()) j["guardians"] = g;
  if (!approval_id.empty()) j["approval"] = approval_id;
  const std::string key = layout::NameVersionKey(ObjectKind::kVaultSettings, "vault", version);
  ASSERT_TRUE(PutSigned(admin.objects(), ObjectKind::kVaultSettings, key, j.dump(), "settings").ok());
}

TEST_F(ApprovalsTest, SettingsVersionChangingGuardiansWithoutApprovalIsSkipped) {
  auto admin = Open();
  Ed25519Signer first, second;
  Register(*admin, first.AsGuardian("first"));  // version 1
  VaultSettings s = *admin->settings().Current();
  // Set refuses a second guardian without an approval, before writing.
  s.guardians.push_back(second.AsGuardian("second"));
  auto refused = admin->settings().Set(s, "admin", kNow + 1);
  EXPECT_EQ(refused.status().code(), StatusCode::kPermissionDenied) << refused.status().ToString();
  EXPECT_EQ(testutil::FilesUnder(root(), "settings").size(), 1u);
  // Written directly (the admin key alone): adding one, removing all, turning soft delete off: all skipped.
  WriteVersion(*admin, 2, s, "");
  VaultSettings none = *admin->settings().Current();
  none.guardians.clear();
  WriteVersion(*admin, 3, none, "");
  VaultSettings off = *admin->settings().Current();
  off.soft_delete = "disabled";
  WriteVersion(*admin, 4, off, "");
  auto reader = Open("writer");
  auto cur = reader->settings().Current();
  ASSERT_TRUE(cur.ok());
  EXPECT_EQ(cur->version, 1u);
  ASSERT_EQ(cur->guardians.size(), 1u);
  EXPECT_EQ(cur->guardians[0].name, "first");
  EXPECT_EQ(cur->soft_delete, "enabled");
  size_t named = 0;
  for (const auto& p : reader->Problems())
    named += p.problem.find("without a guardian's approval") != std::string::npos;
  EXPECT_EQ(named, 3u);
  // With the first guardian's approval of exactly that addition, the version counts.
  ProblemLog problems;
  Approvals approvals(admin->objects(), admin->keys(), problems);
  auto wrong = approvals.Create(approval::GuardianAdd("0000000000000000"), kNow + 3600, "", first, kNow);
  ASSERT_TRUE(wrong.ok());
  WriteVersion(*admin, 5, s, wrong->id);
  EXPECT_EQ(Open("writer")->settings().Current()->version, 1u);
  auto ok =
      approvals.Create(approval::GuardianAdd(second.AsGuardian("second").id), kNow + 3600, "", first, kNow);
  ASSERT_TRUE(ok.ok());
  WriteVersion(*admin, 6, s, ok->id);
  cur = Open("writer")->settings().Current();
  EXPECT_EQ(cur->version, 6u);
  EXPECT_EQ(cur->guardians.size(), 2u);
}

TEST_F(ApprovalsTest, MarkApprovalReverifiedWhenMarksAreRead) {
  auto admin = Open();
  Ed25519Signer guardian, attacker;
  Register(*admin, guardian.AsGuardian("sec"));
  ASSERT_TRUE(admin->marks()
                  .Append({marks::Entry{marks::Op::kLock, kBackup, "", kNow, kNow + int64_t{86400} * 30,
                                        "lock", "a"}},
                          kNow)
                  .ok());
  ProblemLog problems;
  Approvals approvals(admin->objects(), admin->keys(), problems);
  // A forged approval id, then one of another backup's lock, then the right one.
  auto forged = approvals.Create(approval::LockRemove({kBackup}), kNow + 3600, "", attacker, kNow);
  auto other =
      approvals.Create(approval::LockRemove({"20261201T110000Z-01020304"}), kNow + 3600, "", guardian, kNow);
  ASSERT_TRUE(forged.ok() && other.ok());
  for (const std::string& id : {forged->id, other->id}) {
    marks::Entry e{marks::Op::kLock, kBackup, "", kNow + 10, 0, "unlock", "a"};
    e.approval = id;
    ASSERT_TRUE(admin->marks().Append({e}, kNow + 10).ok());
  }
  auto state = Open("writer")->marks().Load();
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->Of(kBackup, "t").locked_until, kNow + int64_t{86400} * 30);
  auto good = approvals.Create(approval::LockRemove({kBackup}), kNow + 3600, "", guardian, kNow);
  ASSERT_TRUE(good.ok());
  marks::Entry e{marks::Op::kLock, kBackup, "", kNow + 20, 0, "unlock", "a"};
  e.approval = good->id;
  ASSERT_TRUE(admin->marks().Append({e}, kNow + 20).ok());
  state = Open("writer")->marks().Load();
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->Of(kBackup, "t").locked_until, 0);
  // The approval object deleted: the unlock no longer counts, the lock is back.
  std::filesystem::remove(root() / "approvals" / good->id);
  state = Open("writer")->marks().Load();
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->Of(kBackup, "t").locked_until, kNow + int64_t{86400} * 30);
}

}  // namespace
}  // namespace cv::vault
