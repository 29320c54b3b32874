// What prune decides (ops/prune.h) on a real local v2 vault: each policy's tags by its own rules, tags no
// policy made kept unless rules are given, soft-deleted backups purged only after their period and never
// while locked; and that a dry run, a writer key and a held lease change nothing. The garbage collection it
// then runs is tested in vault/gc_collect_test.cc; prune racing real backups in
// tests/integration/test_prune.py.
#include "ops/prune.h"

#include <gtest/gtest.h>

#include "core/policy.h"
#include "ops/backup_marks_ops.h"
#include "vault/catalog_test_util.h"
#include "vault/lease.h"
#include "vault/vault_objects_test_util.h"

namespace cv::ops {
namespace {

using vault::testutil::CommitNodeBackup;
using vault::testutil::FilesUnder;
using vault::testutil::NodeBackup;

constexpr int64_t kNow = 1765065600;  // 2025-12-07T00:00:00Z
constexpr char kOld1[] = "20251205T100000Z-0a0b0c01";
constexpr char kOld2[] = "20251205T100001Z-0a0b0c02";
constexpr char kNew1[] = "20251206T100000Z-0a0b0c03";
constexpr char kNew2[] = "20251206T100001Z-0a0b0c04";
constexpr char kManual[] = "20251206T120000Z-0a0b0c05";

class PruneTest : public vault::testutil::TwoKeyVaultTest {
 protected:
  void SetUp() override {
    TwoKeyVaultTest::SetUp();
    auto v = Open();
    ASSERT_TRUE(v->UsePartition("0123456789abcdef").ok());
    for (const auto& b :
         {NodeBackup{kOld1, "daily-20251205T1000Z", "h1", "10.0.0.1"},
          NodeBackup{kOld2, "daily-20251205T1000Z", "h2", "10.0.0.2"},
          NodeBackup{kNew1, "daily-20251206T1000Z", "h1", "10.0.0.1"},
          NodeBackup{kNew2, "daily-20251206T1000Z", "h2", "10.0.0.2"},
          NodeBackup{kManual, "manual", "h1", "10.0.0.1", "dc1", kNow - int64_t{12} * 3600}}) {
      auto r = CommitNodeBackup(*v, {{1, 2, 3}}, b);
      ASSERT_TRUE(r.ok()) << r.status().ToString();
    }
    auto p = policy::PolicyFromJson(
        R"({"name": "daily", "schedule": {"cron": "0 10 * * *", "time_zone": "UTC"}, "retention": {"keep_last": 1}})",
        "test policy");
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    ASSERT_TRUE(v->policies().Set("daily", policy::PolicyToJson(*p), "admin", kNow - 86400).ok());
  }
  PruneOptions Options() {
    PruneOptions o;
    o.now = kNow;
    o.work_dir = (root() / "cli-cache").string();
    return o;
  }
  static const TagPlan& Tag(const PruneReport& r, const std::string& tag) {
    for (const auto& t : r.tags) {
      if (t.tag == tag) return t;
    }
    static TagPlan none;
    ADD_FAILURE() << "no tag " << tag;
    return none;
  }
};

TEST_F(PruneTest, EachPolicyJudgesItsOwnTagsAndOthersAreKept) {
  auto v = Open();
  auto r = PlanPrune(*v, Options());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->tags.size(), 3u);
  const TagPlan& old = Tag(*r, "daily-20251205T1000Z");
  EXPECT_FALSE(old.keep);
  EXPECT_EQ(old.policy, "daily");
  EXPECT_EQ(old.records.size(), 2u);
  EXPECT_EQ(old.reasons, std::vector<std::string>{"no rule keeps it"});
  const TagPlan& fresh = Tag(*r, "daily-20251206T1000Z");
  EXPECT_TRUE(fresh.keep);
  EXPECT_EQ(fresh.time, kNow - int64_t{14} * 3600);  // the slot the tag names, not when a node started
  const TagPlan& manual = Tag(*r, "manual");
  EXPECT_TRUE(manual.keep);
  EXPECT_EQ(manual.reasons, std::vector<std::string>{"made by no policy, and no rules given"});
  // Rules given: they judge every tag, the manual one (the newest) too.
  PruneOptions o = Options();
  o.rules = retention::Rules{};
  o.rules->keep_last = 1;
  r = PlanPrune(*v, o);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(Tag(*r, "daily-20251206T1000Z").keep);
  EXPECT_TRUE(Tag(*r, "manual").keep);
}

TEST_F(PruneTest, DryRunAndAWriterKeyChangeNothing) {
  auto before = FilesUnder(root(), "");
  PruneOptions o = Options();
  o.dry_run = true;
  auto v = Open();
  auto r = RunPrune(*v, o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(Tag(*r, "daily-20251205T1000Z").keep);
  EXPECT_EQ(r->forgotten, 0u);
  EXPECT_EQ(FilesUnder(root(), ""), before);
  auto w = Open("writer");
  auto denied = RunPrune(*w, Options());
  EXPECT_EQ(denied.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(denied.status().message().find("needs the vault's admin key"), std::string::npos);
  EXPECT_EQ(FilesUnder(root(), ""), before);
}

TEST_F(PruneTest, AHeldLeaseRefusesAndAForgottenBackupWaitsForItsPeriodUnlessLocked) {
  auto v = Open();
  {
    auto held = vault::Lease::Acquire(v->objects(), v->keys(), "maintenance",
                                      "daemon --maintenance on other-host", 900, kNow);
    ASSERT_TRUE(held.ok());
    auto before = FilesUnder(root(), "marks");
    auto r = RunPrune(*v, Options());
    EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
    EXPECT_NE(r.status().message().find("held by daemon --maintenance on other-host"), std::string::npos)
        << r.status().ToString();
    EXPECT_EQ(FilesUnder(root(), "marks"), before);
    ASSERT_TRUE(held->Release().ok());
  }
  // Prune forgets the old tag: soft-deleted for 14 days.
  auto r = RunPrune(*v, Options());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->forgotten, 2u);
  EXPECT_EQ(r->purged, 0u);
  // Within the period it waits; after it, purged; a locked one never.
  ASSERT_TRUE(Lock(*v, kOld2, "", "", kNow + int64_t{30} * 86400, "admin", kNow).ok());
  PruneOptions later = Options();
  later.now = kNow + int64_t{15} * 86400;
  auto plan = PlanPrune(*v, Options());
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan->deleted.size(), 2u);
  EXPECT_EQ(plan->deleted[0].action, "wait");
  plan = PlanPrune(*v, later);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->deleted[0].record.backup_id, kOld1);
  EXPECT_EQ(plan->deleted[0].action, "purge");
  EXPECT_EQ(plan->deleted[1].action, "locked");
  r = RunPrune(*v, later);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->purged, 1u);
  auto all = v->ListBackups();
  ASSERT_TRUE(all.ok());
  std::vector<std::string> ids;
  for (const auto& b : *all) ids.push_back(b.backup_id);
  EXPECT_EQ(ids, (std::vector<std::string>{kOld2, kNew1, kNew2, kManual}));  // kOld1's record is gone
}

}  // namespace
}  // namespace cv::ops
