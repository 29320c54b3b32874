// Azure Key Vault key slots (format v2): the bundle sealed under a random KEK that a Key Vault key version
// wraps. Key Vault itself is replaced by FakeKeyWrapper, an in-process fake of the KeyWrapper seam with
// real RSA-OAEP-256 keys (it is not Key Vault); the Key Vault client is tested against the stand-in server.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "crypto/fake_key_wrapper.h"
#include "crypto/key_slot.h"

namespace cv::crypto {
namespace {

using testing::FakeKeyWrapper;

constexpr std::string_view kVault = "0123456789abcdef0123456789abcdef";
constexpr std::string_view kOtherVault = "fedcba9876543210fedcba9876543210";

bool SameKeys(const KeyBundle& a, const KeyBundle& b) {
  SecretBytes x = a.Serialize(), y = b.Serialize();
  return x.size() == y.size() && std::equal(x.data(), x.data() + x.size(), y.data());
}

class KeyVaultSlotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto b = KeyBundle::Generate();
    ASSERT_TRUE(b.ok());
    auto r = b->ForRole(KeyRole::kReader);
    ASSERT_TRUE(r.ok());
    reader_.emplace(std::move(*r));
  }
  std::string Wrap(std::string_view slot_id = "kv1") {
    auto kid = kv_.CurrentKid();
    EXPECT_TRUE(kid.ok());
    auto slot = WrapKeyBundleWithKeyVault(*reader_, kv_, *kid, slot_id, kVault);
    EXPECT_TRUE(slot.ok()) << slot.status().ToString();
    return slot.ok() ? *slot : "";
  }
  FakeKeyWrapper kv_;
  std::optional<KeyBundle> reader_;
};

TEST_F(KeyVaultSlotTest, RecordsTheVersionedKidAndOpensToTheSameKeys) {
  const std::string kid = *kv_.CurrentKid();
  std::string slot = Wrap();
  auto doc = nlohmann::json::parse(slot);
  EXPECT_EQ(doc["kind"], "azure-key-vault");
  EXPECT_EQ(doc["kid"], kid);
  EXPECT_EQ(doc["alg"], "RSA-OAEP-256");
  EXPECT_EQ(doc["role"], "reader");
  EXPECT_FALSE(doc.contains("kdf"));
  // base64url without padding, as Key Vault returns it: a 2048-bit RSA block is 256 bytes = 342 characters.
  std::string wrapped = doc["wrapped_kek"];
  EXPECT_EQ(wrapped.size(), 342u);
  EXPECT_EQ(wrapped.find_first_of("+/="), std::string::npos) << wrapped;

  auto info = InspectKeySlot(slot);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->kind, KeySlotKind::kKeyVault);
  EXPECT_EQ(info->kid, kid);
  EXPECT_EQ(info->alg, "RSA-OAEP-256");
  EXPECT_EQ(info->role, KeyRole::kReader);

  auto opened = UnwrapKeyBundleWithKeyVault(slot, kv_, kVault);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_TRUE(SameKeys(*opened, *reader_));
  EXPECT_EQ(kv_.unwrapped_with, std::vector<std::string>{kid});
}

TEST_F(KeyVaultSlotTest, UnwrapsOnlyWithTheRecordedVersionAfterTheKeyRotates) {
  const std::string v1 = *kv_.CurrentKid();
  std::string slot = Wrap();
  const std::string v2 = kv_.NewVersion();
  ASSERT_NE(v1, v2);
  auto opened = UnwrapKeyBundleWithKeyVault(slot, kv_, kVault);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(kv_.unwrapped_with, std::vector<std::string>{v1});  // never "the latest version"

  // The recorded version disabled in Key Vault: refused, naming the slot, although a newer version exists.
  kv_.Disable(v1);
  auto refused = UnwrapKeyBundleWithKeyVault(slot, kv_, kVault);
  EXPECT_EQ(refused.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(refused.status().message().find("key slot kv1"), std::string::npos)
      << refused.status().ToString();

  // The kid edited to the newer version: Key Vault's RSA fails, the slot does not open.
  std::string edited = slot;
  edited.replace(edited.find(v1), v1.size(), v2);
  EXPECT_FALSE(UnwrapKeyBundleWithKeyVault(edited, kv_, kVault).ok());
}

TEST_F(KeyVaultSlotTest, IsBoundToItsVaultIdAndRole) {
  std::string slot = Wrap();
  auto other = UnwrapKeyBundleWithKeyVault(slot, kv_, kOtherVault);
  EXPECT_EQ(other.status().code(), StatusCode::kCorruption);
  EXPECT_NE(other.status().message().find("copied from another slot or vault"), std::string::npos);
  // Relabelled admin: the AAD names the role, so it does not open.
  std::string relabelled = slot;
  relabelled.replace(relabelled.find("\"reader\""), 8, "\"admin\"");
  EXPECT_EQ(UnwrapKeyBundleWithKeyVault(relabelled, kv_, kVault).status().code(), StatusCode::kCorruption);
  // Renamed: the id is in the AAD too.
  std::string renamed = slot;
  renamed.replace(renamed.find("\"kv1\""), 5, "\"kv2\"");
  EXPECT_EQ(UnwrapKeyBundleWithKeyVault(renamed, kv_, kVault).status().code(), StatusCode::kCorruption);
}

TEST_F(KeyVaultSlotTest, KeyVaultErrorsComeBackNamingTheSlot) {
  std::string slot = Wrap();
  kv_.unreachable = true;
  auto down = UnwrapKeyBundleWithKeyVault(slot, kv_, kVault);
  EXPECT_EQ(down.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(down.status().message().find("key slot kv1"), std::string::npos);
  kv_.unreachable = false;
  kv_.refuse_unwrap = true;
  EXPECT_EQ(UnwrapKeyBundleWithKeyVault(slot, kv_, kVault).status().code(), StatusCode::kPermissionDenied);
}

TEST_F(KeyVaultSlotTest, MalformedSlotsAreCorruptionAndSecretsCannotOpenThem) {
  std::string slot = Wrap();
  auto doc = nlohmann::json::parse(slot);
  for (auto [member, value] : std::vector<std::pair<std::string, nlohmann::json>>{
           {"kid", "https://evil.example/keys/k"},           // not versioned
           {"kid", "https://a.vault.azure.net/keys/k/v?x"},  // a query
           {"kid", "http://a.vault.azure.net/keys/k/v"},     // not https
           {"alg", "RSA1_5"},
           {"wrapped_kek", "a+b/"},  // standard alphabet: not what the slot stores
           {"version", 1}}) {
    auto bad = doc;
    bad[member] = value;
    auto info = InspectKeySlot(bad.dump());
    EXPECT_EQ(info.status().code(), StatusCode::kCorruption) << member << " " << value.dump();
  }
  // A passphrase cannot open a Key Vault slot, and says why.
  auto pass = UnwrapKeyBundle(slot, PassphraseSecret("x"), kVault);
  EXPECT_EQ(pass.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(pass.status().message().find("Azure Key Vault slot"), std::string::npos)
      << pass.status().ToString();
}

TEST_F(KeyVaultSlotTest, RefusesAKidThatIsNotVersionedAndAWrapperAnsweringForAnotherVersion) {
  auto bad = WrapKeyBundleWithKeyVault(*reader_, kv_, "https://fake-kv.vault.azure.net/keys/cassvault", "kv1",
                                       kVault);
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  // A kid the wrapper does not have: its error, annotated.
  auto unknown = WrapKeyBundleWithKeyVault(
      *reader_, kv_, "https://fake-kv.vault.azure.net/keys/cassvault/nope", "kv1", kVault);
  EXPECT_EQ(unknown.status().code(), StatusCode::kNotFound);
}

TEST(KidTest, ValidVersionedKid) {
  EXPECT_TRUE(ValidVersionedKid("https://name.vault.azure.net/keys/key-1/0123abcd"));
  EXPECT_TRUE(ValidVersionedKid("https://127.0.0.1:8443/keys/k/v1"));
  EXPECT_FALSE(ValidVersionedKid("https://name.vault.azure.net/keys/key-1/"));
  EXPECT_FALSE(ValidVersionedKid("https://name.vault.azure.net/keys/key-1"));
  EXPECT_FALSE(ValidVersionedKid("https://name.vault.azure.net/secrets/k/v"));
  EXPECT_FALSE(ValidVersionedKid("https://user@name.vault.azure.net/keys/k/v"));
  EXPECT_FALSE(ValidVersionedKid("https://name.vault.azure.net/keys/k/v/extra"));
  EXPECT_FALSE(ValidVersionedKid("https://name.vault.azure.net/keys/k/v#f"));
}

}  // namespace
}  // namespace cv::crypto
