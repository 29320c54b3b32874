#include "core/approval.h"

#include <gtest/gtest.h>

namespace cv::approval {
namespace {

TEST(ApprovalTest, CanonicalSortsParametersAndLists) {
  EXPECT_EQ(KeyRemove("0123456789abcdef").Canonical(), "key.remove slot=0123456789abcdef");
  EXPECT_EQ(SoftDeleteDisable().Canonical(), "soft-delete.disable");
  EXPECT_EQ(ImmutabilityDisable().Canonical(), "immutability.disable");
  EXPECT_EQ(LockShorten({"B", "A"}, 1798761600).Canonical(),
            "lock.shorten backup=A,B until=2027-01-01T00:00:00Z");
  EXPECT_EQ(LockRemove({"X"}).Canonical(), "lock.remove backup=X");
  EXPECT_EQ(PolicyLockRemove("nightly").Canonical(), "lock.remove policy=nightly");
  EXPECT_EQ(RetentionLower("nightly", "ab12").Canonical(), "retention.lower policy=nightly version=ab12");
  EXPECT_EQ(PurgeEarly({"B", "A", "B"}).Canonical(), "purge.early backups=A,B");
  EXPECT_EQ(GuardianAdd("00ff").Canonical(), "guardian.add guardian=00ff");
}

TEST(ApprovalTest, ParseRoundTripsAndRefusesNonCanonicalText) {
  for (const Operation& op : {KeyRemove("s1"), SoftDeleteDisable(), LockShorten({"A", "B"}, 1798761600),
                              RetentionLower("p", "00"), PurgeEarly({"A"})}) {
    auto back = ParseOperation(op.Canonical());
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(*back, op);
    EXPECT_EQ(back->Canonical(), op.Canonical());
  }
  for (const char* bad : {"", " key.remove", "key.remove  slot=a", "Key.remove", "key.remove slot",
                          "key.remove slot=", "key.remove =a", "lock.shorten until=x backup=a",
                          "key.remove slot=a slot=b", "key.remove slot=a=b", "key.remove SLOT=a"}) {
    EXPECT_FALSE(ParseOperation(bad).ok()) << bad;
  }
}

TEST(ApprovalTest, ListParamSplitsCommas) {
  EXPECT_EQ(ListParam(PurgeEarly({"B", "A"}), "backups"), (std::vector<std::string>{"A", "B"}));
  EXPECT_TRUE(ListParam(SoftDeleteDisable(), "backups").empty());
}

policy::Retention R() {
  policy::Retention r;
  r.keep_daily = 7;
  r.keep_weekly = 4;
  r.keep_within_seconds = 7 * 86400;
  r.min_age_seconds = 86400;
  return r;
}

TEST(ApprovalTest, LowersRetentionTable) {
  struct Case {
    const char* name;
    void (*change)(policy::Retention&);
    bool lowers;
  };
  const Case cases[] = {
      {"unchanged", [](policy::Retention&) {}, false},
      {"count lower", [](policy::Retention& r) { r.keep_daily = 6; }, true},
      {"count removed", [](policy::Retention& r) { r.keep_weekly.reset(); }, true},
      {"count raised", [](policy::Retention& r) { r.keep_daily = 30; }, false},
      {"count added", [](policy::Retention& r) { r.keep_yearly = 2; }, false},
      {"keep_within shorter", [](policy::Retention& r) { r.keep_within_seconds = 86400; }, true},
      {"keep_within removed", [](policy::Retention& r) { r.keep_within_seconds.reset(); }, true},
      {"keep_within longer", [](policy::Retention& r) { r.keep_within_seconds = 30 * 86400; }, false},
      {"min_age shorter", [](policy::Retention& r) { r.min_age_seconds = 3600; }, true},
      {"min_age removed", [](policy::Retention& r) { r.min_age_seconds.reset(); }, true},
      {"min_age longer", [](policy::Retention& r) { r.min_age_seconds = 2 * 86400; }, false},
      {"max_age added", [](policy::Retention& r) { r.max_age_seconds = 90 * 86400; }, true},
  };
  for (const Case& c : cases) {
    policy::Retention next = R();
    c.change(next);
    EXPECT_EQ(LowersRetention(R(), next), c.lowers) << c.name;
  }
  policy::Retention with_max = R(), next = R();
  with_max.max_age_seconds = 90 * 86400;
  next.max_age_seconds = 30 * 86400;
  EXPECT_TRUE(LowersRetention(with_max, next)) << "max_age shorter";
  next.max_age_seconds = 180 * 86400;
  EXPECT_FALSE(LowersRetention(with_max, next)) << "max_age longer";
  next.max_age_seconds.reset();
  EXPECT_FALSE(LowersRetention(with_max, next)) << "max_age removed";
  // No keep rule keeps everything: the first keep rule deletes; a floor alone does not.
  policy::Retention none, first;
  first.keep_last = 30;
  EXPECT_TRUE(LowersRetention(none, first)) << "first keep rule";
  first = {};
  first.min_age_seconds = 86400;
  EXPECT_FALSE(LowersRetention(none, first)) << "min_age alone";
}

}  // namespace
}  // namespace cv::approval
