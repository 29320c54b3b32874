// The vault's settings (vault/vault_settings.h): defaults, admin-only versions, the one-way states
// (always-on, locked) checked against every valid version, forged versions skipped.
#include "vault/vault_settings.h"

#include <gtest/gtest.h>

#include "core/vault_layout.h"
#include "vault/vault_objects_test_util.h"

namespace cv::vault {
namespace {

using testutil::FilesUnder;
using VaultSettingsTest = testutil::TwoKeyVaultTest;
using layout::ObjectKind;

constexpr int64_t kNow = 1764979200;

TEST_F(VaultSettingsTest, DefaultsThenVersions) {
  auto admin = Open();
  auto cur = admin->settings().Current();
  ASSERT_TRUE(cur.ok()) << cur.status().ToString();
  EXPECT_EQ(cur->version, 0u);
  EXPECT_EQ(cur->soft_delete, "enabled");
  EXPECT_EQ(cur->soft_delete_days, 14);
  EXPECT_EQ(cur->immutability, "disabled");
  EXPECT_EQ(cur->prune_grace_seconds, 86400);
  VaultSettings next = *cur;
  next.soft_delete_days = 30;
  next.prune_grace_seconds = 120;
  auto v1 = admin->settings().Set(next, "admin on h1", kNow);
  ASSERT_TRUE(v1.ok()) << v1.status().ToString();
  EXPECT_EQ(v1->version, 1u);
  EXPECT_EQ(FilesUnder(root(), "settings"), std::vector<std::string>{"settings/vault/0000000001"});
  auto writer = Open("writer");
  cur = writer->settings().Current();
  ASSERT_TRUE(cur.ok());
  EXPECT_EQ(cur->version, 1u);
  EXPECT_EQ(cur->soft_delete_days, 30);
  EXPECT_EQ(cur->prune_grace_seconds, 120);
  EXPECT_EQ(cur->set_by, "admin on h1");
}

TEST_F(VaultSettingsTest, WriterRefusedAndBadValuesRefusedBeforeWriting) {
  auto writer = Open("writer");
  auto r = writer->settings().Set(VaultSettings{}, "w", kNow);
  EXPECT_EQ(r.status().code(), StatusCode::kPermissionDenied);
  auto admin = Open();
  VaultSettings bad;
  bad.soft_delete = "sometimes";
  EXPECT_EQ(admin->settings().Set(bad, "a", kNow).status().code(), StatusCode::kInvalidArgument);
  bad = {};
  bad.soft_delete_days = 0;
  EXPECT_EQ(admin->settings().Set(bad, "a", kNow).status().code(), StatusCode::kInvalidArgument);
  bad = {};
  bad.prune_grace_seconds = 59;
  EXPECT_EQ(admin->settings().Set(bad, "a", kNow).status().code(), StatusCode::kInvalidArgument);
  bad = {};
  bad.immutability = "frozen";
  EXPECT_EQ(admin->settings().Set(bad, "a", kNow).status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(FilesUnder(root(), "settings").empty());
}

TEST_F(VaultSettingsTest, AlwaysOnAndLockedAreOneWay) {
  auto admin = Open();
  VaultSettings s;
  s.soft_delete = "always-on";
  ASSERT_TRUE(admin->settings().Set(s, "a", kNow).ok());
  s.soft_delete = "disabled";
  auto r = admin->settings().Set(s, "a", kNow + 1);
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition) << r.status().ToString();
  EXPECT_NE(r.status().message().find("always-on cannot be turned off"), std::string::npos);
  s.soft_delete = "enabled";
  EXPECT_EQ(admin->settings().Set(s, "a", kNow + 1).status().code(), StatusCode::kFailedPrecondition);
  // Other settings still change while soft delete stays always-on.
  s.soft_delete = "always-on";
  s.immutability = "unlocked";
  ASSERT_TRUE(admin->settings().Set(s, "a", kNow + 2).ok());
  s.immutability = "disabled";  // unlocked may go back
  ASSERT_TRUE(admin->settings().Set(s, "a", kNow + 3).ok());
  s.immutability = "locked";
  ASSERT_TRUE(admin->settings().Set(s, "a", kNow + 4).ok());
  for (const char* other : {"unlocked", "disabled"}) {
    s.immutability = other;
    EXPECT_EQ(admin->settings().Set(s, "a", kNow + 5).status().code(), StatusCode::kFailedPrecondition);
  }
  EXPECT_EQ(FilesUnder(root(), "settings").size(), 4u);
}

// A writer key seals a "newer version" turning always-on off; it is skipped, named, and does not count as an
// earlier version either.
TEST_F(VaultSettingsTest, ForgedVersionSkipped) {
  auto admin = Open();
  VaultSettings s;
  s.soft_delete = "always-on";
  ASSERT_TRUE(admin->settings().Set(s, "a", kNow).ok());
  auto writer = Open("writer");
  std::string payload =
      R"({"soft_delete":"disabled","soft_delete_days":14,"immutability":"disabled","prune_grace_seconds":60,)"
      R"("version":2,"set_at":1,"set_by":"x"})";
  std::vector<uint8_t> plain(64, 0);
  plain.insert(plain.end(), payload.begin(), payload.end());
  const std::string key = layout::NameVersionKey(ObjectKind::kVaultSettings, "vault", 2);
  ASSERT_TRUE(writer->objects().PutSealed(ObjectKind::kVaultSettings, key, plain).ok());
  auto reader = Open("writer");
  auto cur = reader->settings().Current();
  ASSERT_TRUE(cur.ok());
  EXPECT_EQ(cur->version, 1u);
  EXPECT_EQ(cur->soft_delete, "always-on");
  bool named = false;
  for (const auto& p : reader->Problems()) named |= p.object == key;
  EXPECT_TRUE(named);
  // The admin's next version takes number 3 and the one-way check still holds.
  s.prune_grace_seconds = 300;
  auto v = admin->settings().Set(s, "a", kNow + 1);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->version, 3u);
}

}  // namespace
}  // namespace cv::vault
