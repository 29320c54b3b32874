#include "core/node_map.h"

#include <gtest/gtest.h>

namespace cv {
namespace {

// Cluster A: one DC, two racks; rack1 has two nodes whose lowest tokens put h3 before h1.
std::vector<SourceNode> Sources() {
  return {
      {"h1", "10.0.0.1", "dc1", "rack1", "B1", {"-100", "500"}},
      {"h2", "10.0.0.2", "dc1", "rack2", "B2", {"-9000", "7"}},
      {"h3", "10.0.0.3", "dc1", "rack1", "B3", {"-5000", "9000"}},
  };
}

std::string Msg(const Status& s) { return s.ToString(); }

TEST(NodeMapTest, AutoMapsEachRackByTokenOrderOntoTargetsByAddress) {
  // Targets listed out of order; 10.1.0.10 sorts after 10.1.0.9 (numeric, not text).
  std::vector<TargetNode> targets = {
      {"10.1.0.10", "dcB", "rack1"}, {"10.1.0.9", "dcB", "rack1"}, {"10.1.0.5", "dcB", "rack2"}};
  auto m = AutoMap(Sources(), targets, {{"dc1", "dcB"}});
  ASSERT_TRUE(m.ok()) << Msg(m.status());
  std::vector<std::pair<std::string, std::string>> want = {
      {"10.1.0.5", "h2"}, {"10.1.0.9", "h3"}, {"10.1.0.10", "h1"}};
  EXPECT_EQ(m->nodes, want);
  EXPECT_EQ(m->dc_map.at("dc1"), "dcB");
  auto r = ResolveNodeMap(*m, Sources(), &targets);
  ASSERT_TRUE(r.ok()) << Msg(r.status());
  EXPECT_EQ(r->at("10.1.0.10"), 0u);
}

TEST(NodeMapTest, TokenOrderIsNumericNotText) {
  std::vector<SourceNode> s = {{"a", "1.1.1.1", "d", "r", "B", {"-20"}},
                               {"b", "1.1.1.2", "d", "r", "B", {"-3"}}};
  auto m = AutoMap(s, {{"2.2.2.1", "d", "r"}, {"2.2.2.2", "d", "r"}}, {});
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->nodes[0].second, "a");  // -20 < -3
  // A backup without a host id (taken --offline) is named by its address.
  s[1].host_id.clear();
  m = AutoMap(s, {{"2.2.2.1", "d", "r"}, {"2.2.2.2", "d", "r"}}, {});
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->nodes[1].second, "1.1.1.2");
  EXPECT_TRUE(ResolveNodeMap(*m, s).ok());
}

TEST(NodeMapTest, OtherShapeIsRefusedNamingTheRack) {
  std::vector<TargetNode> targets = {{"t1", "dc1", "rack1"}, {"t2", "dc1", "rack2"}, {"t3", "dc1", "rack2"}};
  auto m = AutoMap(Sources(), targets, {});
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(Msg(m.status()).find("rack dc1/rack1"), std::string::npos) << Msg(m.status());
  EXPECT_NE(Msg(m.status()).find("2 nodes in the backup"), std::string::npos) << Msg(m.status());
  // Without the DC map every rack is missing on one side.
  auto unmapped =
      AutoMap(Sources(), {{"t1", "dcB", "rack1"}, {"t2", "dcB", "rack1"}, {"t3", "dcB", "rack2"}}, {});
  EXPECT_EQ(unmapped.status().code(), StatusCode::kFailedPrecondition);
  auto unknown = AutoMap(Sources(), {}, {{"dcX", "dcB"}});
  EXPECT_EQ(unknown.status().code(), StatusCode::kInvalidArgument);
}

// The file's checks that need no YAML: names, repeats, no node. Reading the file: ops/node_map_file_test.cc.
TEST(NodeMapTest, MakeNodeMapChecksNamesAndRepeatsNamingTheLine) {
  auto ok = MakeNodeMap({{"dc1", "dcB", 2}}, {{"10.1.0.2", "h1", 4}, {"10.1.0.1", "h3", 5}}, "f");
  ASSERT_TRUE(ok.ok()) << Msg(ok.status());
  EXPECT_EQ(ok->dc_map, (std::map<std::string, std::string>{{"dc1", "dcB"}}));
  // File order is kept.
  EXPECT_EQ(ok->nodes,
            (std::vector<std::pair<std::string, std::string>>{{"10.1.0.2", "h1"}, {"10.1.0.1", "h3"}}));
  struct Case {
    std::vector<NodeMapEntry> dc_map, nodes;
    const char* want;
  } cases[] = {
      {{}, {{"a", "b", 2}, {"a", "c", 3}}, "f line 3: target node a is named twice"},
      {{{"d", "e", 2}, {"d", "f", 3}}, {{"a", "b", 5}}, "f line 3: DC d is mapped twice"},
      {{}, {{"a", "b c", 2}}, "f line 2: 'a: b c' is not `name: name`"},
      {{}, {{"a b", "c", 7}}, "f line 7: 'a b: c' is not `name: name`"},
      {{{"d", "", 1}}, {{"a", "b", 2}}, "f line 1: 'd: ' is not `name: name`"},
      {{}, {{"a", "b;DROP", 0}}, "f: 'a: b;DROP' is not `name: name`"},  // no line known
      {{{"d", "e", 2}}, {}, "f: names no node"},
  };
  for (const auto& c : cases) {
    auto r = MakeNodeMap(c.dc_map, c.nodes, "f");
    ASSERT_FALSE(r.ok()) << c.want;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(Msg(r.status()).find(c.want), std::string::npos) << Msg(r.status());
  }
}

TEST(NodeMapTest, MapsThatDoNotCoverTheBackupAreRefusedNamingTheNode) {
  NodeMap missing;
  missing.nodes = {{"t1", "h1"}, {"t2", "h2"}};
  auto r = ResolveNodeMap(missing, Sources());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(Msg(r.status()).find("does not cover source node 10.0.0.3 (host id h3"), std::string::npos)
      << Msg(r.status());

  NodeMap twice;
  twice.nodes = {{"t1", "h1"}, {"t2", "10.0.0.1"}, {"t3", "h3"}};
  r = ResolveNodeMap(twice, Sources());
  EXPECT_NE(Msg(r.status()).find("targets t1 and t2 are both mapped to source node 10.0.0.1"),
            std::string::npos)
      << Msg(r.status());

  NodeMap unknown;
  unknown.nodes = {{"t1", "h1"}, {"t2", "h2"}, {"t3", "h9"}};
  r = ResolveNodeMap(unknown, Sources());
  EXPECT_NE(Msg(r.status()).find("target t3 is mapped to h9, which is no node"), std::string::npos)
      << Msg(r.status());

  NodeMap bad_dc;
  bad_dc.dc_map = {{"dc9", "x"}};
  bad_dc.nodes = {{"t1", "h1"}, {"t2", "h2"}, {"t3", "h3"}};
  r = ResolveNodeMap(bad_dc, Sources());
  EXPECT_NE(Msg(r.status()).find("dc_map names DC dc9"), std::string::npos) << Msg(r.status());

  // Against a target list: every target named, each in its source's rack.
  NodeMap ok;
  ok.nodes = {{"t1", "h1"}, {"t2", "h2"}, {"t3", "h3"}};
  std::vector<TargetNode> wrong_rack = {
      {"t1", "dc1", "rack1"}, {"t2", "dc1", "rack1"}, {"t3", "dc1", "rack2"}};
  r = ResolveNodeMap(ok, Sources(), &wrong_rack);
  EXPECT_NE(Msg(r.status()).find("target t2 is in dc1/rack1 but its source node 10.0.0.2"), std::string::npos)
      << Msg(r.status());
  std::vector<TargetNode> extra = {
      {"t1", "dc1", "rack1"}, {"t2", "dc1", "rack2"}, {"t3", "dc1", "rack1"}, {"t4", "dc1", "rack1"}};
  r = ResolveNodeMap(ok, Sources(), &extra);
  EXPECT_NE(Msg(r.status()).find("has no entry for target node t4"), std::string::npos) << Msg(r.status());
}

TEST(NodeMapTest, TargetNodesAndDcFlagsParse) {
  auto t = ParseTargetNodes("# addr dc rack\n10.1.0.1 dcB rack1\n\n10.1.0.2  dcB  rack2 # c\n", "targets");
  ASSERT_TRUE(t.ok()) << Msg(t.status());
  ASSERT_EQ(t->size(), 2u);
  EXPECT_EQ((*t)[1].rack, "rack2");
  EXPECT_NE(Msg(ParseTargetNodes("10.1.0.1 dcB\n", "targets").status()).find("targets line 1: expected"),
            std::string::npos);
  EXPECT_NE(Msg(ParseTargetNodes("a d r\na d r\n", "targets").status()).find("node a is listed twice"),
            std::string::npos);
  auto d = ParseDcMapFlags({"dc1=dcB"});
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->at("dc1"), "dcB");
  EXPECT_EQ(ParseDcMapFlags({"dc1"}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseDcMapFlags({"a=b", "a=c"}).status().code(), StatusCode::kInvalidArgument);
}

TEST(NodeMapTest, AlterKeyspaceRenamesNetworkTopologyDcs) {
  std::map<std::string, std::string> dc = {{"dc1", "dcB"}};
  EXPECT_EQ(
      AlterKeyspaceForDcMap("ks",
                            "CREATE KEYSPACE ks WITH replication = {'class': "
                            "'org.apache.cassandra.locator.NetworkTopologyStrategy', 'dc1': '2', 'dc2': "
                            "'1'} AND durable_writes = true;",
                            dc),
      "ALTER KEYSPACE \"ks\" WITH replication = {'class': 'NetworkTopologyStrategy', 'dcB': '2', 'dc2': "
      "'1'}");
  EXPECT_EQ(
      AlterKeyspaceForDcMap("ks",
                            "CREATE KEYSPACE ks WITH replication = {'class': "
                            "'org.apache.cassandra.locator.SimpleStrategy', 'replication_factor': '1'};",
                            dc),
      "");
  EXPECT_EQ(
      AlterKeyspaceForDcMap(
          "ks", "CREATE KEYSPACE ks WITH replication = {'class': 'NetworkTopologyStrategy', 'dc3': '1'}", dc),
      "");
}

}  // namespace
}  // namespace cv
