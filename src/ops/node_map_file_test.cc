#include "ops/node_map_file.h"

#include <gtest/gtest.h>

namespace cv::ops {
namespace {

std::string Msg(const Status& s) { return s.ToString(); }

using Nodes = std::vector<std::pair<std::string, std::string>>;

TEST(NodeMapFileTest, ReadsTheFileClusterMapWrites) {
  NodeMap m;
  m.dc_map = {{"dc1", "dcB"}};
  m.nodes = {{"10.1.0.1", "h3"}, {"10.1.0.2", "h1"}, {"10.1.0.3", "h2"}};
  std::vector<SourceNode> sources = {{"h1", "10.0.0.1", "dc1", "rack1", "B1", {"-100", "500"}},
                                     {"h2", "10.0.0.2", "dc1", "rack2", "B2", {"-9000", "7"}},
                                     {"h3", "10.0.0.3", "dc1", "rack1", "B3", {"-5000", "9000"}}};
  std::string text = FormatNodeMap(m, sources, "cl1");
  EXPECT_NE(text.find("10.1.0.1: h3  # was 10.0.0.3 in dc1/rack1, lowest token -5000"), std::string::npos)
      << text;
  auto back = ParseNodeMapFile(text, "map.yaml");
  ASSERT_TRUE(back.ok()) << Msg(back.status());
  EXPECT_EQ(back->nodes, m.nodes);
  EXPECT_EQ(back->dc_map, m.dc_map);
}

// What an operator's editor may leave: quotes, comments, blank lines, flow style, an empty dc_map.
TEST(NodeMapFileTest, AcceptsAnyYamlFormOfTheTwoSections) {
  struct Case {
    const char* text;
    Nodes nodes;
    std::map<std::string, std::string> dc_map;
  } cases[] = {
      {"# hi\nnodes:\n  '10.1.0.1': \"h3\" # x\n\n", {{"10.1.0.1", "h3"}}, {}},
      {"{dc_map: {dc1: dcB}, nodes: {10.1.0.2: h1, 10.1.0.1: h3}}",
       {{"10.1.0.2", "h1"}, {"10.1.0.1", "h3"}},
       {{"dc1", "dcB"}}},
      {"dc_map:\nnodes: {a: b}  # dc_map left blank\n", {{"a", "b"}}, {}},
      {"---\nnodes:\n    a: b\n...\n", {{"a", "b"}}, {}},
      // A host id that YAML would read as a number stays the text it is.
      {"nodes:\n  10.1.0.1: 0012\n", {{"10.1.0.1", "0012"}}, {}},
  };
  for (const auto& c : cases) {
    auto r = ParseNodeMapFile(c.text, "f");
    ASSERT_TRUE(r.ok()) << c.text << "\n" << Msg(r.status());
    EXPECT_EQ(r->nodes, c.nodes) << c.text;
    EXPECT_EQ(r->dc_map, c.dc_map) << c.text;
  }
}

TEST(NodeMapFileTest, MalformedFilesNameTheLineAndTheProblem) {
  struct Case {
    const char* text;
    const char* want;
  } cases[] = {
      // The hand parser's cases, each still named by its line.
      {"nodes:\n  10.0.0.1 h1\n",
       "f line 2: expected `key: value` lines under `nodes:`, found '10.0.0.1 h1'"},
      {"hosts:\n  a: b\n", "f line 1: unknown section 'hosts'; a node map has `dc_map:` and `nodes:`"},
      {"a: b\n", "f line 1: entry 'a: b' outside `dc_map:` or `nodes:`"},
      {"nodes:\n  a: b\n  a: c\n", "f line 3: target node a is named twice"},
      {"dc_map:\n  d: e\n  d: f\nnodes:\n  a: b\n", "f line 3: DC d is mapped twice"},
      {"nodes:\n  a: b c\n", "f line 2: 'a: b c' is not `name: name`"},
      {"dc_map:\n  d: e\n", "f: names no node"},
      {"", "f: names no node"},
      {"# only a comment\n", "f: names no node"},
      // Duplicate keys in flow style, and a section twice (YAML parsers differ on these; refused here).
      {"nodes: {a: b, a: c}\n", "f line 1: target node a is named twice"},
      {"nodes:\n  a: b\nnodes:\n  c: d\n", "f line 3: section `nodes:` appears twice"},
      // Wrong types.
      {"nodes: [a, b]\n", "f line 1: expected `key: value` lines under `nodes:`, found a list"},
      {"nodes:\n  a: [b, c]\n", "f line 2: 'a:' has a list as its value; expected `name: name`"},
      {"nodes:\n  a:\n    b: c\n", "f line 2: 'a:' has a mapping as its value"},
      {"nodes:\n  a:\n", "f line 2: 'a:' has nothing as its value"},
      {"nodes:\n  [a]: b\n", "f line 2: a key of `nodes:` is a list; expected a name"},
      {"- nodes\n", "f line 1: expected the sections `dc_map:` and `nodes:`, found a list"},
      {"just text\n", "f line 1: expected the sections `dc_map:` and `nodes:`, found text"},
      {"nodes:\n  a: b\n---\nnodes:\n  c: d\n", "f line 4: a second YAML document"},
      // Not YAML at all.
      {"nodes: {a: b\n", "f line 2: malformed YAML: "},
      // yaml-cpp closes a quote left open at the end of the file; the name it makes is still refused.
      {"nodes:\n  a: 'b\n", "f line 2: 'a: b ' is not `name: name`"},
      {"nodes:\n\ta: b\n", "f line 2: malformed YAML: "},
  };
  for (const auto& c : cases) {
    auto r = ParseNodeMapFile(c.text, "f");
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << c.text;
    EXPECT_NE(Msg(r.status()).find(c.want), std::string::npos) << c.text << "\n" << Msg(r.status());
  }
}

}  // namespace
}  // namespace cv::ops
