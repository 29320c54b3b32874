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

// Found by fuzz/backup_record and fuzz/manifest_json: a float or an integer too wide for the field was
// cast unchecked (UBSan: "3.3e+111 is outside the range of representable values of type 'int'").
TEST(ManifestTest, NumbersOutOfRangeAreCorruption) {
  BackupRecord rec;
  rec.backup_id = "20261125T140000Z-0a0b0c0d";
  std::string good = BackupRecordToJson(rec);
  ASSERT_TRUE(BackupRecordFromJson(good, "b").ok());
  for (const char* bad : {"3.3e111", "1.5", "-1", "18446744073709551616"}) {
    std::string json = good;
    json.replace(json.find("\"files\":0"), 9, std::string("\"files\":") + bad);
    auto r = BackupRecordFromJson(json, "backups/b");
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_TRUE(r.status().IsCorruption()) << bad << ": " << r.status().ToString();
    EXPECT_NE(r.status().message().find("backups/b"), std::string::npos);
  }
  Manifest m;
  m.backup_id = rec.backup_id;
  TableEntry t;
  t.keyspace = "ks";
  t.table = "tbl";
  t.files.push_back(FileEntry{});
  m.tables.push_back(t);
  std::string manifest = ManifestToJson(m);
  ASSERT_TRUE(ManifestFromJson(manifest, "m").ok());
  manifest.replace(manifest.find("\"data_dir\":0"), 12, "\"data_dir\":4294967296");
  EXPECT_TRUE(ManifestFromJson(manifest, "m").status().IsCorruption());
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
// The record a backup commits carries the manifest's identity, node, times and counts: `list` shows them
// without reading the manifest.
TEST(ManifestTest, RecordOfCountsTheManifestsTablesFilesAndBytes) {
  Manifest m;
  m.backup_id = "20261125T141500Z-1a2b3c4d";
  m.tag = "daily";
  m.mode = "snapshot";
  m.started = 100;
  m.finished = 160;
  m.node.cluster_name = "c1";
  m.node.host_id = "h1";
  m.node.address = "10.0.0.1";
  m.node.data_center = "dc1";
  m.node.rack = "r1";
  for (const auto& [table, sizes] :
       std::vector<std::pair<std::string, std::vector<uint64_t>>>{{"a", {10, 5}}, {"b", {7}}}) {
    TableEntry t;
    t.keyspace = "ks";
    t.table = table;
    for (uint64_t size : sizes) {
      FileEntry f;
      f.path = "f" + std::to_string(size);
      f.size = size;
      t.files.push_back(f);
    }
    m.tables.push_back(t);
  }
  BackupRecord r = RecordOf(m);
  EXPECT_EQ(r.backup_id, m.backup_id);
  EXPECT_EQ(r.tag, "daily");
  EXPECT_EQ(r.mode, "snapshot");
  EXPECT_EQ(r.cluster_name, "c1");
  EXPECT_EQ(r.host_id, "h1");
  EXPECT_EQ(r.address, "10.0.0.1");
  EXPECT_EQ(r.data_center, "dc1");
  EXPECT_EQ(r.rack, "r1");
  EXPECT_EQ(r.started, 100);
  EXPECT_EQ(r.finished, 160);
  EXPECT_EQ(r.tables, 2u);
  EXPECT_EQ(r.files, 3u);
  EXPECT_EQ(r.bytes, 22u);
  EXPECT_EQ(r.new_files, 0u);  // only the backup knows what was new
}

// Issue 12: a record carries its cluster id and the members its node saw; a record written before them
// reads back with both empty, and writes back without them (byte for byte).
TEST(ManifestTest, RecordCarriesClusterIdAndMembersAndOldRecordsStayReadable) {
  BackupRecord r;
  r.backup_id = "20261206T010000Z-0a0b0c0d";
  r.cluster_id = "0123456789abcdef";
  r.members = {{"h1", "10.0.0.1", "dc1", "r1"}, {"h2", "10.0.0.2", "dc2", "r1"}};
  auto back = BackupRecordFromJson(BackupRecordToJson(r), "b");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->cluster_id, "0123456789abcdef");
  EXPECT_EQ(back->members, r.members);

  BackupRecord old;
  old.backup_id = "20261125T140000Z-0a0b0c0d";
  std::string old_json = BackupRecordToJson(old);
  EXPECT_EQ(old_json.find("cluster_id"), std::string::npos);
  EXPECT_EQ(old_json.find("members"), std::string::npos);
  auto old_back = BackupRecordFromJson(old_json, "b");
  ASSERT_TRUE(old_back.ok()) << old_back.status().ToString();
  EXPECT_TRUE(old_back->cluster_id.empty());
  EXPECT_TRUE(old_back->members.empty());
  EXPECT_EQ(BackupRecordToJson(*old_back), old_json);

  std::string bad = BackupRecordToJson(r);
  bad.replace(bad.find("0123456789abcdef"), 16, "../../etc/passwd");
  auto st = BackupRecordFromJson(bad, "backups/x").status();
  EXPECT_TRUE(st.IsCorruption());
  EXPECT_NE(st.ToString().find("malformed cluster id"), std::string::npos) << st.ToString();
  std::string no_host = BackupRecordToJson(r);
  no_host.replace(no_host.find("\"host_id\":\"h1\""), 14, "\"hostid\":\"h1\"");
  EXPECT_TRUE(BackupRecordFromJson(no_host, "b").status().IsCorruption());
}

TEST(ManifestTest, ManifestCarriesClusterAndRecordOfCopiesIt) {
  Manifest m;
  m.backup_id = "20261206T010000Z-0a0b0c0d";
  m.node.cluster_id = "fedcba9876543210";
  m.node.members = {{"h1", "10.0.0.1", "dc1", "r1"}};
  auto back = ManifestFromJson(ManifestToJson(m), "m");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->node.cluster_id, "fedcba9876543210");
  EXPECT_EQ(back->node.members, m.node.members);
  BackupRecord r = RecordOf(*back);
  EXPECT_EQ(r.cluster_id, "fedcba9876543210");
  EXPECT_EQ(r.members, m.node.members);
}

TEST(ManifestTest, NormaliseMembersSortsByHostIdDropsDuplicatesAndBlanks) {
  auto out = NormaliseMembers(
      {{"h3", "a3", "dc1", ""}, {"", "a0", "dc1", ""}, {"h1", "a1", "dc1", ""}, {"h3", "other", "dc2", ""}});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].host_id, "h1");
  EXPECT_EQ(out[1].host_id, "h3");
  EXPECT_EQ(out[1].address, "a3");
}
}  // namespace cv
