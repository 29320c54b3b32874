// forget / undelete / retain / lock / settings on a real local v2 vault (ops/backup_marks_ops.h): what each
// writes, what each refuses before writing, and what list and restore make of the marks.
#include "ops/backup_marks_ops.h"

#include <gtest/gtest.h>

#include "core/vault_layout.h"
#include "vault/catalog_test_util.h"
#include "vault/vault_objects_test_util.h"

namespace cv::ops {
namespace {

using vault::testutil::CommitNodeBackup;
using vault::testutil::FilesUnder;
using vault::testutil::NodeBackup;

constexpr int64_t kNow = 1764979200;  // 2025-12-06T00:00:00Z
constexpr char kA1[] = "20251205T100000Z-0a0b0c0d";
constexpr char kA2[] = "20251205T100001Z-01020304";
constexpr char kB1[] = "20251205T110000Z-0a0b0c0e";

class MarksOpsTest : public vault::testutil::TwoKeyVaultTest {
 protected:
  void SetUp() override {
    TwoKeyVaultTest::SetUp();
    auto v = Open();
    ASSERT_TRUE(v->UsePartition("0123456789abcdef").ok());
    for (const auto& b : {NodeBackup{kA1, "daily-20251205T1000Z", "h1", "10.0.0.1"},
                          NodeBackup{kA2, "daily-20251205T1000Z", "h2", "10.0.0.2"},
                          NodeBackup{kB1, "manual", "h1", "10.0.0.1"}}) {
      auto r = CommitNodeBackup(*v, {{1, 2, 3}}, b);
      ASSERT_TRUE(r.ok()) << r.status().ToString();
    }
  }
  std::vector<std::string> Listed(vault::Vault& v, bool deleted = false) {
    auto all = v.ListBackups();
    EXPECT_TRUE(all.ok());
    auto state = LoadMarks(v);
    EXPECT_TRUE(state.ok());
    std::vector<std::string> ids;
    for (const auto& r : ApplyMarks(*all, *state, deleted, nullptr)) ids.push_back(r.backup_id);
    return ids;
  }
};

TEST(MarkDateTest, DatesAndRfc3339) {
  EXPECT_EQ(*ParseMarkDate("--until", "2027-01-01"), 1798761600);
  EXPECT_EQ(*ParseMarkDate("--until", "2027-01-01T12:00:00Z"), 1798761600 + 43200);
  EXPECT_EQ(*ParseMarkDate("--until", "2027-01-01T12:00:00+02:00"), 1798761600 + 36000);
  EXPECT_EQ(*ParseMarkDate("--until", "2027-01-01T12:00:00-05:30"), 1798761600 + 43200 + 19800);
  for (const char* bad : {"", "next year", "2027-13-01", "2027-02-30", "2027-01-01T12:00:00+25:00", "2027"}) {
    auto r = ParseMarkDate("--until", bad);
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(r.status().ToString().find("--until"), std::string::npos) << bad;
  }
}

TEST_F(MarksOpsTest, ForgetHidesUndeleteBringsBackTagAndNodeNarrowing) {
  auto v = Open();
  auto out = Forget(*v, "daily-20251205T1000Z", "10.0.0.2", "wrong", "admin", kNow);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ(out->backups.size(), 1u);
  EXPECT_EQ(out->backups[0].backup_id, kA2);
  EXPECT_EQ(out->until, kNow + int64_t{14} * 86400);
  EXPECT_EQ(Listed(*v), (std::vector<std::string>{kA1, kB1}));
  EXPECT_EQ(Listed(*v, true), (std::vector<std::string>{kA2}));
  // Restore of it: refused naming undelete.
  auto all = v->ListBackups();
  const BackupRecord& a2 = (*all)[1];
  ASSERT_EQ(a2.backup_id, kA2);
  Status st = RefuseDeletedBackup(*v, a2);
  EXPECT_EQ(st.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(st.message().find("`cassvault undelete " + std::string(kA2) + "`"), std::string::npos)
      << st.ToString();
  // The whole tag: the one already deleted is skipped, the other forgotten.
  out = Forget(*v, "daily-20251205T1000Z", "", "", "admin", kNow + 1);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->backups.size(), 1u);
  EXPECT_EQ(out->skipped.size(), 1u);
  EXPECT_EQ(Listed(*v), (std::vector<std::string>{kB1}));
  out = Undelete(*v, "daily-20251205T1000Z", "", "admin", kNow + 2);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->backups.size(), 2u);
  EXPECT_EQ(Listed(*v), (std::vector<std::string>{kA1, kA2, kB1}));
  EXPECT_TRUE(RefuseDeletedBackup(*v, a2).ok());
  EXPECT_EQ(Undelete(*v, kA1, "", "admin", kNow + 3).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(Forget(*v, "nope", "", "", "admin", kNow).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(Forget(*v, kB1, "", std::string(1025, 'x'), "admin", kNow).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(MarksOpsTest, SoftDeleteDisabledPurgesAfterNowAndPurgedIsGone) {
  auto v = Open();
  SettingsChange off;
  off.soft_delete = "disabled";
  ASSERT_TRUE(ChangeSettings(*v, off, "admin", kNow).ok());
  auto out = Forget(*v, kB1, "", "", "admin", kNow + 5);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->until, kNow + 5);
  // Prune's purged mark: undelete says the data is gone.
  ASSERT_TRUE(
      v->marks()
          .Append({marks::Entry{marks::Op::kPurged, kB1, "", kNow + 10, 0, "prune", "admin"}}, kNow + 10)
          .ok());
  auto r = Undelete(*v, kB1, "", "admin", kNow + 20);
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_NE(r.status().message().find("was purged on 2025-12-06T00:00:10Z; its data is gone"),
            std::string::npos)
      << r.status().ToString();
  EXPECT_EQ(Listed(*v, true), std::vector<std::string>{});  // purged: not even in --deleted
}

TEST_F(MarksOpsTest, LocksRefuseForgetAndShorteningBeforeWriting) {
  auto v = Open();
  ASSERT_TRUE(Lock(*v, kA1, "", "", kNow + 1000, "admin", kNow).ok());
  const auto marks_before = FilesUnder(root(), "marks");
  auto r = Forget(*v, "daily-20251205T1000Z", "", "", "admin", kNow + 1);
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(
      r.status().message().find("backup " + std::string(kA1) +
                                " (tag daily-20251205T1000Z, 10.0.0.1) is locked until 2025-12-06T00:16:40Z "
                                "(lock set by admin on 2025-12-06T00:00:00Z); nothing forgotten"),
      std::string::npos)
      << r.status().ToString();
  // A tag is forgotten whole or not at all: A2, not locked, was not forgotten either.
  EXPECT_EQ(FilesUnder(root(), "marks"), marks_before);
  EXPECT_EQ(Lock(*v, kA1, "", "", kNow + 999, "admin", kNow + 1).status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(Lock(*v, kA1, "", "", kNow - 1, "admin", kNow).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(FilesUnder(root(), "marks"), marks_before);

  // A policy lock covers every backup of the policy's tags ("daily-..."), not the "manual" tag.
  ASSERT_TRUE(Lock(*v, "", "", "daily", kNow + 5000, "admin", kNow).ok());
  EXPECT_EQ(Forget(*v, kA2, "", "", "admin", kNow + 1).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(Lock(*v, "", "", "daily", kNow + 10, "admin", kNow + 1).status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_TRUE(Forget(*v, kB1, "", "", "admin", kNow + 1).ok());
  // Expired: forget goes through.
  EXPECT_TRUE(Forget(*v, kA1, "", "", "admin", kNow + 5001).ok());
  // Retain is a rule, not a lock: forget still works (prune is what keeps it).
  ASSERT_TRUE(Retain(*v, kA2, "", kNow + 100000, "admin", kNow + 5001).ok());
  EXPECT_TRUE(Forget(*v, kA2, "", "", "admin", kNow + 5002).ok());
  EXPECT_EQ(Listed(*v), std::vector<std::string>{});
}

TEST_F(MarksOpsTest, WriterKeyRefusedBeforeAnythingIsWritten) {
  auto w = Open("writer");
  EXPECT_EQ(Forget(*w, kA1, "", "", "w", kNow).status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(Undelete(*w, kA1, "", "w", kNow).status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(Retain(*w, kA1, "", kNow + 10, "w", kNow).status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(Lock(*w, kA1, "", "", kNow + 10, "w", kNow).status().code(), StatusCode::kPermissionDenied);
  SettingsChange c;
  c.soft_delete = "always-on";
  EXPECT_EQ(ChangeSettings(*w, c, "w", kNow).status().code(), StatusCode::kPermissionDenied);
  EXPECT_TRUE(FilesUnder(root(), "marks").empty());
  EXPECT_TRUE(FilesUnder(root(), "settings").empty());
}

TEST_F(MarksOpsTest, ImmutabilityOnALocalDirectoryNeedsNoProbe) {
  auto v = Open();
  SettingsChange c;
  c.immutability = "locked";
  auto s = ChangeSettings(*v, c, "admin", kNow);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->immutability, "locked");
  c.immutability = "unlocked";
  EXPECT_EQ(ChangeSettings(*v, c, "admin", kNow + 1).status().code(), StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace cv::ops
