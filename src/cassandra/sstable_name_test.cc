#include "cassandra/sstable_name.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "cassandra/test_util.h"

namespace cv::cassandra {
namespace {

TEST(SSTableNameTest, ParsesEveryFixtureComponent) {
  int count = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(testing::FixturesDir())) {
    if (!e.is_regular_file() || e.path().filename() == "README.md") continue;
    std::string name = e.path().filename().string();
    std::optional<SSTableName> n = SSTableName::Parse(name);
    ASSERT_TRUE(n.has_value()) << name;
    // The directory above legacy_tables is the version: <ver>/legacy_tables/legacy_<ver>_<table>/.
    std::string ver = e.path().parent_path().parent_path().parent_path().filename().string();
    EXPECT_EQ(n->version, ver) << name;
    EXPECT_EQ(n->id, "1");
    EXPECT_EQ(n->format, ver == "da" ? "bti" : "big") << name;
    EXPECT_EQ(n->Descriptor() + "-" + n->component, name);
    EXPECT_FALSE(IsTransientFile(name));
    ++count;
  }
  EXPECT_EQ(count, 520);  // 65 SSTables
}

TEST(SSTableNameTest, Fields) {
  auto n = SSTableName::Parse("nb-12-big-Data.db");
  ASSERT_TRUE(n);
  EXPECT_EQ(n->version, "nb");
  EXPECT_EQ(n->id, "12");
  EXPECT_EQ(n->format, "big");
  EXPECT_EQ(n->component, "Data.db");
  EXPECT_EQ(n->Descriptor(), "nb-12-big");
}

TEST(SSTableNameTest, UuidGeneration) {
  auto n = SSTableName::Parse("da-3g1m_0nuf_3vj5m2k1125165rxa7-bti-Rows.db");
  ASSERT_TRUE(n);
  EXPECT_EQ(n->id, "3g1m_0nuf_3vj5m2k1125165rxa7");
  EXPECT_EQ(n->format, "bti");
  EXPECT_EQ(n->component, "Rows.db");
  EXPECT_TRUE(SSTableName::Parse("nb-3h5t_0zdb_3lwvk2f760jyv82miw-big-Index.db"));
  // Wrong field widths or characters.
  EXPECT_FALSE(SSTableName::Parse("nb-3h5t_0zdb_3lwvk2f760jyv82mi-big-Index.db"));
  EXPECT_FALSE(SSTableName::Parse("nb-3h5t0_zdb_3lwvk2f760jyv82miw-big-Index.db"));
  EXPECT_FALSE(SSTableName::Parse("nb-3H5t_0zdb_3lwvk2f760jyv82miw-big-Index.db"));
}

TEST(SSTableNameTest, SaiAndSasiComponents) {
  for (const char* c :
       {"SAI+aa+GroupComplete.db", "SAI+aa+GroupMeta.db", "SAI+aa+myidx+Meta.db",
        "SAI+aa+my_idx_2+TermsData.db", "SAI+aa+Vec_Idx+CompressedVectors.db", "SI_val_idx.db"}) {
    auto n = SSTableName::Parse(std::string("nb-1-big-") + c);
    ASSERT_TRUE(n) << c;
    EXPECT_EQ(n->component, c);
    EXPECT_EQ(n->Descriptor(), "nb-1-big");
  }
}

TEST(SSTableNameTest, RejectsNonComponents) {
  for (const char* name :
       {"manifest.json", "schema.cql", "ephemeral.snapshot", "ks-cf-ka-1-Data.db", "nb-1-foo-Data.db",
        "NB-1-big-Data.db", "n-1-big-Data.db", "nbb-1-big-Data.db", "nb-x-big-Data.db", "nb--big-Data.db",
        "nb-12345678901-big-Data.db", "nb-1-big-", "nb-1-big-Data", "nb-1-big-.db", "nb-1-big-Data.db-x",
        "nb-1-big-Da ta.db", "CommitLog-7-1712345678901.log", ""}) {
    EXPECT_FALSE(SSTableName::Parse(name)) << name;
  }
}

TEST(SSTableNameTest, TransientFiles) {
  for (const char* name : {"nb_txn_compaction_3c6e0c40-1b8c-11ef-8f6e-7f1b9b0d8a40.log",
                           "big-nb_txn_flush_3c6e0c40-1b8c-11ef-8f6e-7f1b9b0d8a40.log",
                           "bti-da_txn_stream_3c6e0c40-1b8c-11ef-8f6e-7f1b9b0d8a40.log",
                           "txn_flush_3c6e0c40-1b8c-11ef-8f6e-7f1b9b0d8a40.log",
                           "nb-1-big-Statistics.db.3c6e0c40-1b8c-11ef-8f6e-7f1b9b0d8a40.tmp",
                           "nb-1-big-Data.db.tmp", "tmp-nb-1-big-Data.db", "tmplink-nb-1-big-Data.db"}) {
    EXPECT_TRUE(IsTransientFile(name)) << name;
    EXPECT_FALSE(SSTableName::Parse(name)) << name;
  }
  for (const char* name : {"nb-1-big-Data.db", "CommitLog-7-1712345678901.log", "manifest.json"}) {
    EXPECT_FALSE(IsTransientFile(name)) << name;
  }
}

TEST(SSTableNameTest, MutableComponents) {
  EXPECT_TRUE(SSTableName::Parse("nb-1-big-Statistics.db")->IsMutable());
  EXPECT_TRUE(SSTableName::Parse("nb-1-big-Summary.db")->IsMutable());
  EXPECT_TRUE(SSTableName::Parse("da-1-bti-Statistics.db")->IsMutable());
  for (const char* c :
       {"Data.db", "Index.db", "CompressionInfo.db", "Digest.crc32", "Filter.db", "TOC.txt"}) {
    EXPECT_FALSE(SSTableName::Parse(std::string("nb-1-big-") + c)->IsMutable()) << c;
  }
}

}  // namespace
}  // namespace cv::cassandra
