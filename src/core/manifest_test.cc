#include "core/manifest.h"

#include <gtest/gtest.h>

namespace cv {
namespace {

TEST(ManifestTest, RoundTrip) {
  Manifest m;
  m.backup_id = "20261125T140000Z-0a0b0c0d";
  m.tag = "daily-20261125T0000Z";
  m.mode = "snapshot";
  m.started = 10;
  m.finished = 20;
  m.node.host_id = "h";
  m.node.tokens = {"-9223372036854775808"};
  m.node.data_file_directories = {"/d1", "/d2"};
  m.keyspaces.push_back({"ks", "CREATE KEYSPACE ks ...", {"CREATE TYPE ks.t (a int);"}});
  TableEntry t;
  t.keyspace = "ks";
  t.table = "tbl";
  t.id = "5a1c395e0f5d11efb4e5b5c0a5e1c2d3";
  t.schema_cql = "CREATE TABLE ...";
  FileEntry f;
  f.path = "nb-1-big-Data.db";
  f.data_dir = 1;
  f.size = 42;
  f.blobs.push_back(ObjectId{});
  f.blobs.back()[0] = 7;
  t.files.push_back(f);
  m.tables.push_back(t);
  auto back = ManifestFromJson(ManifestToJson(m), "manifest");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->tag, m.tag);
  EXPECT_EQ(back->node.data_file_directories, m.node.data_file_directories);
  ASSERT_EQ(back->tables.size(), 1u);
  EXPECT_EQ(back->tables[0].files[0].blobs[0][0], 7);
  EXPECT_EQ(back->tables[0].files[0].data_dir, 1);
  EXPECT_EQ(back->keyspaces[0].create_types.size(), 1u);
  EXPECT_EQ(back->tables[0].Bytes(), 42u);
}

TEST(ManifestTest, MalformedIsCorruption) {
  auto r = ManifestFromJson("{\"version\":1}", "manifest m1");
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsCorruption());
  EXPECT_NE(r.status().message().find("manifest m1"), std::string::npos);
  EXPECT_TRUE(BackupRecordFromJson("not json", "b").status().IsCorruption());
}

TEST(ManifestTest, RecordRoundTrip) {
  BackupRecord r;
  r.backup_id = "20261125T140000Z-0a0b0c0d";
  r.new_bytes = 99;
  r.index_ids.push_back(ObjectId{});
  auto back = BackupRecordFromJson(BackupRecordToJson(r), "b");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->new_bytes, 99u);
  EXPECT_EQ(back->index_ids.size(), 1u);
}

}  // namespace
}  // namespace cv
