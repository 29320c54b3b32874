// Key slot management (ops/key_ops.h) and opening with Key Vault first (ops/key_vault_slots.h), on a real
// local store. Key Vault is FakeKeyWrapper: an in-process fake of the KeyWrapper seam with real RSA-OAEP-256
// keys, NOT Azure Key Vault (integration.key_vault drives the binary against the Key Vault stand-in).
#include "ops/key_ops.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include "backends/local/local_store.h"
#include "crypto/fake_key_wrapper.h"
#include "ops/key_vault_slots.h"
#include "storage/forwarding_store.h"
#include "vault/audit_log.h"
#include "vault/testing.h"

namespace cv::ops {
namespace {

namespace fs = std::filesystem;
using crypto::KeyRole;
using crypto::testing::FakeKeyWrapper;
using vault::testutil::FastScrypt;

constexpr const char* kPrefix = "https://fake-kv.vault.azure.net/keys/cassvault/";

// Deletes fail: a rotation killed after adding its new slot looks like this to the vault.
class NoDeleteStore : public storage::ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;
  Status Delete(std::string_view key) override {
    return Status::Unavailable(std::string(key), "delete refused (test)");
  }
};

class KeyOpsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto v = vault::Vault::Init(Store(true), crypto::PassphraseSecret("admin"), FastScrypt());
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    admin_slot_ = (*v)->opened_slot();
  }
  std::unique_ptr<storage::ObjectStore> Store(bool create = false) {
    return std::move(backends::OpenLocalStore(scratch_.path().string(), create)).value();
  }
  std::unique_ptr<vault::Vault> Open(const char* pass) {
    auto v = vault::Vault::Open(Store(), crypto::PassphraseSecret(pass));
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    return v.ok() ? std::move(v).value() : nullptr;
  }
  Result<ConfiguredKeyVault> Kv() {
    ConfiguredKeyVault c;
    c.wrapper = std::make_unique<ProxyWrapper>(kv_);
    c.kid_prefix = kPrefix;
    return c;
  }
  // Opens with Key Vault first and `pass` as the recovery passphrase ("" = none available).
  Result<std::unique_ptr<vault::Vault>> OpenKv(const std::string& pass, std::string* warned = nullptr) {
    std::ostringstream warn;
    auto kv = Kv();
    auto v = OpenVaultWithKeyVault(
        Store(), kv,
        [&]() -> Result<crypto::KeySecret> {
          if (pass.empty()) return Status(StatusCode::kUnauthenticated, "vault key", "no key available");
          return crypto::PassphraseSecret(pass);
        },
        warn);
    if (warned) *warned = warn.str();
    return v;
  }
  std::set<std::string> SlotObjects() {
    std::set<std::string> out;
    EXPECT_TRUE(Store()->List("keys/", [&](const storage::ObjectInfo& i) { out.insert(i.key); }).ok());
    return out;
  }
  // Forwards to the test's fake, so the fake outlives each ConfiguredKeyVault.
  class ProxyWrapper : public crypto::KeyWrapper {
   public:
    explicit ProxyWrapper(FakeKeyWrapper& f) : f_(f) {}
    Result<std::string> CurrentKid() override { return f_.CurrentKid(); }
    Result<crypto::WrappedKey> Wrap(std::string_view kid, crypto::ByteView p) override {
      return f_.Wrap(kid, p);
    }
    Result<crypto::SecretBytes> Unwrap(const crypto::WrappedKey& w) override { return f_.Unwrap(w); }
    std::string Name() const override { return f_.Name(); }

   private:
    FakeKeyWrapper& f_;
  };

  vault::testutil::ScratchDir scratch_{"cv-key-ops",
                                       ::testing::UnitTest::GetInstance()->current_test_info()->name()};
  FakeKeyWrapper kv_;
  std::string admin_slot_;
};

TEST_F(KeyOpsTest, AKeyVaultSlotIsListedWithItsKidAndOpensTheVaultWithoutTheRecoveryKey) {
  auto v = Open("admin");
  auto id = AddKeyVaultSlot(*v, kv_, KeyRole::kReader);
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  auto rows = ListSlots(*v);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 2u);
  auto row = std::find_if(rows->begin(), rows->end(), [&](const KeySlotRow& r) { return r.id == *id; });
  ASSERT_NE(row, rows->end());
  EXPECT_EQ(row->kind, "azure-key-vault");
  EXPECT_EQ(row->role, "reader");
  EXPECT_EQ(row->kid, *kv_.CurrentKid());
  EXPECT_EQ(row->alg, "RSA-OAEP-256");
  EXPECT_FALSE(row->opened);

  std::string warned;
  auto opened = OpenKv("", &warned);  // no recovery key available at all: Key Vault alone opens it
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ((*opened)->opened_slot(), *id);
  EXPECT_EQ((*opened)->keys().bundle()->role(), KeyRole::kReader);
  EXPECT_EQ(warned, "");
}

TEST_F(KeyOpsTest, KeyVaultUnreachableOrRefusingFallsBackToTheRecoveryKeyWithAWarning) {
  ASSERT_TRUE(AddKeyVaultSlot(*Open("admin"), kv_, KeyRole::kAdmin).ok());
  kv_.unreachable = true;
  std::string warned;
  auto v = OpenKv("admin", &warned);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ((*v)->opened_slot(), admin_slot_);
  EXPECT_NE(warned.find("Azure Key Vault did not open the vault"), std::string::npos) << warned;
  EXPECT_NE(warned.find("cannot be reached"), std::string::npos) << warned;

  kv_.unreachable = false;
  kv_.refuse_unwrap = true;
  v = OpenKv("admin", &warned);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_NE(warned.find("may not unwrapKey"), std::string::npos) << warned;
}

TEST_F(KeyOpsTest, WhenBothFailTheErrorNamesBoth) {
  ASSERT_TRUE(AddKeyVaultSlot(*Open("admin"), kv_, KeyRole::kAdmin).ok());
  kv_.unreachable = true;
  auto wrong = OpenKv("wrong");
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(wrong.status().message().find("neither Azure Key Vault"), std::string::npos)
      << wrong.status().ToString();
  EXPECT_NE(wrong.status().message().find("cannot be reached"), std::string::npos);
  EXPECT_NE(wrong.status().message().find("does not open this vault"), std::string::npos);

  auto none = OpenKv("");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(none.status().message().find("no recovery key is available"), std::string::npos)
      << none.status().ToString();
}

TEST_F(KeyOpsTest, ASlotNamingAnotherKeyIsNeverSentToKeyVault) {
  FakeKeyWrapper other("https://evil.vault.azure.net/keys/cassvault");
  ASSERT_TRUE(AddKeyVaultSlot(*Open("admin"), other, KeyRole::kAdmin).ok());
  std::string warned;
  auto v = OpenKv("admin", &warned);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_TRUE(kv_.unwrapped_with.empty());
  EXPECT_TRUE(other.unwrapped_with.size() == 1);  // only the proof when it was added
  EXPECT_NE(warned.find("has no Azure Key Vault slot"), std::string::npos) << warned;
  bool named = false;
  for (const auto& p : (*v)->Problems()) named |= p.problem.find("not the configured") != std::string::npos;
  EXPECT_TRUE(named);
}

TEST_F(KeyOpsTest, RotatingAfterTheKeyRotatedTwiceWrapsWithTheNewestVersionAndRetiresTheOldSlot) {
  auto v = Open("admin");
  const std::string v1 = *kv_.CurrentKid();
  auto old_id = AddKeyVaultSlot(*v, kv_, KeyRole::kReader);
  ASSERT_TRUE(old_id.ok());
  kv_.NewVersion();
  const std::string v3 = kv_.NewVersion();
  auto r = RotateKeyVaultSlot(*v, kv_, *old_id);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->unchanged);
  EXPECT_EQ(r->old_kid, v1);
  EXPECT_EQ(r->new_kid, v3);
  EXPECT_EQ(SlotObjects(), (std::set<std::string>{"keys/" + admin_slot_, "keys/" + r->new_slot}));

  kv_.unwrapped_with.clear();
  auto opened = OpenKv("");
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ((*opened)->opened_slot(), r->new_slot);
  EXPECT_EQ((*opened)->keys().bundle()->role(), KeyRole::kReader);
  EXPECT_EQ(kv_.unwrapped_with, std::vector<std::string>{v3});

  // Already on the newest version: nothing changes.
  auto again = RotateKeyVaultSlot(*v, kv_, r->new_slot);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->unchanged);
  EXPECT_EQ(SlotObjects().size(), 2u);
}

// Every key change is in the audit trail: intent first, then the outcome naming the slots; a refusal too.
TEST_F(KeyOpsTest, KeyChangesAreAuditedIntentFirstWithTheSlotsTheyTouched) {
  auto v = Open("admin");
  auto added = AddKeyVaultSlot(*v, kv_, KeyRole::kReader);
  ASSERT_TRUE(added.ok()) << added.status().ToString();
  kv_.NewVersion();
  auto rotated = RotateKeyVaultSlot(*v, kv_, *added);
  ASSERT_TRUE(rotated.ok()) << rotated.status().ToString();
  Status refused = RemoveSlot(*v, admin_slot_);  // the last admin slot: refused
  ASSERT_FALSE(refused.ok());
  ASSERT_TRUE(RemoveSlot(*v, rotated->new_slot).ok());

  std::map<std::string, std::vector<storage::ObjectInfo>> by_writer;
  std::vector<std::string> strays;
  ASSERT_TRUE(vault::AuditLog::ListAll(v->objects(), &by_writer, &strays).ok());
  ASSERT_EQ(by_writer.size(), 1u);
  std::vector<std::string> seen;
  for (const auto& o : by_writer.begin()->second) {
    auto e = vault::AuditLog::Read(v->objects(), o.key);
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    const auto& r = e->record;
    seen.push_back(r["op"].get<std::string>() + " " + r["outcome"]["status"].get<std::string>());
    if (r["op"] == "key.rotate" && r["outcome"]["status"] == "ok") {
      EXPECT_EQ(r["details"]["new_slot"], rotated->new_slot);
      EXPECT_EQ(r["targets"][0], *added);
    }
    if (r["op"] == "key.add" && r["outcome"]["status"] == "ok") {
      EXPECT_EQ(r["details"]["new_slot"], *added);
    }
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"key.add started", "key.add ok", "key.rotate started",
                                            "key.rotate ok", "key.remove started", "key.remove refused",
                                            "key.remove started", "key.remove ok"}));
}

TEST_F(KeyOpsTest, ARotationThatCannotDeleteTheOldSlotLeavesBothAndEachOpens) {
  auto v = Open("admin");
  auto old_id = AddKeyVaultSlot(*v, kv_, KeyRole::kAdmin);
  ASSERT_TRUE(old_id.ok());
  kv_.NewVersion();
  auto nodelete =
      vault::Vault::Open(std::make_unique<NoDeleteStore>(Store()), crypto::PassphraseSecret("admin"));
  ASSERT_TRUE(nodelete.ok());
  auto r = RotateKeyVaultSlot(**nodelete, kv_, *old_id);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("was added and opens; deleting the old slot failed"), std::string::npos)
      << r.status().ToString();
  EXPECT_EQ(SlotObjects().size(), 3u);  // admin passphrase, old and new Key Vault slots
  auto opened = OpenKv("");
  EXPECT_TRUE(opened.ok()) << opened.status().ToString();
}

TEST_F(KeyOpsTest, RemovalIsRefusedForTheLastOpeningReaderOrAdminSlotAndNeedsAnAdmin) {
  auto v = Open("admin");
  const auto before = SlotObjects();
  Status last = RemoveSlot(*v, admin_slot_);
  EXPECT_EQ(last.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(last.message().find("last key slot that opens vault"), std::string::npos) << last.ToString();
  EXPECT_NE(last.message().find("cassvault key add"), std::string::npos);
  EXPECT_EQ(SlotObjects(), before);

  auto writer = AddSecretSlot(*v, crypto::PassphraseSecret("writer"), FastScrypt(), KeyRole::kWriter);
  ASSERT_TRUE(writer.ok());
  Status reader = RemoveSlot(*v, admin_slot_);
  EXPECT_EQ(reader.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(reader.message().find("last slot holding a reader key"), std::string::npos) << reader.ToString();
  EXPECT_NE(reader.message().find("--role reader"), std::string::npos);

  ASSERT_TRUE(AddKeyVaultSlot(*v, kv_, KeyRole::kReader).ok());
  Status admin = RemoveSlot(*v, admin_slot_);
  EXPECT_EQ(admin.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(admin.message().find("last admin slot"), std::string::npos) << admin.ToString();

  // A writer key removes nothing, not even a slot of its own role.
  auto as_writer = Open("writer");
  const auto with_three = SlotObjects();
  Status denied = RemoveSlot(*as_writer, *writer);
  EXPECT_EQ(denied.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(denied.message().find("needs an admin key"), std::string::npos) << denied.ToString();
  EXPECT_EQ(SlotObjects(), with_three);

  EXPECT_EQ(RemoveSlot(*v, "0123456789abcdef").code(), StatusCode::kNotFound);
  EXPECT_EQ(RemoveSlot(*v, "../config").code(), StatusCode::kInvalidArgument);

  // The writer slot may go (a reader and an admin remain); then its passphrase opens nothing.
  ASSERT_TRUE(RemoveSlot(*v, *writer).ok());
  auto gone = vault::Vault::Open(Store(), crypto::PassphraseSecret("writer"));
  EXPECT_EQ(gone.status().code(), StatusCode::kPermissionDenied);
}

TEST_F(KeyOpsTest, RotatingAPassphraseSlotReplacesItsSecretAndKeepsItsRole) {
  auto v = Open("admin");
  auto reader = AddSecretSlot(*v, crypto::PassphraseSecret("old reader"), FastScrypt(), KeyRole::kReader);
  ASSERT_TRUE(reader.ok());
  auto r = RotateSecretSlot(*v, *reader, crypto::PassphraseSecret("new reader"), FastScrypt());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(SlotObjects(), (std::set<std::string>{"keys/" + admin_slot_, "keys/" + r->new_slot}));
  EXPECT_EQ(vault::Vault::Open(Store(), crypto::PassphraseSecret("old reader")).status().code(),
            StatusCode::kPermissionDenied);
  auto fresh = Open("new reader");
  ASSERT_NE(fresh, nullptr);
  EXPECT_EQ(fresh->keys().bundle()->role(), KeyRole::kReader);
  // A Key Vault slot is not rotated with a secret, nor a secret slot through Key Vault.
  auto kvslot = AddKeyVaultSlot(*v, kv_, KeyRole::kReader);
  ASSERT_TRUE(kvslot.ok());
  EXPECT_EQ(RotateSecretSlot(*v, *kvslot, crypto::PassphraseSecret("x"), FastScrypt()).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(RotateKeyVaultSlot(*v, kv_, r->new_slot).status().code(), StatusCode::kInvalidArgument);
}

TEST(KeyOpsV1Test, AFormatOneVaultRefusesKeyVaultSlots) {
  vault::testutil::ScratchDir dir("cv-key-ops-v1", "refuses");
  auto store = std::move(backends::OpenLocalStore(dir.path().string(), true)).value();
  auto v = vault::Vault::Init(std::move(store), crypto::PassphraseSecret("p"), FastScrypt(), 1);
  ASSERT_TRUE(v.ok());
  FakeKeyWrapper kv;
  auto id = AddKeyVaultSlot(**v, kv, std::nullopt);
  EXPECT_EQ(id.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(id.status().message().find("need format 2"), std::string::npos) << id.status().ToString();
}

TEST(KeyVaultKidPrefixTest, NormalisesTheUrl) {
  EXPECT_EQ(KeyVaultKidPrefix("https://My-Vault.vault.azure.net/", "k1"),
            "https://my-vault.vault.azure.net/keys/k1/");
}

}  // namespace
}  // namespace cv::ops
