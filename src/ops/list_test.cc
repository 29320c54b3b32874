#include "ops/list.h"

#include <gtest/gtest.h>

namespace cv::ops {
namespace {

BackupRecord Rec(const std::string& id, const std::string& tag, const std::string& host,
                 const std::string& dc, int64_t started) {
  BackupRecord r;
  r.backup_id = id;
  r.tag = tag;
  r.host_id = host;
  r.address = "10.0.0." + host.substr(host.size() - 1);
  r.node_id = "00000000000000a" + host.substr(host.size() - 1);
  r.data_center = dc;
  r.cluster_name = "c";
  r.started = started;
  r.finished = started + 60;
  r.bytes = 100;
  r.new_bytes = 10;
  return r;
}

ListFilter F(std::string node, std::string tag = "", size_t limit = 0) {
  ListFilter f;
  f.node = std::move(node);
  f.tag = std::move(tag);
  f.limit = limit;
  return f;
}

constexpr int64_t kDec6 = 1796515200;  // 2026-12-06T00:00:00Z

TEST(ListTime, AcceptedForms) {
  EXPECT_EQ(*ParseListTime("--since", "2026-12-06", false), kDec6);
  EXPECT_EQ(*ParseListTime("--until", "2026-12-06", true), kDec6 + 86399);
  EXPECT_EQ(*ParseListTime("--since", "2026-12-06T10:15Z", false),
            kDec6 + int64_t{10} * 3600 + int64_t{15} * 60);
  EXPECT_EQ(*ParseListTime("--since", "2026-12-06T10:15:07Z", false),
            kDec6 + int64_t{10} * 3600 + int64_t{15} * 60 + 7);
  EXPECT_EQ(*ParseListTime("--until", "2026-12-06T10:15:07", true),
            kDec6 + int64_t{10} * 3600 + int64_t{15} * 60 + 7);
}

TEST(ListTime, MalformedIsInvalidArgumentNamingTheFlag) {
  for (const char* bad : {"", "yesterday", "2026-13-01", "2026-02-30", "2026-12-6", "2026-12-06T25:00Z",
                          "2026-12-06 10:15", "2026-12-06T10:15:07+02:00", "12/06/2026", "2026-12-06T10"}) {
    auto r = ParseListTime("--since", bad, false);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(r.status().ToString().find("--since"), std::string::npos);
    EXPECT_NE(r.status().ToString().find("2026-12-06T10:15Z"), std::string::npos);  // says what is accepted
  }
}

TEST(ListFilterTest, FlagChecks) {
  EXPECT_TRUE(MakeListFilter("", "", "", "", "").ok());
  EXPECT_EQ(MakeListFilter("", "", "2026-12-07", "2026-12-06", "").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_TRUE(MakeListFilter("", "", "2026-12-06", "2026-12-06", "").ok());  // one whole day
  for (const char* bad : {"0", "-1", "ten", "1e3", "99999999999"}) {
    auto f = MakeListFilter("", "", "", "", bad);
    EXPECT_EQ(f.status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(f.status().ToString().find("--limit"), std::string::npos);
  }
  EXPECT_EQ(MakeListFilter("", "", "", "", "3")->limit, 3u);
}

TEST(ListFilterTest, FiltersAndNewestN) {
  std::vector<BackupRecord> all = {
      Rec("20261206T020000Z-00000002", "daily", "host-2", "dc2", kDec6 + 7200),
      Rec("20261205T010000Z-00000001", "daily", "host-1", "dc1", kDec6 - 86400 + 3600),
      Rec("20261206T030000Z-00000003", "hourly", "host-1", "dc1", kDec6 + 10800),
      Rec("20261207T000000Z-00000004", "daily", "host-1", "dc1", kDec6 + 86400),
  };
  auto ids = [](const std::vector<BackupRecord>& rs) {
    std::vector<std::string> out;
    out.reserve(rs.size());
    for (const auto& r : rs) out.push_back(r.backup_id.substr(17));
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(ids(FilterRecords(all, F(""))), (V{"00000001", "00000002", "00000003", "00000004"}));
  EXPECT_EQ(ids(FilterRecords(all, F("host-1"))), (V{"00000001", "00000003", "00000004"}));
  EXPECT_EQ(ids(FilterRecords(all, F("10.0.0.2"))), (V{"00000002"}));
  EXPECT_EQ(ids(FilterRecords(all, F("00000000000000a2"))), (V{"00000002"}));
  EXPECT_EQ(ids(FilterRecords(all, F("nobody"))), V{});
  EXPECT_EQ(ids(FilterRecords(all, F("", "daily"))), (V{"00000001", "00000002", "00000004"}));
  auto day = *MakeListFilter("", "", "2026-12-06", "2026-12-06", "");
  EXPECT_EQ(ids(FilterRecords(all, day)), (V{"00000002", "00000003"}));
  EXPECT_EQ(ids(FilterRecords(all, F("", "", 2))), (V{"00000003", "00000004"}));
  EXPECT_EQ(ids(FilterRecords(all, F("", "daily", 1))), (V{"00000004"}));
}

TEST(ListClusterTest, OneLinePerTag) {
  std::vector<BackupRecord> all = {
      Rec("20261206T020000Z-00000002", "daily", "host-2", "dc2", kDec6 + 7200),
      Rec("20261206T010000Z-00000001", "daily", "host-1", "dc1", kDec6 + 3600),
      Rec("20261206T030000Z-00000003", "hourly", "host-1", "dc1", kDec6 + 10800),
  };
  auto s = SummariseCluster(all);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].tag, "daily");
  EXPECT_EQ(s[0].nodes.size(), 2u);
  EXPECT_EQ(s[0].backups, 2u);
  EXPECT_EQ(s[0].data_centers, (std::set<std::string>{"dc1", "dc2"}));
  EXPECT_EQ(s[0].started, kDec6 + 3600);
  EXPECT_EQ(s[0].finished, kDec6 + 7200 + 60);
  EXPECT_EQ(s[0].bytes, 200u);
  EXPECT_EQ(s[0].new_bytes, 20u);
  EXPECT_EQ(s[1].tag, "hourly");
  EXPECT_EQ(s[1].nodes.size(), 1u);
}

}  // namespace
}  // namespace cv::ops
