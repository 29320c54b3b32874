#include "core/backup_marks.h"

#include <gtest/gtest.h>

namespace cv::marks {
namespace {

constexpr char kA[] = "20261201T100000Z-0a0b0c0d";
constexpr char kB[] = "20261201T110000Z-01020304";

Entry E(Op op, std::string backup, int64_t at, int64_t until = 0, std::string policy = "") {
  return Entry{op, std::move(backup), std::move(policy), at, until, "why", "admin"};
}

TEST(BackupMarksTest, ForgetThenUndeleteFoldsByTimeThenInputOrder) {
  State s;
  s.Add(E(Op::kForget, kA, 100, 200));
  EXPECT_TRUE(s.Of(kA, "t").deleted);
  EXPECT_EQ(s.Of(kA, "t").purge_after, 200);
  EXPECT_EQ(s.Of(kA, "t").deleted_at, 100);
  EXPECT_FALSE(s.Of(kB, "t").deleted);
  s.Add(E(Op::kUndelete, kA, 150));
  EXPECT_FALSE(s.Of(kA, "t").deleted);
  // An older forget read later (another admin's object) does not undo the newer undelete.
  s.Add(E(Op::kForget, kA, 120, 300));
  EXPECT_FALSE(s.Of(kA, "t").deleted);
  // Same time: the later in input order decides.
  s.Add(E(Op::kForget, kA, 150, 400));
  EXPECT_TRUE(s.Of(kA, "t").deleted);
  EXPECT_EQ(s.Of(kA, "t").purge_after, 400);
}

TEST(BackupMarksTest, PurgedIsStickyAndLockIsTheMaximum) {
  State s;
  s.Add(E(Op::kForget, kA, 100, 100));
  s.Add(E(Op::kPurged, kA, 300));
  s.Add(E(Op::kUndelete, kA, 400));
  EXPECT_TRUE(s.Of(kA, "t").purged);
  EXPECT_EQ(s.Of(kA, "t").purged_at, 300);
  s.Add(E(Op::kLock, kB, 10, 5000));
  s.Add(E(Op::kLock, kB, 20, 1000));  // a later, shorter lock does not shorten it
  EXPECT_EQ(s.Of(kB, "t").locked_until, 5000);
  EXPECT_EQ(s.Of(kB, "t").lock_at, 10);
  s.Add(E(Op::kRetain, kB, 10, 900));
  s.Add(E(Op::kRetain, kB, 30, 700));  // retain is a rule: the latest wins, shorter or not
  EXPECT_EQ(s.Of(kB, "t").retain_until, 700);
}

TEST(BackupMarksTest, PolicyLockCoversOnlyThePolicysTags) {
  State s;
  s.Add(E(Op::kLock, "", 10, 9000, "daily"));
  s.Add(E(Op::kLock, "", 11, 8000, "daily"));
  EXPECT_EQ(s.PolicyLock("daily"), 9000);
  EXPECT_EQ(s.PolicyLock("hourly"), 0);
  EXPECT_EQ(s.Of(kA, "daily-20261201T1000Z").locked_until, 9000);
  EXPECT_EQ(s.Of(kA, "dailyx-20261201T1000Z").locked_until, 0);
  EXPECT_EQ(s.Of(kA, "daily").locked_until, 0);
  EXPECT_EQ(s.Of(kA, "manual").locked_until, 0);
  // A backup's own longer lock wins over the policy's.
  s.Add(E(Op::kLock, kA, 12, 10000));
  EXPECT_EQ(s.Of(kA, "daily-20261201T1000Z").locked_until, 10000);
}

TEST(BackupMarksTest, CompactKeepsTheSameFold) {
  State s;
  s.Add(E(Op::kForget, kA, 100, 200));
  s.Add(E(Op::kUndelete, kA, 150));
  s.Add(E(Op::kForget, kB, 100, 200));
  s.Add(E(Op::kForget, kB, 110, 300));
  s.Add(E(Op::kLock, kB, 10, 5000));
  s.Add(E(Op::kLock, kB, 20, 1000));
  s.Add(E(Op::kRetain, kB, 20, 700));
  s.Add(E(Op::kLock, "", 11, 8000, "daily"));
  s.Add(E(Op::kLock, "", 12, 7000, "daily"));
  std::vector<Entry> c = s.Compact();
  EXPECT_EQ(c.size(), 4u);  // B: forget, retain, lock; policy daily: lock. A: nothing (undeleted)
  State t;
  for (const Entry& e : c) t.Add(e);
  for (const char* id : {kA, kB}) {
    BackupState x = s.Of(id, "daily-1"), y = t.Of(id, "daily-1");
    EXPECT_EQ(x.deleted, y.deleted);
    EXPECT_EQ(x.purge_after, y.purge_after);
    EXPECT_EQ(x.locked_until, y.locked_until);
    EXPECT_EQ(x.retain_until, y.retain_until);
  }
  EXPECT_EQ(t.PolicyLock("daily"), 8000);
}

TEST(BackupMarksTest, JsonRoundTripAndRejects) {
  MarkObject m{42,
               {E(Op::kForget, kA, 1, 2), E(Op::kLock, "", 3, 4, "daily")},
               {"marks/20261201T100000Z-0123456789abcdef"}};
  auto back = MarkObjectFromJson(MarkObjectToJson(m), "marks/x");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->written_at, 42);
  ASSERT_EQ(back->entries.size(), 2u);
  EXPECT_EQ(back->entries[0].backup_id, kA);
  EXPECT_EQ(back->entries[0].until, 2);
  EXPECT_EQ(back->entries[1].policy, "daily");
  EXPECT_EQ(back->supersedes, m.supersedes);

  auto bad = [](const std::string& text) { return MarkObjectFromJson(text, "marks/x").status(); };
  EXPECT_TRUE(bad("nope").IsCorruption());
  const std::string head = R"({"written_at":1,"supersedes":[],"entries":[)";
  EXPECT_TRUE(bad(head + R"({"op":"explode","at":1,"until":0,"reason":"","by":"","backup":")" + kA + "\"}]}")
                  .IsCorruption());
  EXPECT_TRUE(bad(head + R"({"op":"forget","at":1,"until":0,"reason":"","by":""}]})").IsCorruption());
  EXPECT_TRUE(bad(head + R"({"op":"forget","at":1,"until":0,"reason":"","by":"","policy":"daily"}]})")
                  .IsCorruption());
  EXPECT_TRUE(
      bad(head + R"({"op":"forget","at":1,"until":0,"reason":"","by":"","backup":"../x"}]})").IsCorruption());
  EXPECT_TRUE(bad(R"({"written_at":1,"supersedes":["config"],"entries":[]})").IsCorruption());
}

}  // namespace
}  // namespace cv::marks

namespace cv::marks {
namespace {

Entry Approved(Entry e, std::string approval = "20261206T170000Z-00112233aabbccdd") {
  e.approval = std::move(approval);
  return e;
}

TEST(BackupMarksApprovalTest, OnlyAnApprovedLockEntryLowersALock) {
  State s;
  s.Add(E(Op::kLock, kA, 100, 5000));
  s.Add(E(Op::kLock, kA, 200, 1000));  // plain: cannot shorten
  EXPECT_EQ(s.Of(kA, "t").locked_until, 5000);
  s.Add(Approved(E(Op::kLock, kA, 300, 2000)));
  EXPECT_EQ(s.Of(kA, "t").locked_until, 2000);
  // A plain lock after the approved one still only lengthens it.
  s.Add(E(Op::kLock, kA, 400, 1500));
  EXPECT_EQ(s.Of(kA, "t").locked_until, 2000);
  s.Add(E(Op::kLock, kA, 500, 3000));
  EXPECT_EQ(s.Of(kA, "t").locked_until, 3000);
  // An approved unlock (until 0) ends it; an older plain lock read later does not bring it back.
  s.Add(Approved(E(Op::kLock, kA, 600, 0)));
  s.Add(E(Op::kLock, kA, 550, 9000));
  EXPECT_EQ(s.Of(kA, "t").locked_until, 0);
  // Compaction keeps the same answer.
  State c;
  for (const Entry& e : s.Compact()) c.Add(e);
  EXPECT_EQ(c.Of(kA, "t").locked_until, 0);
}

TEST(BackupMarksApprovalTest, CompactionKeepsTheApprovedResetUnderALaterLongerLock) {
  State s;
  s.Add(E(Op::kLock, kA, 100, 5000));
  s.Add(Approved(E(Op::kLock, kA, 200, 1000)));
  s.Add(E(Op::kLock, kA, 300, 2000));
  EXPECT_EQ(s.Of(kA, "t").locked_until, 2000);
  State c;
  for (const Entry& e : s.Compact()) c.Add(e);
  EXPECT_EQ(c.Of(kA, "t").locked_until, 2000);
  EXPECT_EQ(c.size(), 2u);
}

TEST(BackupMarksApprovalTest, ApprovedPolicyLockReset) {
  State s;
  s.Add(E(Op::kLock, "", 100, 5000, "nightly"));
  s.Add(E(Op::kLock, "", 200, 10, "nightly"));
  EXPECT_EQ(s.PolicyLock("nightly"), 5000);
  s.Add(Approved(E(Op::kLock, "", 300, 0, "nightly")));
  EXPECT_EQ(s.PolicyLock("nightly"), 0);
  EXPECT_EQ(s.Of(kA, "nightly-20261201T100000Z").locked_until, 0);
}

TEST(BackupMarksApprovalTest, APurgeDateComesCloserOnlyWithAnApproval) {
  State s;
  s.Add(E(Op::kForget, kA, 100, 10000));
  s.Add(E(Op::kForget, kA, 200, 200));  // plain re-forget: the purge date stays
  EXPECT_EQ(s.Of(kA, "t").purge_after, 10000);
  s.Add(Approved(E(Op::kForget, kA, 300, 300)));
  EXPECT_EQ(s.Of(kA, "t").purge_after, 300);
  State c;
  for (const Entry& e : s.Compact()) c.Add(e);
  EXPECT_EQ(c.Of(kA, "t").purge_after, 300);
  // After an undelete, a new forget starts a new deletion with its own date.
  s.Add(E(Op::kUndelete, kA, 400));
  s.Add(E(Op::kForget, kA, 500, 600));
  EXPECT_EQ(s.Of(kA, "t").purge_after, 600);
}

TEST(BackupMarksApprovalTest, ApprovalIdRoundTripsAndOnlyOnLockOrForget) {
  MarkObject m;
  m.written_at = 1;
  m.entries = {Approved(E(Op::kLock, kA, 100, 0))};
  auto back = MarkObjectFromJson(MarkObjectToJson(m), "m");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->entries[0].approval, m.entries[0].approval);
  m.entries = {Approved(E(Op::kRetain, kA, 100, 0))};
  EXPECT_TRUE(MarkObjectFromJson(MarkObjectToJson(m), "m").status().IsCorruption());
}

}  // namespace
}  // namespace cv::marks

namespace cv::marks {
namespace {

TEST(BackupMarksApprovalTest, APlainLockInTheSameSecondAsAnApprovedUnlockStillCounts) {
  // Mark objects of one second list in random order: whichever comes first, the lock holds.
  for (bool lock_first : {true, false}) {
    State s;
    Entry unlock = E(Op::kLock, kA, 600, 0);
    unlock.approval = "20261206T170000Z-00112233aabbccdd";
    Entry lock = E(Op::kLock, kA, 600, 9000);
    s.Add(lock_first ? lock : unlock);
    s.Add(lock_first ? unlock : lock);
    EXPECT_EQ(s.Of(kA, "t").locked_until, 9000) << lock_first;
  }
}

}  // namespace
}  // namespace cv::marks
