#include "core/vault_layout.h"

#include <gtest/gtest.h>

namespace cv {
namespace {

TEST(VaultLayoutTest, KeysRoundTrip) {
  ObjectId id{};
  for (size_t i = 0; i < id.size(); ++i) id[i] = static_cast<uint8_t>(i * 7);
  std::string pk = layout::PackKey(id);
  EXPECT_EQ(pk.substr(0, 9), "packs/00/");
  EXPECT_EQ(layout::ParsePackKey(pk), id);
  EXPECT_EQ(layout::ParseIndexKey(layout::IndexKey(id)), id);
  EXPECT_FALSE(layout::ParsePackKey("packs/01/" + IdToHex(id)).has_value());  // wrong fan-out dir
  EXPECT_FALSE(layout::ParsePackKey("packs/00/.tmp-1").has_value());
}

TEST(VaultLayoutTest, BackupIdsSortByTime) {
  std::string a = layout::MakeBackupId(1764079200, "0a0b0c0d");  // 2025-11-25T14:00:00Z
  std::string b = layout::MakeBackupId(1764079201, "00000000");
  EXPECT_EQ(a, "20251125T140000Z-0a0b0c0d");
  EXPECT_LT(a, b);
  EXPECT_TRUE(layout::IsValidBackupId(a));
  EXPECT_FALSE(layout::IsValidBackupId("../20251125T140000Z"));
  EXPECT_EQ(layout::ParseBackupKey("backups/" + a), a);
  EXPECT_EQ(layout::FormatTime(1764079200), "2025-11-25T14:00:00Z");
}

}  // namespace
}  // namespace cv
