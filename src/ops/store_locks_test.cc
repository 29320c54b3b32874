// Store-enforced locks (ops/store_locks.h): which objects of a locked backup get a lock, rounded up to the
// week, and that a lock the store already holds is not asked for again. The store here records the lock
// requests (a local directory cannot lock); the locks on real S3 and Azure servers are tested by
// tests/integration/test_store_locks.py.
#include "ops/store_locks.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "core/vault_layout.h"
#include "storage/forwarding_store.h"
#include "vault/catalog_test_util.h"
#include "vault/vault_objects_test_util.h"

namespace cv::ops {
namespace {

using vault::testutil::CommitNodeBackup;
using vault::testutil::LocalStoreAt;
using vault::testutil::NodeBackup;

constexpr char kNode[] = "0123456789abcdef";
constexpr char kA[] = "20251205T100000Z-0a0b0c0d";
constexpr char kB[] = "20251205T110000Z-0a0b0c0e";

// Records every lock asked for; refuses the keys in `refuse` as a store with a longer lock would.
class LockRecorder : public storage::ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;
  Status SetLock(std::string_view key, const storage::ObjectLock& lock) override {
    if (refuse.count(std::string(key))) return Status::FailedPrecondition(key, "locked by the store");
    asked[std::string(key)] = lock;
    ++requests;
    return Status::OK();
  }
  std::map<std::string, storage::ObjectLock> asked;
  std::set<std::string> refuse;
  int requests = 0;
};

class StoreLocksTest : public vault::testutil::TwoKeyVaultTest {
 protected:
  void SetUp() override {
    TwoKeyVaultTest::SetUp();
    auto v = Open();
    ASSERT_TRUE(v->UsePartition(kNode).ok());
    for (const auto& b : {NodeBackup{kA, "daily-a", "h1"}, NodeBackup{kB, "daily-b", "h1"}}) {
      auto r = CommitNodeBackup(*v, {{1, 2, 3}, {4, 5, 6}}, b);
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      records_.push_back(*r);
    }
    state_ = (root() / "cli-cache").string();  // beside the vault objects, in the test's scratch directory
  }
  std::unique_ptr<vault::Vault> OpenRecording(LockRecorder** rec) {
    auto store = std::make_unique<LockRecorder>(std::shared_ptr<storage::ObjectStore>(LocalStoreAt(root())));
    *rec = store.get();
    return Open("admin", std::move(store));
  }
  std::vector<BackupRecord> records_;
  std::string state_;
};

TEST(LockBucketTest, RoundsUpToTheNextMondayMidnightUtc) {
  const int64_t monday = 1765152000;  // 2025-12-08T00:00:00Z, a Monday
  EXPECT_EQ(LockBucket(monday), monday);
  EXPECT_EQ(LockBucket(monday + 1), monday + 7 * 86400);
  EXPECT_EQ(LockBucket(monday - 1), monday);
  EXPECT_EQ(LockBucket(monday - 6 * 86400), monday);  // the Tuesday before
  EXPECT_EQ(LockBucket(monday - 7 * 86400 + 1), monday);
}

TEST_F(StoreLocksTest, EveryObjectALockedBackupNeedsIsLockedOnceUntilItsWeek) {
  LockRecorder* rec = nullptr;
  auto v = OpenRecording(&rec);
  const int64_t until = 1798761600;  // 2027-01-01T00:00:00Z, a Friday
  const int64_t bucket = LockBucket(until);
  EXPECT_EQ(bucket, until + 3 * 86400);
  auto r = ApplyStoreLocks(*v, {LockedBackup{records_[0], until}}, "locked", state_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const BackupRecord& a = records_[0];
  for (const std::string& key : {layout::ManifestKey(a.manifest_id), layout::RefsKey(a.backup_id),
                                 layout::ContentKeyObjectKey(a.content_key), std::string("config")}) {
    ASSERT_TRUE(rec->asked.count(key)) << key;
    EXPECT_EQ(rec->asked[key].until, bucket) << key;
    EXPECT_EQ(rec->asked[key].mode, storage::LockMode::kCompliance) << key;
  }
  size_t packs = 0, segments = 0, slots = 0;
  for (const auto& [key, lock] : rec->asked) {
    packs += key.rfind("packs/" + std::string(kNode) + "/", 0) == 0;
    segments += key.rfind("catalog/", 0) == 0 && key.find(kA) != std::string::npos;
    slots += key.rfind("keys/", 0) == 0;
  }
  EXPECT_GE(packs, 1u);
  EXPECT_EQ(segments, 1u);
  EXPECT_EQ(slots, 2u);  // the admin's and the writer's slot: nothing opens the vault without them
  EXPECT_EQ(r->requests, rec->asked.size());
  EXPECT_EQ(r->refused, 0u);
  EXPECT_EQ(rec->asked.count(layout::RefsKey(kB)), 0u);  // not locked: not asked

  // Again: the ledger says the store holds them; nothing is sent.
  int before = rec->requests;
  r = ApplyStoreLocks(*v, {LockedBackup{records_[0], until - 86400}}, "locked", state_);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(rec->requests, before);
  EXPECT_EQ(r->requests, 0u);
  // A lock into the next week: every object once more, with the later bucket.
  r = ApplyStoreLocks(*v, {LockedBackup{records_[0], until + 5 * 86400}}, "locked", state_);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->requests, r->objects);
  EXPECT_EQ(rec->asked[layout::RefsKey(kA)].until, bucket + 7 * 86400);
}

TEST_F(StoreLocksTest, GovernanceForUnlockedNothingForDisabledRefusalsNamed) {
  LockRecorder* rec = nullptr;
  auto v = OpenRecording(&rec);
  auto r = ApplyStoreLocks(*v, {LockedBackup{records_[1], 1798761600}}, "disabled", state_);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(rec->requests, 0);
  EXPECT_FALSE(std::filesystem::exists(state_));
  rec->refuse.insert(layout::RefsKey(kB));
  r = ApplyStoreLocks(*v, {LockedBackup{records_[1], 1798761600}}, "unlocked", state_);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(rec->asked[layout::ManifestKey(records_[1].manifest_id)].mode, storage::LockMode::kGovernance);
  EXPECT_EQ(r->refused, 1u);
  ASSERT_EQ(r->notes.size(), 1u);
  EXPECT_NE(r->notes[0].find(layout::RefsKey(kB)), std::string::npos) << r->notes[0];
  // The refused one is asked again next time; the others are not.
  rec->refuse.clear();
  r = ApplyStoreLocks(*v, {LockedBackup{records_[1], 1798761600}}, "unlocked", state_);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->requests, 1u);
}

}  // namespace
}  // namespace cv::ops
