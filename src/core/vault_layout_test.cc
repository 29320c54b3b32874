#include "core/vault_layout.h"

#include <gtest/gtest.h>

#include <set>

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

// Format v2 partitions: a node's packs and index objects live under its node id; the unpartitioned
// shapes of older vaults still parse, with no partition.
TEST(VaultLayoutTest, PartitionedNamesRoundTripAndOlderShapesStillParse) {
  ObjectId id{};
  for (size_t i = 0; i < id.size(); ++i) id[i] = static_cast<uint8_t>(i * 11 + 3);
  const std::string node = "0123456789abcdef";
  const std::string hex = IdToHex(id);
  EXPECT_EQ(layout::PackKey(node, id), "packs/" + node + "/" + hex.substr(0, 2) + "/" + hex);
  EXPECT_EQ(layout::IndexKey(node, id), "index/" + node + "/" + hex);
  EXPECT_EQ(layout::PartitionPrefix(layout::ObjectKind::kIndex, node), "index/" + node + "/");
  EXPECT_EQ(layout::PartitionPrefix(layout::ObjectKind::kPack, ""), "packs/");
  auto p = layout::ParsePartitionedPackKey(layout::PackKey(node, id));
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->node_id, node);
  EXPECT_EQ(p->id, id);
  auto legacy = layout::ParsePartitionedIndexKey(layout::IndexKey(id));
  ASSERT_TRUE(legacy.has_value());
  EXPECT_EQ(legacy->node_id, "");
  EXPECT_EQ(legacy->id, id);
  EXPECT_EQ(layout::ParsePackKey(layout::PackKey(node, id)), id);  // either shape gives the id
  EXPECT_EQ(layout::ParsePackKey(layout::PackKey(id)), id);
  EXPECT_FALSE(layout::ParsePartitionedPackKey("packs/0123456789ABCDEF/" + hex.substr(0, 2) + "/" + hex));
  EXPECT_FALSE(layout::ParsePartitionedIndexKey("index/../" + hex));
  EXPECT_FALSE(layout::ParsePartitionedIndexKey("index/" + node + "/" + node + "/" + hex));
  EXPECT_TRUE(layout::IsValidNodeId(node));
  EXPECT_FALSE(layout::IsValidNodeId("0123456789abcde"));
  EXPECT_FALSE(layout::IsValidNodeId("0123456789abcdeg"));
}

TEST(VaultLayoutTest, CatalogAndConsolidatedNamesSortByTime) {
  const std::string id = layout::MakeBackupId(1764079100, "0a0b0c0d");
  EXPECT_EQ(layout::TimeStamp(1764079200), "20251125T140000Z");
  EXPECT_EQ(layout::CatalogSegmentKey(1764079200, id), "catalog/20251125/" + id);
  EXPECT_EQ(layout::CatalogDayPrefix(1764079200), "catalog/20251125/");
  EXPECT_EQ(layout::ParseCatalogSegmentKey("catalog/20251125/" + id), id);
  EXPECT_FALSE(layout::ParseCatalogSegmentKey("catalog/2025112/" + id).has_value());
  EXPECT_FALSE(layout::ParseCatalogSegmentKey("catalog/20251125/x").has_value());
  EXPECT_EQ(layout::ConsolidatedCatalogKey(1764079200, "00000000000000ff"),
            "catalog-full/20251125T140000Z-00000000000000ff");
  EXPECT_LT(layout::ConsolidatedCatalogKey(1764079200, "ffffffffffffffff"),
            layout::ConsolidatedCatalogKey(1764079201, "0000000000000000"));
  using K = layout::ObjectKind;
  EXPECT_TRUE(
      layout::IsNameOf(K::kConsolidatedCatalog, layout::ConsolidatedCatalogKey(1, "0123456789abcdef")));
  EXPECT_FALSE(layout::IsNameOf(K::kConsolidatedCatalog, "catalog-full/20251125T140000Z-0123"));
  EXPECT_TRUE(layout::IsNameOf(K::kConsolidatedIndex,
                               layout::ConsolidatedIndexKey("0123456789abcdef", 1, "0123456789abcdef")));
  EXPECT_FALSE(layout::IsNameOf(K::kConsolidatedIndex, "index-full/0123456789abcdef/x"));
  EXPECT_TRUE(layout::IsNameOf(K::kNodeAlias, layout::NodeAliasKey("0123456789abcdef0123456789abcdef")));
  EXPECT_FALSE(layout::IsNameOf(K::kNodeAlias, "nodes/0123"));
  EXPECT_EQ(layout::ClusterAliasKey("0123456789abcdef0123456789abcdef"),
            "clusters/0123456789abcdef0123456789abcdef");
  EXPECT_TRUE(
      layout::IsNameOf(K::kClusterAlias, layout::ClusterAliasKey("0123456789abcdef0123456789abcdef")));
  EXPECT_FALSE(layout::IsNameOf(K::kClusterAlias, "clusters/0123"));
  EXPECT_FALSE(layout::IsNameOf(K::kClusterAlias, "clusters/0123456789ABCDEF0123456789abcdef"));
}

// Issue 12's kinds: policies/<name>/<10 digits>, runs/<day>/<run id>-<seq>, locks/<name>/<stamp>-<holder>.
TEST(VaultLayoutTest, PolicyRunAndLockNamesRoundTripAndRefuseOtherShapes) {
  using K = layout::ObjectKind;
  EXPECT_EQ(layout::PolicyKey("nightly", 7), "policies/nightly/0000000007");
  EXPECT_EQ(layout::PolicyPrefix("nightly"), "policies/nightly/");
  EXPECT_LT(layout::PolicyKey("n", 9), layout::PolicyKey("n", 10));  // versions list oldest first
  auto p = layout::ParsePolicyKey(layout::PolicyKey("a_B-9", 4294967295u));
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->name, "a_B-9");
  EXPECT_EQ(p->version, 4294967295u);
  for (const char* bad :
       {"policies/nightly/7", "policies/nightly/0000000000", "policies/nightly/4294967296",
        "policies/night.ly/0000000001", "policies//0000000001", "policies/nightly/000000001x",
        "policies/a/b/0000000001", "policies/nightly/0000000001.tmp"}) {
    EXPECT_FALSE(layout::ParsePolicyKey(bad).has_value()) << bad;
    EXPECT_FALSE(layout::IsNameOf(K::kPolicy, bad)) << bad;
  }
  EXPECT_TRUE(layout::IsNameOf(K::kPolicy, layout::PolicyKey(std::string(48, 'x'), 1)));
  EXPECT_FALSE(layout::IsNameOf(K::kPolicy, layout::PolicyKey(std::string(49, 'x'), 1)));
  EXPECT_TRUE(layout::IsValidObjectName("maintenance"));
  EXPECT_FALSE(layout::IsValidObjectName(".."));

  EXPECT_EQ(layout::RunDayPrefix(1764079200), "runs/20251125/");
  const std::string run = layout::RunRecordKey(1764079200, "0123456789abcdef", 1);
  EXPECT_EQ(run, "runs/20251125/0123456789abcdef-1");
  auto r = layout::ParseRunRecordKey(run);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->day, "20251125");
  EXPECT_EQ(r->run_id, "0123456789abcdef");
  EXPECT_EQ(r->seq, 1);
  EXPECT_TRUE(layout::IsNameOf(K::kRunRecord, run));
  for (const char* bad : {"runs/20251125/0123456789abcdef-2", "runs/20251125/0123456789ABCDEF-0",
                          "runs/2025112/0123456789abcdef-0", "runs/20251125/0123456789abcde-0",
                          "runs/20251125/0123456789abcdef-01", "runs/20251125/0123456789abcdef"}) {
    EXPECT_FALSE(layout::IsNameOf(K::kRunRecord, bad)) << bad;
  }
  EXPECT_FALSE(layout::IsValidRunId("0123456789abcdeg"));

  const std::string lock = layout::LockKey("maintenance", 1764079200, "00000000000000ff");
  EXPECT_EQ(lock, "locks/maintenance/20251125T140000Z-00000000000000ff");
  auto l = layout::ParseLockKey(lock);
  ASSERT_TRUE(l.has_value());
  EXPECT_EQ(l->name, "maintenance");
  EXPECT_EQ(l->stamp, "20251125T140000Z");
  EXPECT_EQ(l->holder, "00000000000000ff");
  EXPECT_LT(lock, layout::LockKey("maintenance", 1764079201, "0000000000000000"));
  EXPECT_TRUE(layout::IsNameOf(K::kLock, lock));
  EXPECT_FALSE(layout::IsNameOf(K::kLock, "locks/maintenance/20251125T140000Z-ff"));
  EXPECT_FALSE(layout::IsNameOf(K::kLock, "locks/../20251125T140000Z-00000000000000ff"));
  for (K k : {K::kPolicy, K::kRunRecord, K::kLock}) {
    EXPECT_FALSE(layout::KindInfo(k).reserved);
    EXPECT_EQ(layout::KindInfo(k).sealing, layout::Sealing::kSealed);
    EXPECT_GT(layout::KindInfo(k).max_size, 0u);
  }
  EXPECT_EQ(layout::KindOfKey(run)->kind, K::kRunRecord);
  EXPECT_EQ(layout::KindOfKey(lock)->kind, K::kLock);
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

// The kind table is the format: its numbers, prefixes and AADs are what v1 vaults hold on disk.
TEST(VaultLayoutTest, KindTableHasOneRowPerKindAndV1NamesUnchanged) {
  std::set<uint8_t> numbers;
  std::set<std::string_view> prefixes;
  for (const auto& k : layout::kObjectKinds) {
    EXPECT_EQ(&layout::KindInfo(k.kind), &k) << k.name;
    EXPECT_TRUE(numbers.insert(static_cast<uint8_t>(k.kind)).second) << k.name;
    EXPECT_TRUE(prefixes.insert(k.prefix).second) << k.name;
    EXPECT_EQ(layout::KindOfKey(k.naming == layout::Naming::kFixed ? std::string(k.prefix)
                                                                   : std::string(k.prefix) + "x"),
              &k)
        << k.name;
    EXPECT_TRUE(k.create_only) << k.name;
    EXPECT_EQ(k.reserved, k.naming == layout::Naming::kNotAssigned) << k.name;
    EXPECT_EQ(k.reserved, k.max_size == 0) << k.name;
  }
  using K = layout::ObjectKind;
  EXPECT_EQ(layout::kConfig, "config");
  EXPECT_EQ(layout::kKeysPrefix, "keys/");
  EXPECT_EQ(layout::kPacksPrefix, "packs/");
  EXPECT_EQ(layout::kIndexPrefix, "index/");
  EXPECT_EQ(layout::kManifestsPrefix, "manifests/");
  EXPECT_EQ(layout::kBackupsPrefix, "backups/");
  EXPECT_EQ(layout::kConfigSealPrefix, "config-seal/");
  EXPECT_EQ(layout::kProbesPrefix, "probes/");
  EXPECT_EQ(layout::KindInfo(K::kIndex).aad, "cassvault/v1/index");
  EXPECT_EQ(layout::KindInfo(K::kManifest).aad, "cassvault/v1/manifest");
  EXPECT_EQ(layout::KindInfo(K::kPack).aad, "cassvault/v1/pack-header");
  EXPECT_EQ(layout::KindInfo(K::kBackupRecord).aad, "cassvault/v1/backup/");
  EXPECT_EQ(layout::KindInfo(K::kConfigSeal).aad, "cassvault/v1/config");
  EXPECT_EQ(layout::KindOfKey("configx"), nullptr);
  EXPECT_EQ(layout::KindOfKey("index-full/x")->kind, K::kConsolidatedIndex);
  EXPECT_TRUE(layout::IsNameOf(K::kReferenceSet, layout::RefsKey("20251125T140000Z-0a0b0c0d")));
  EXPECT_FALSE(layout::IsNameOf(K::kReferenceSet, "refs/20251125T140000Z"));
  EXPECT_FALSE(layout::IsNameOf(K::kBackupRecord, layout::RefsKey("20251125T140000Z-0a0b0c0d")));
  // Approvals (issue 14): approvals/<stamp>-<16 hex>.
  EXPECT_FALSE(layout::KindInfo(K::kApproval).reserved);
  EXPECT_TRUE(layout::IsNameOf(K::kApproval, "approvals/20261206T170000Z-0011223344556677"));
  EXPECT_FALSE(layout::IsNameOf(K::kApproval, "approvals/x"));
}

TEST(VaultLayoutTest, AuditNamesAreWriterAndTwelveDigitSeq) {
  using K = layout::ObjectKind;
  const std::string key = layout::AuditRecordKey("0123456789abcdef", 42);
  EXPECT_EQ(key, "audit/0123456789abcdef/000000000042");
  auto n = layout::ParseAuditRecordKey(key);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->writer_id, "0123456789abcdef");
  EXPECT_EQ(n->seq, 42u);
  EXPECT_TRUE(layout::IsNameOf(K::kAuditRecord, key));
  for (const char* bad : {"audit/0123456789abcdef/000000000000", "audit/0123456789ABCDEF/000000000001",
                          "audit/0123456789abcdef/00000000001", "audit/0123456789abcdef/00000000000x",
                          "audit/0123456789abcdef"}) {
    EXPECT_FALSE(layout::ParseAuditRecordKey(bad)) << bad;
  }
  const std::string cp = layout::AuditCheckpointKey(1764079200, "0123456789abcdef");
  EXPECT_EQ(cp, "audit-checkpoints/20251125T140000Z-0123456789abcdef");
  EXPECT_TRUE(layout::IsNameOf(K::kAuditCheckpoint, cp));
  EXPECT_EQ(layout::KindOfKey(cp)->kind, K::kAuditCheckpoint);
  EXPECT_EQ(layout::KindOfKey(key)->kind, K::kAuditRecord);
}

TEST(VaultLayoutTest, IsNameOfKeepsOnlyTheKindsShape) {
  ObjectId id{};
  id[0] = 0xab;
  using K = layout::ObjectKind;
  EXPECT_TRUE(layout::IsNameOf(K::kConfig, "config"));
  EXPECT_TRUE(layout::IsNameOf(K::kProbe, "probes/doctor-0123456789abcdef0123456789abcdef"));
  EXPECT_FALSE(layout::IsNameOf(K::kProbe, "probes/doctor-0123"));
  EXPECT_TRUE(layout::IsNameOf(K::kIndex, layout::IndexKey(id)));
  EXPECT_FALSE(layout::IsNameOf(K::kIndex, "index/" + IdToHex(id) + ".tmp"));
  EXPECT_FALSE(layout::IsNameOf(K::kManifest, layout::IndexKey(id)));
  EXPECT_TRUE(layout::IsNameOf(K::kPack, "packs/ab/" + IdToHex(id)));
  EXPECT_FALSE(layout::IsNameOf(K::kPack, "packs/" + IdToHex(id)));
  EXPECT_TRUE(layout::IsNameOf(K::kKeySlot, "keys/a_B-9"));
  EXPECT_FALSE(layout::IsNameOf(K::kKeySlot, "keys/a.b"));
  EXPECT_TRUE(layout::IsNameOf(K::kBackupRecord, "backups/20251125T140000Z-0a0b0c0d"));
  EXPECT_FALSE(layout::IsNameOf(K::kBackupRecord, "backups/x"));
  EXPECT_EQ(layout::ContentKey(K::kConfigSeal, id), "config-seal/" + IdToHex(id));
  EXPECT_EQ(layout::ParseContentKey(K::kConfigSeal, layout::ConfigSealKey(id)), id);
  EXPECT_FALSE(layout::ParseContentKey(K::kBackupRecord, "backups/" + IdToHex(id)).has_value());
}

TEST(VaultLayoutTest, V2AadNamesVaultKindAndIdentity) {
  using K = layout::ObjectKind;
  const std::string v = "0123456789abcdef0123456789abcdef";
  std::string a = layout::ObjectAadV2(v, K::kIndex, "index/ab");
  EXPECT_EQ(a, std::string("cassvault/v2\0", 13) + v + std::string("\0\5", 2) + "index/ab");
  EXPECT_NE(a, layout::ObjectAadV2(v, K::kManifest, "index/ab"));
  EXPECT_NE(a, layout::ObjectAadV2(v, K::kIndex, "index/ac"));
  EXPECT_NE(a, layout::ObjectAadV2("f123456789abcdef0123456789abcdef", K::kIndex, "index/ab"));
}

}  // namespace
}  // namespace cv
