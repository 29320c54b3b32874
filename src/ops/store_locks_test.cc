// Store-enforced locks (ops/store_locks.h): which objects of a locked backup get a lock, rounded up to the
// week, and that a lock the store already holds is not asked for again. The store here records the lock
// requests (a local directory cannot lock); the locks on real S3 and Azure servers are tested by
// tests/integration/test_store_locks.py.
#include "ops/store_locks.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <memory>
#include <set>

#include "core/vault_layout.h"
#include "ops/audit_verify.h"
#include "storage/forwarding_store.h"
#include "vault/audit_log.h"
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

// What the recording store was asked; shared with the test, so it outlives the store.
struct LockRequests {
  std::map<std::string, storage::ObjectLock> asked;
  std::set<std::string> refuse;  // keys refused as a store holding a longer lock would
  size_t requests = 0;
};

// Records every lock asked for.
class LockRecorder : public storage::ForwardingStore {
 public:
  LockRecorder(std::shared_ptr<storage::ObjectStore> inner, std::shared_ptr<LockRequests> seen)
      : ForwardingStore(std::move(inner)), seen_(std::move(seen)) {}
  Status SetLock(std::string_view key, const storage::ObjectLock& lock) override {
    if (seen_->refuse.count(std::string(key))) return Status::FailedPrecondition(key, "locked by the store");
    seen_->asked[std::string(key)] = lock;
    ++seen_->requests;
    return Status::OK();
  }

 private:
  std::shared_ptr<LockRequests> seen_;
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
  std::unique_ptr<vault::Vault> OpenRecording() {
    return Open("admin", std::make_unique<LockRecorder>(
                             std::shared_ptr<storage::ObjectStore>(LocalStoreAt(root())), rec_));
  }
  std::shared_ptr<LockRequests> rec_ = std::make_shared<LockRequests>();
  std::vector<BackupRecord> records_;
  std::string state_;
};

TEST(LockBucketTest, RoundsUpToTheNextMondayMidnightUtc) {
  const int64_t monday = 1765152000;  // 2025-12-08T00:00:00Z, a Monday
  EXPECT_EQ(LockBucket(monday), monday);
  EXPECT_EQ(LockBucket(monday + 1), monday + int64_t{7} * 86400);
  EXPECT_EQ(LockBucket(monday - 1), monday);
  EXPECT_EQ(LockBucket(monday - int64_t{6} * 86400), monday);  // the Tuesday before
  EXPECT_EQ(LockBucket(monday - int64_t{7} * 86400 + 1), monday);
}

TEST_F(StoreLocksTest, EveryObjectALockedBackupNeedsIsLockedOnceUntilItsWeek) {
  auto v = OpenRecording();
  LockRequests* rec = rec_.get();
  const int64_t until = 1798761600;  // 2027-01-01T00:00:00Z, a Friday
  const int64_t bucket = LockBucket(until);
  EXPECT_EQ(bucket, until + int64_t{3} * 86400);
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
  // The ledger names the vault's locked objects: owner-only, like everything in the cache.
  size_t ledgers = 0;
  for (const auto& e : std::filesystem::directory_iterator(state_)) {
    if (e.path().string().ends_with(".store-locks.sqlite")) {
      ++ledgers;
      EXPECT_EQ(static_cast<unsigned>(e.status().permissions()) & 0777u, 0600u) << e.path();
    }
  }
  EXPECT_EQ(ledgers, 1u);

  // Again: the ledger says the store holds them; nothing is sent.
  size_t before = rec->requests;
  r = ApplyStoreLocks(*v, {LockedBackup{records_[0], until - 86400}}, "locked", state_);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(rec->requests, before);
  EXPECT_EQ(r->requests, 0u);
  // A lock into the next week: every object once more, with the later bucket.
  r = ApplyStoreLocks(*v, {LockedBackup{records_[0], until + int64_t{5} * 86400}}, "locked", state_);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->requests, r->objects);
  EXPECT_EQ(rec->asked[layout::RefsKey(kA)].until, bucket + int64_t{7} * 86400);
}

TEST_F(StoreLocksTest, GovernanceForUnlockedNothingForDisabledRefusalsNamed) {
  auto v = OpenRecording();
  LockRequests* rec = rec_.get();
  auto r = ApplyStoreLocks(*v, {LockedBackup{records_[1], 1798761600}}, "disabled", state_);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(rec->requests, 0u);
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

namespace cv::ops {
namespace {

// Immutability `locked`: the audit trail's records and checkpoints get the latest lock of the vault too, so a
// holder of raw delete rights cannot remove the history the store keeps; `unlocked` (governance) does not.
TEST_F(StoreLocksTest, AuditObjectsAreLockedUntilTheLatestLockWhenImmutabilityIsLocked) {
  auto v = OpenRecording();
  LockRequests* rec = rec_.get();
  vault::AuditLog log(v->objects(), "0123456789abcdef");
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(log.Append(nlohmann::json{{"op", "test"}}).ok());
  auto cp = WriteAuditCheckpointNow(*v, "test", 1764979200);
  ASSERT_TRUE(cp.ok()) << cp.status().ToString();
  const int64_t until = 1798761600;
  auto r = ApplyStoreLocks(*v, {LockedBackup{records_[1], until}}, "unlocked", state_);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(rec->asked.count(layout::AuditRecordKey("0123456789abcdef", 1)), 0u);
  r = ApplyStoreLocks(*v, {LockedBackup{records_[1], until}}, "locked", state_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  for (const std::string& key : {layout::AuditRecordKey("0123456789abcdef", 1),
                                 layout::AuditRecordKey("0123456789abcdef", 3), cp->key}) {
    ASSERT_TRUE(rec->asked.count(key)) << key;
    EXPECT_EQ(rec->asked[key].until, LockBucket(until)) << key;
    EXPECT_EQ(rec->asked[key].mode, storage::LockMode::kCompliance) << key;
  }
}

}  // namespace
}  // namespace cv::ops
