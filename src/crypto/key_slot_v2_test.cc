// Format v2 key slots: a slot wraps one role's key bundle, bound to its vault, id and role.
#include <gtest/gtest.h>

#include "crypto/key_slot.h"

namespace cv::crypto {
namespace {

constexpr std::string_view kVault = "0123456789abcdef0123456789abcdef";
constexpr std::string_view kOtherVault = "fedcba9876543210fedcba9876543210";

ScryptParams Cheap() { return {.log2_n = 10, .r = 8, .p = 1}; }

TEST(KeySlotV2, WriterSlotOpensAsAWriterInItsOwnVaultOnly) {
  auto admin = KeyBundle::Generate();
  ASSERT_TRUE(admin.ok());
  auto writer = admin->ForRole(KeyRole::kWriter);
  ASSERT_TRUE(writer.ok());
  auto slot = WrapKeyBundle(*writer, PassphraseSecret("node pass"), "node1", kVault, Cheap());
  ASSERT_TRUE(slot.ok()) << slot.status().ToString();
  EXPECT_NE(slot->find("\"role\": \"writer\""), std::string::npos) << *slot;
  EXPECT_EQ(slot->find("node pass"), std::string::npos);

  auto info = InspectKeySlot(*slot);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->version, 2);
  EXPECT_EQ(info->role, KeyRole::kWriter);

  auto opened = UnwrapKeyBundle(*slot, PassphraseSecret("node pass"), kVault);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(opened->role(), KeyRole::kWriter);
  EXPECT_EQ(opened->ReaderPrivate(1).status().code(), StatusCode::kPermissionDenied);

  // The same slot copied into another vault does not open there.
  EXPECT_EQ(UnwrapKeyBundle(*slot, PassphraseSecret("node pass"), kOtherVault).status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(UnwrapKeyBundle(*slot, PassphraseSecret("wrong"), kVault).status().code(),
            StatusCode::kPermissionDenied);
  // v1's unwrap refuses it by name rather than failing on the sealed size.
  Status v1 = UnwrapMasterKey(*slot, PassphraseSecret("node pass")).status();
  EXPECT_EQ(v1.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(v1.ToString().find("format v2 slot"), std::string::npos) << v1.ToString();
}

TEST(KeySlotV2, ARoleRelabelledInTheDocumentDoesNotOpen) {
  auto admin = KeyBundle::Generate();
  ASSERT_TRUE(admin.ok());
  auto writer = admin->ForRole(KeyRole::kWriter);
  ASSERT_TRUE(writer.ok());
  auto slot = WrapKeyBundle(*writer, PassphraseSecret("p"), "s1", kVault, Cheap());
  ASSERT_TRUE(slot.ok());
  std::string relabelled = *slot;
  relabelled.replace(relabelled.find("\"writer\""), 8, "\"admin\"");
  // The role is in the AAD: a document claiming more than it holds fails to open.
  EXPECT_EQ(UnwrapKeyBundle(relabelled, PassphraseSecret("p"), kVault).status().code(),
            StatusCode::kPermissionDenied);
}

TEST(KeySlotV2, AdminSlotOpensEverythingAndV1SlotsAreNamedAsSuch) {
  auto admin = KeyBundle::Generate();
  ASSERT_TRUE(admin.ok());
  auto slot = WrapKeyBundle(*admin, PassphraseSecret("admin pass"), "admin1", kVault, Cheap());
  ASSERT_TRUE(slot.ok());
  auto opened = UnwrapKeyBundle(*slot, PassphraseSecret("admin pass"), kVault);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_TRUE(opened->AdminSigner().ok());
  EXPECT_EQ(opened->admin_public(), admin->admin_public());

  auto master = MasterKey::Generate();
  ASSERT_TRUE(master.ok());
  auto v1 = WrapMasterKey(*master, PassphraseSecret("x"), "old", Cheap());
  ASSERT_TRUE(v1.ok());
  Status s = UnwrapKeyBundle(*v1, PassphraseSecret("x"), kVault).status();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.ToString().find("format v1 slot"), std::string::npos);
  EXPECT_TRUE(UnwrapMasterKey(*v1, PassphraseSecret("x")).ok());
}

}  // namespace
}  // namespace cv::crypto
