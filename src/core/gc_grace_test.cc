#include "core/gc_grace.h"

#include <gtest/gtest.h>

namespace cv {
namespace {

Manifest Backup() {
  Manifest m;
  m.backup_id = "B";
  m.started = 1000;
  m.keyspaces = {{"rf1",
                  "CREATE KEYSPACE rf1 WITH replication = {'class': 'SimpleStrategy', "
                  "'replication_factor': '1'};",
                  {}},
                 {"rf2",
                  "CREATE KEYSPACE rf2 WITH replication = {'class': 'NetworkTopologyStrategy', "
                  "'dc1': '2'};",
                  {}}};
  TableEntry a, b, c;
  a.keyspace = "rf2", a.table = "short",
  a.schema_cql = "CREATE TABLE rf2.short (k int PRIMARY KEY) WITH gc_grace_seconds = 60 AND x = 1;";
  b.keyspace = "rf2", b.table = "dflt", b.schema_cql = "CREATE TABLE rf2.dflt (k int PRIMARY KEY);";
  c.keyspace = "rf1", c.table = "short", c.schema_cql = a.schema_cql;
  m.tables = {a, b, c};
  return m;
}

TEST(GcGraceTest, ParsesTheTableOption) {
  EXPECT_EQ(GcGraceSeconds("... AND gc_grace_seconds = 864000 AND ..."), 864000);
  EXPECT_EQ(GcGraceSeconds("CREATE TABLE t (k int PRIMARY KEY)"), std::nullopt);
}

TEST(GcGraceTest, OldBackupOfAReplicatedTableIsRefusedNamingIt) {
  std::vector<std::string> warnings;
  EXPECT_TRUE(CheckGcGrace(Backup(), {"rf1", "rf2"}, 1000 + 60, false, &warnings).ok());
  Status s = CheckGcGrace(Backup(), {"rf1", "rf2"}, 1000 + 61, false, &warnings);
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(s.ToString().find("rf2.short (gc_grace_seconds 60)"), std::string::npos) << s.ToString();
  EXPECT_EQ(s.ToString().find("rf1.short"), std::string::npos) << "RF 1 has no other replica";
  EXPECT_EQ(s.ToString().find("rf2.dflt"), std::string::npos) << "default grace is ten days";
  EXPECT_TRUE(CheckGcGrace(Backup(), {"rf1"}, 1000 + 61, false, &warnings).ok()) << "not restored";
  EXPECT_TRUE(CheckGcGrace(Backup(), {"rf2"}, 1000 + 61, true, &warnings).ok());
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("rf2.short"), std::string::npos);
}

}  // namespace
}  // namespace cv
