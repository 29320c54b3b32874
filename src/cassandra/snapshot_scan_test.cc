#include "cassandra/snapshot_scan.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "cassandra/test_util.h"

namespace cv::cassandra {
namespace {

namespace fs = std::filesystem;

constexpr char kId1[] = "5a1c395e2b2911efa3c6b7ea7c6d3b1f";
constexpr char kId2[] = "6b2d406f3c3a22f0b4d7c8fb8d7e4c20";
constexpr char kIdOld[] = "0123456789abcdef0123456789abcdef";
constexpr char kSystemLocal[] = "7ad54392bcdd35a684174e047860b377";

std::vector<std::string> RelPaths(const TableFiles& t) {
  std::vector<std::string> out;
  for (const ComponentFile& f : t.files) out.push_back(f.rel_path + "@" + std::to_string(f.data_dir_index));
  return out;
}

// Two data dirs of one node: ks1.t1 has SSTables in both, ks1.t2 and ks2.t1 in one.
class SnapshotScanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    d1_ = root_.path() + "/data1";
    d2_ = root_.path() + "/data2";
    std::string t1a = d1_ + "/ks1/t1-" + kId1, t1b = d2_ + "/ks1/t1-" + kId1;
    std::string snap_a = t1a + "/snapshots/tag1", snap_b = t1b + "/snapshots/tag1";
    for (const char* c : {"Data.db", "Index.db", "Statistics.db"}) {
      testing::WriteFile(snap_a + "/nb-1-big-" + c, c);
    }
    testing::WriteFile(snap_a + "/.t1_idx/nb-1-big-Data.db", "index data");
    testing::WriteFile(snap_a + "/manifest.json", R"({"files":["nb-1-big-Data.db"]})");
    testing::WriteFile(snap_a + "/schema.cql", "CREATE TABLE IF NOT EXISTS ks1.t1 (k int PRIMARY KEY);\n");
    testing::WriteFile(snap_a + "/nb_txn_compaction_3c6e0c40-1b8c-11ef-8f6e-7f1b9b0d8a40.log", "ADD:[...]");
    testing::WriteFile(snap_a + "/nb-3-big-Statistics.db.3c6e0c40-1b8c-11ef-8f6e-7f1b9b0d8a40.tmp", "x");
    testing::WriteFile(snap_a + "/notes.txt", "not Cassandra's");
    fs::create_symlink(snap_a + "/nb-1-big-Data.db", snap_a + "/nb-7-big-Data.db");
    for (const char* c : {"Data.db", "TOC.txt"}) testing::WriteFile(snap_b + "/nb-2-big-" + c, c);
    testing::WriteFile(snap_b + "/.t1_idx/nb-2-big-Data.db", "index data 2");
    // Live files and other snapshots of the same table are not part of tag1.
    testing::WriteFile(t1a + "/nb-5-big-Data.db", "live");
    testing::WriteFile(t1a + "/snapshots/tag2/nb-4-big-Data.db", "other");
    testing::WriteFile(t1a + "/backups/nb-6-big-Data.db", "backup");
    testing::WriteFile(d1_ + "/ks1/t2-" + kId2 + "/snapshots/tag1/nb-1-big-Data.db", "t2");
    testing::WriteFile(d1_ + "/ks1/t2-" + kId2 + "/nb-2-big-Data.db", "t2 live");
    testing::WriteFile(d2_ + "/ks2/t1-" + kId2 + "/snapshots/tag1/nb-3-big-Data.db", "ks2.t1");
    testing::WriteFile(d1_ + "/ks1/t3-" + kIdOld + "/snapshots/tag2/nb-1-big-Data.db", "not tag1");
    testing::WriteFile(
        d1_ + "/system/local-" + std::string(kSystemLocal) + "/snapshots/tag1/nb-1-big-Data.db", "sys");
    fs::create_directories(d1_ + "/lost+found");
    testing::WriteFile(d1_ + "/stray-file", "x");
  }

  testing::TempDir root_;
  std::string d1_, d2_;
};

TEST_F(SnapshotScanTest, FindsTablesAcrossDataDirs) {
  Result<std::vector<TableFiles>> r = ScanSnapshot({d1_, d2_}, "tag1", TableFilter());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 3u);
  const TableFiles& t1 = (*r)[0];
  EXPECT_EQ(t1.keyspace, "ks1");
  EXPECT_EQ(t1.table, "t1");
  EXPECT_EQ(t1.table_id, kId1);
  EXPECT_EQ(t1.schema_cql, "CREATE TABLE IF NOT EXISTS ks1.t1 (k int PRIMARY KEY);\n");
  EXPECT_EQ(RelPaths(t1),
            (std::vector<std::string>{".t1_idx/nb-1-big-Data.db@0", ".t1_idx/nb-2-big-Data.db@1",
                                      "nb-1-big-Data.db@0", "nb-1-big-Index.db@0", "nb-1-big-Statistics.db@0",
                                      "nb-2-big-Data.db@1", "nb-2-big-TOC.txt@1"}));
  EXPECT_EQ((*r)[1].keyspace, "ks1");
  EXPECT_EQ((*r)[1].table, "t2");
  EXPECT_EQ((*r)[1].schema_cql, "");
  EXPECT_EQ(RelPaths((*r)[1]), std::vector<std::string>{"nb-1-big-Data.db@0"});
  EXPECT_EQ((*r)[2].keyspace, "ks2");
  EXPECT_EQ((*r)[2].table_id, kId2);
  EXPECT_EQ(RelPaths((*r)[2]), std::vector<std::string>{"nb-3-big-Data.db@1"});
}

TEST_F(SnapshotScanTest, RecordsStatFields) {
  Result<std::vector<TableFiles>> r = ScanSnapshot({d1_, d2_}, "tag1", TableFilter());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const ComponentFile& f = (*r)[0].files[2];
  ASSERT_EQ(f.rel_path, "nb-1-big-Data.db");
  EXPECT_EQ(f.abs_path, d1_ + "/ks1/t1-" + kId1 + "/snapshots/tag1/nb-1-big-Data.db");
  struct stat st {};
  ASSERT_EQ(::stat(f.abs_path.c_str(), &st), 0);
  EXPECT_EQ(f.size, 7u);  // "Data.db"
  EXPECT_EQ(f.inode, st.st_ino);
  EXPECT_EQ(f.device, st.st_dev);
  EXPECT_EQ(f.mode, st.st_mode & 07777);
  EXPECT_EQ(f.mtime_ns, int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec);
}

TEST_F(SnapshotScanTest, SchemaCqlMayLiveInTheSecondDataDir) {
  std::string snap = d2_ + "/ks2/t1-" + kId2 + "/snapshots/tag1";
  testing::WriteFile(snap + "/schema.cql", "CREATE TABLE ks2.t1;");
  Result<std::vector<TableFiles>> r = ScanSnapshot({d1_, d2_}, "tag1", TableFilter());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)[2].schema_cql, "CREATE TABLE ks2.t1;");
}

TEST_F(SnapshotScanTest, Filters) {
  Result<TableFilter> only_t1 = TableFilter::Make({"ks1.t1"}, {});
  ASSERT_TRUE(only_t1.ok());
  Result<std::vector<TableFiles>> r = ScanSnapshot({d1_, d2_}, "tag1", *only_t1);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].table, "t1");

  Result<TableFilter> no_ks1 = TableFilter::Make({}, {"ks1"});
  ASSERT_TRUE(no_ks1.ok());
  r = ScanSnapshot({d1_, d2_}, "tag1", *no_ks1);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].keyspace, "ks2");

  Result<TableFilter> system = TableFilter::Make({"system.local"}, {});
  ASSERT_TRUE(system.ok());
  r = ScanSnapshot({d1_, d2_}, "tag1", *system);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].table_id, kSystemLocal);
}

TEST_F(SnapshotScanTest, UnknownTagIsEmpty) {
  Result<std::vector<TableFiles>> r = ScanSnapshot({d1_, d2_}, "nope", TableFilter());
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
}

TEST_F(SnapshotScanTest, BadInputs) {
  EXPECT_EQ(ScanSnapshot({d1_}, "../x", TableFilter()).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ScanSnapshot({d1_}, "", TableFilter()).status().code(), StatusCode::kInvalidArgument);
  Result<std::vector<TableFiles>> r = ScanSnapshot({d1_, root_.path() + "/missing"}, "tag1", TableFilter());
  EXPECT_TRUE(r.status().IsNotFound()) << r.status().ToString();
  EXPECT_NE(r.status().message().find("missing"), std::string::npos);
}

TEST_F(SnapshotScanTest, SymlinkedKeyspaceDirIsFollowed) {
  std::string elsewhere = root_.path() + "/other-disk/ks3";
  testing::WriteFile(elsewhere + "/t9-" + std::string(kId1) + "/snapshots/tag1/nb-1-big-Data.db", "x");
  fs::create_directory_symlink(elsewhere, d2_ + "/ks3");
  Result<std::vector<TableFiles>> r = ScanSnapshot({d1_, d2_}, "tag1", TableFilter());
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 4u);
  EXPECT_EQ((*r)[3].keyspace, "ks3");
  EXPECT_EQ(RelPaths((*r)[3]), std::vector<std::string>{"nb-1-big-Data.db@1"});
}

TEST_F(SnapshotScanTest, LiveTablesSkipSnapshotsAndBackups) {
  Result<std::vector<TableFiles>> r = ScanLiveTables({d1_, d2_}, TableFilter());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  // ks1.t1 and ks1.t2 have live dirs; ks1.t3 exists (only an old snapshot inside); ks2.t1 too.
  ASSERT_EQ(r->size(), 4u);
  EXPECT_EQ((*r)[0].table, "t1");
  EXPECT_EQ(RelPaths((*r)[0]), std::vector<std::string>{"nb-5-big-Data.db@0"});
  EXPECT_EQ((*r)[0].schema_cql, "");
  EXPECT_EQ(RelPaths((*r)[1]), std::vector<std::string>{"nb-2-big-Data.db@0"});
  EXPECT_EQ((*r)[2].table, "t3");
  EXPECT_TRUE((*r)[2].files.empty());
  EXPECT_EQ((*r)[3].keyspace, "ks2");
  EXPECT_TRUE((*r)[3].files.empty());
}

TEST_F(SnapshotScanTest, LiveTablesPreferTheNewestDirectory) {
  // ks1.t1 dropped and re-created: the old dir still holds files.
  std::string old_dir = d1_ + "/ks1/t1-" + kIdOld;
  testing::WriteFile(old_dir + "/nb-1-big-Data.db", "old");
  fs::file_time_type now = fs::file_time_type::clock::now();
  fs::last_write_time(old_dir, now - std::chrono::hours(24));
  for (const std::string& d : {d1_, d2_}) fs::last_write_time(d + "/ks1/t1-" + kId1, now);
  Result<std::vector<TableFiles>> r = ScanLiveTables({d1_, d2_}, TableFilter());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].table_id, kId1);
  EXPECT_EQ(FindLiveTableDir(d1_, "ks1", "t1"), d1_ + "/ks1/t1-" + kId1);

  fs::last_write_time(old_dir, now + std::chrono::hours(1));
  r = ScanLiveTables({d1_, d2_}, TableFilter());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].table_id, kIdOld);
  EXPECT_EQ(RelPaths((*r)[0]), std::vector<std::string>{"nb-1-big-Data.db@0"});
  EXPECT_EQ(FindLiveTableDir(d1_, "ks1", "t1"), old_dir);

  EXPECT_EQ(FindLiveTableDir(d1_, "ks1", "nope"), "");
  EXPECT_EQ(FindLiveTableDir(d1_, "nope", "t1"), "");
}

TEST(SnapshotScanLegacyTest, LiveScanOfLegacyFixtures) {
  size_t total_files = 0, total_tables = 0;
  for (const char* ver : {"ma", "mb", "mc", "md", "me", "na", "nb", "nc", "oa", "da"}) {
    std::string dir = testing::FixturesDir() + "/" + ver;
    Result<std::vector<TableFiles>> r = ScanLiveTables({dir}, TableFilter());
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_FALSE(r->empty()) << ver;
    for (const TableFiles& t : *r) {
      EXPECT_EQ(t.keyspace, "legacy_tables");
      EXPECT_EQ(t.table.rfind(std::string("legacy_") + ver + "_", 0), 0u) << t.table;
      EXPECT_EQ(t.table_id, "");
      EXPECT_EQ(t.files.size(), 8u) << t.table;
      for (const ComponentFile& f : t.files) {
        EXPECT_EQ(f.abs_path, dir + "/legacy_tables/" + t.table + "/" + f.rel_path);
        EXPECT_GT(f.inode, 0u);
      }
      total_files += t.files.size();
    }
    total_tables += r->size();
    EXPECT_EQ(FindLiveTableDir(dir, "legacy_tables", (*r)[0].table), dir + "/legacy_tables/" + (*r)[0].table);
  }
  EXPECT_EQ(total_tables, 65u);
  EXPECT_EQ(total_files, 520u);
  Result<TableFilter> counters = TableFilter::Make({"legacy_tables.*_counter"}, {});
  ASSERT_TRUE(counters.ok());
  Result<std::vector<TableFiles>> r = ScanLiveTables({testing::FixturesDir() + "/ma"}, *counters);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].table, "legacy_ma_clust_counter");
  EXPECT_EQ((*r)[1].table, "legacy_ma_simple_counter");
}

}  // namespace
}  // namespace cv::cassandra
