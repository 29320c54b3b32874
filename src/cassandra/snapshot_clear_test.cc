#include "cassandra/snapshot_clear.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "cassandra/test_util.h"

namespace cv::cassandra {
namespace {

namespace fs = std::filesystem;

constexpr char kId[] = "5a1c395e2b2911efa3c6b7ea7c6d3b1f";

class SnapshotClearTest : public ::testing::Test {
 protected:
  void SetUp() override {
    d1_ = root_.path() + "/data1";
    d2_ = root_.path() + "/data2";
    t1a_ = d1_ + "/ks1/t1-" + kId;
    t1b_ = d2_ + "/ks1/t1-" + kId;
    testing::WriteFile(t1a_ + "/snapshots/bk-1/nb-1-big-Data.db", "a");
    testing::WriteFile(t1a_ + "/snapshots/bk-1/.t1_idx/nb-1-big-Data.db", "idx");
    testing::WriteFile(t1a_ + "/snapshots/bk-1/manifest.json", "{}");
    testing::WriteFile(t1b_ + "/snapshots/bk-1/nb-2-big-Data.db", "b");
    // Not ours: another tag, a tag with our name as prefix, live files, backups/, a stray dir named bk-1.
    testing::WriteFile(t1a_ + "/snapshots/bk-10/nb-1-big-Data.db", "other");
    testing::WriteFile(t1a_ + "/snapshots/other/nb-1-big-Data.db", "other");
    testing::WriteFile(t1a_ + "/nb-1-big-Data.db", "live");
    testing::WriteFile(t1a_ + "/backups/bk-1/nb-1-big-Data.db", "incremental");
    testing::WriteFile(t1a_ + "/bk-1/nb-1-big-Data.db", "not under snapshots/");
  }
  testing::TempDir root_;
  std::string d1_, d2_, t1a_, t1b_;
};

TEST_F(SnapshotClearTest, RemovesOnlyTheTagDirsUnderSnapshotsInEveryDataDir) {
  auto found = FindSnapshotDirs({d1_, d2_}, "bk-1");
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  EXPECT_EQ(found->found, (std::vector<std::string>{t1a_ + "/snapshots/bk-1", t1b_ + "/snapshots/bk-1"}));
  EXPECT_TRUE(fs::exists(t1a_ + "/snapshots/bk-1"));  // finding removes nothing

  SnapshotDirs dirs;
  ASSERT_TRUE(ClearSnapshotFiles({d1_, d2_}, "bk-1", &dirs).ok());
  EXPECT_EQ(dirs.found.size(), 2u);
  EXPECT_TRUE(dirs.behind_symlinks.empty());
  EXPECT_FALSE(fs::exists(t1a_ + "/snapshots/bk-1"));
  EXPECT_FALSE(fs::exists(t1b_ + "/snapshots/bk-1"));
  EXPECT_TRUE(fs::exists(t1b_ + "/snapshots"));  // the snapshots dir itself stays, as Cassandra leaves it
  for (const std::string& kept : {t1a_ + "/snapshots/bk-10/nb-1-big-Data.db",
                                  t1a_ + "/snapshots/other/nb-1-big-Data.db", t1a_ + "/nb-1-big-Data.db",
                                  t1a_ + "/backups/bk-1/nb-1-big-Data.db", t1a_ + "/bk-1/nb-1-big-Data.db"}) {
    EXPECT_TRUE(fs::exists(kept)) << kept;
  }
  // Clearing again finds nothing and is fine; a missing data dir holds no snapshot.
  ASSERT_TRUE(ClearSnapshotFiles({d1_, d2_, root_.path() + "/absent"}, "bk-1", &dirs).ok());
  EXPECT_TRUE(dirs.found.empty());
}

TEST_F(SnapshotClearTest, DoesNotFollowSymlinkedKeyspaceOrTableDirsButReportsThem) {
  std::string elsewhere = root_.path() + "/elsewhere";
  testing::WriteFile(elsewhere + "/ks2/t9-" + std::string(kId) + "/snapshots/bk-1/nb-1-big-Data.db", "x");
  testing::WriteFile(elsewhere + "/t8/snapshots/bk-1/nb-1-big-Data.db", "y");
  testing::WriteFile(elsewhere + "/snaps/bk-1/nb-1-big-Data.db", "z");
  testing::WriteFile(elsewhere + "/tagdir/nb-1-big-Data.db", "w");
  fs::create_symlink(elsewhere + "/ks2", d1_ + "/ks2");                        // symlinked keyspace dir
  fs::create_symlink(elsewhere + "/t8", d1_ + "/ks1/t8-" + std::string(kId));  // symlinked table dir
  testing::WriteFile(d2_ + "/ks1/t7/placeholder", "");
  fs::create_symlink(elsewhere + "/snaps", d2_ + "/ks1/t7/snapshots");  // symlinked snapshots/
  testing::WriteFile(d2_ + "/ks1/t6/snapshots/placeholder", "");
  fs::create_symlink(elsewhere + "/tagdir", d2_ + "/ks1/t6/snapshots/bk-1");  // the tag itself a link

  SnapshotDirs dirs;
  ASSERT_TRUE(ClearSnapshotFiles({d1_, d2_}, "bk-1", &dirs).ok());
  EXPECT_EQ(dirs.found.size(), 2u);
  EXPECT_EQ(dirs.behind_symlinks.size(), 4u);
  for (const char* kept :
       {"/ks2/t9-5a1c395e2b2911efa3c6b7ea7c6d3b1f/snapshots/bk-1/nb-1-big-Data.db",
        "/t8/snapshots/bk-1/nb-1-big-Data.db", "/snaps/bk-1/nb-1-big-Data.db", "/tagdir/nb-1-big-Data.db"}) {
    EXPECT_TRUE(fs::exists(elsewhere + kept)) << kept;
  }
  EXPECT_TRUE(fs::is_symlink(d2_ + "/ks1/t6/snapshots/bk-1"));
}

TEST_F(SnapshotClearTest, RefusesBadTagsBeforeTouchingAnything) {
  for (const std::string& bad :
       {std::string(""), std::string("*"), std::string("-t"), std::string("../x"), std::string("a/b"),
        std::string("."), std::string(".."), std::string("bk 1")}) {
    EXPECT_FALSE(IsSnapshotTag(bad)) << bad;
    SnapshotDirs dirs;
    Status st = ClearSnapshotFiles({d1_, d2_}, bad, &dirs);
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << bad << ": " << st.ToString();
    EXPECT_FALSE(FindSnapshotDirs({d1_}, bad).ok());
  }
  EXPECT_TRUE(fs::exists(t1a_ + "/snapshots/bk-1"));
  EXPECT_TRUE(IsSnapshotTag("daily_2026-12-06"));
}

}  // namespace
}  // namespace cv::cassandra
