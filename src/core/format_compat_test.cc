#include "core/format_compat.h"

#include <gtest/gtest.h>

namespace cv {
namespace {

TableEntry Table(const std::string& data) {
  TableEntry t;
  t.keyspace = "ks";
  t.table = "t";
  t.files.push_back({data, 0, 10, 0644, 0, {}});
  t.files.push_back({"oa-9-big-Statistics.db", 0, 10, 0644, 0, {}});  // only Data.db names decide
  return t;
}

TEST(FormatCompatTest, Cassandra4ModeReadsOnly4xFormats) {
  EXPECT_TRUE(ModeReadsSSTable("CASSANDRA_4", "nb", "big"));
  EXPECT_TRUE(ModeReadsSSTable("CASSANDRA_4", "ma", "big"));
  EXPECT_FALSE(ModeReadsSSTable("CASSANDRA_4", "oa", "big"));
  EXPECT_FALSE(ModeReadsSSTable("UPGRADING", "da", "bti"));
  EXPECT_TRUE(ModeReadsSSTable("NONE", "da", "bti"));
}

TEST(FormatCompatTest, UnreadableBackupIsRefusedNamingFileAndMode) {
  TableEntry nb = Table("nb-1-big-Data.db"), oa = Table(".idx/oa-3-big-Data.db");
  EXPECT_TRUE(CheckSSTableFormats({&nb}, "CASSANDRA_4", "node n").ok());
  Status s = CheckSSTableFormats({&nb, &oa}, "CASSANDRA_4", "node n");
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(s.ToString().find("oa-3-big-Data.db"), std::string::npos) << s.ToString();
  EXPECT_NE(s.ToString().find("storage_compatibility_mode: CASSANDRA_4"), std::string::npos);
  EXPECT_TRUE(CheckSSTableFormats({&nb, &oa}, "NONE", "node n").ok());
}

}  // namespace
}  // namespace cv
