#include "ops/list.h"

#include <gtest/gtest.h>

#include "storage/counting_store.h"
#include "vault/vault_objects_test_util.h"

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

// Issue 12: a tag's expected members are the union of what its records saw at backup time; completeness
// per data center names the missing members; old records without members leave the state unknown.
std::vector<ClusterMember> Members(std::initializer_list<int> hosts) {
  std::vector<ClusterMember> out;
  for (int h : hosts) {
    out.push_back({"h" + std::to_string(h), "10.0.0." + std::to_string(h), h <= 3 ? "dc1" : "dc2", "r1"});
  }
  return out;
}

BackupRecord Seen(const std::string& id, const std::string& tag, int host, std::initializer_list<int> seen) {
  BackupRecord r = Rec(id, tag, "h" + std::to_string(host), host <= 3 ? "dc1" : "dc2", 100);
  r.cluster_id = "0123456789abcdef";
  r.members = Members(seen);
  return r;
}

TEST(SummariseClusterCompleteness, CompletePerDcWhenEveryMemberCommitted) {
  std::vector<BackupRecord> recs;
  for (int h = 1; h <= 5; ++h) recs.push_back(Seen("2026120" + std::to_string(h), "t1", h, {1, 2, 3, 4, 5}));
  auto s = SummariseCluster(recs);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].state, "complete");
  EXPECT_EQ(s[0].expected, 5u);
  EXPECT_EQ(s[0].committed, 5u);
  EXPECT_EQ(s[0].cluster_ids, std::set<std::string>{"0123456789abcdef"});
  ASSERT_EQ(s[0].per_dc.size(), 2u);
  EXPECT_EQ(s[0].per_dc[0].data_center, "dc1");
  EXPECT_EQ(s[0].per_dc[0].committed, 3u);
  EXPECT_EQ(s[0].per_dc[1].expected, 2u);
  EXPECT_EQ(s[0].members.size(), 5u);
  EXPECT_EQ(DescribeCompleteness(s[0]), "dc1 3/3  dc2 2/2");
}

TEST(SummariseClusterCompleteness, AMemberOnlyOthersSawIsMissingInItsDc) {
  // h5 committed nothing; h4 saw it, h1..h3 did not (a view that changed during the slot): the union counts.
  std::vector<BackupRecord> recs = {
      Seen("20261201", "t1", 1, {1, 2, 3, 4}), Seen("20261202", "t1", 2, {1, 2, 3, 4}),
      Seen("20261203", "t1", 3, {1, 2, 3, 4}), Seen("20261204", "t1", 4, {1, 2, 3, 4, 5})};
  auto s = SummariseCluster(recs);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].state, "partial");
  EXPECT_EQ(s[0].expected, 5u);
  EXPECT_EQ(s[0].committed, 4u);
  ASSERT_EQ(s[0].per_dc.size(), 2u);
  EXPECT_TRUE(s[0].per_dc[0].missing.empty());
  ASSERT_EQ(s[0].per_dc[1].missing.size(), 1u);
  EXPECT_EQ(s[0].per_dc[1].missing[0].member.host_id, "h5");
  EXPECT_EQ(DescribeCompleteness(s[0]), "dc1 3/3  dc2 1/2 missing 10.0.0.5 (host id h5)");
}

TEST(SummariseClusterCompleteness, RunRecordsSayWhyAndWhichAreRunning) {
  std::vector<BackupRecord> recs = {Seen("20261201", "t1", 1, {1, 2, 3}),
                                    Seen("20261202", "t2", 1, {1, 2, 3}),
                                    Seen("20261203", "t2", 2, {1, 2, 3})};
  std::vector<RunNote> runs = {{"t1", "h2", "started", ""},
                               {"t1", "h3", "started", ""},
                               {"t2", "h3", "failed", "cql 10.0.0.3:9042: unavailable"},
                               {"other", "h3", "started", ""}};
  auto s = SummariseCluster(recs, &runs);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].tag, "t1");
  EXPECT_EQ(s[0].state, "running");
  EXPECT_TRUE(s[0].per_dc[0].missing[0].running);
  EXPECT_EQ(s[1].state, "partial");
  ASSERT_EQ(s[1].per_dc[0].missing.size(), 1u);
  EXPECT_FALSE(s[1].per_dc[0].missing[0].running);
  EXPECT_EQ(s[1].per_dc[0].missing[0].why, "failed: cql 10.0.0.3:9042: unavailable");
  EXPECT_EQ(DescribeCompleteness(s[1]),
            "dc1 2/3 missing 10.0.0.3 (host id h3; failed: cql 10.0.0.3:9042: unavailable)");
  // Without run records the same tag is partial, the reason unknown.
  auto plain = SummariseCluster(recs);
  EXPECT_EQ(plain[0].state, "partial");
  EXPECT_EQ(plain[0].per_dc[0].missing[0].why, "");
}

TEST(SummariseClusterCompleteness, OldRecordsWithoutMembersAreUnknownNotComplete) {
  std::vector<BackupRecord> recs = {Rec("20261201", "old", "h1", "dc1", 100),
                                    Rec("20261202", "old", "h2", "dc1", 100)};
  auto s = SummariseCluster(recs);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].state, "unknown");
  EXPECT_EQ(s[0].committed, 2u);
  EXPECT_TRUE(s[0].cluster_ids.empty());
  // Mixed: one new record lists a member nobody committed; the old record's node counts as committed.
  recs.push_back(Seen("20261203", "old", 3, {1, 2, 3, 4}));
  s = SummariseCluster(recs);
  EXPECT_EQ(s[0].state, "partial");
  EXPECT_EQ(s[0].expected, 4u);
  EXPECT_EQ(s[0].committed, 3u);
  EXPECT_EQ(s[0].per_dc[0].missing.size(), 0u);
  ASSERT_EQ(s[0].per_dc.size(), 2u);
  EXPECT_EQ(s[0].per_dc[1].missing[0].member.host_id, "h4");
}

// list --cluster reads the daemons' run records only for recent tags that are not complete, and then they
// say why a member is missing or that it is still running.
class RecentRunNotesTest : public vault::testutil::TwoKeyVaultTest {};

vault::RunRecord RunOf(const std::string& id, const std::string& tag, const std::string& host,
                       const std::string& state, int64_t started) {
  vault::RunRecord r;
  r.run_id = id;
  r.policy = "nightly";
  r.tag = tag;
  r.host_id = host;
  r.state = state;
  r.started = started;
  if (state != "started") r.finished = started + 30;
  if (state == "failed") r.error = "cql 10.0.0.3:9042: Unavailable: connection refused";
  return r;
}

TEST_F(RecentRunNotesTest, OnlyRecentIncompleteTagsReadRunRecordsAndTheySayWhy) {
  const int64_t now = kDec6 + int64_t{3} * 3600;
  {
    auto w = Open("writer");
    ASSERT_TRUE(w->runs().Write(RunOf("00000000000000a3", "t2", "h3", "started", now - 600), 0).ok());
    ASSERT_TRUE(w->runs().Write(RunOf("00000000000000a3", "t2", "h3", "failed", now - 600), 1).ok());
    ASSERT_TRUE(w->runs().Write(RunOf("00000000000000b2", "t3", "h2", "started", now - 60), 0).ok());
  }
  auto v = Open("writer", std::make_unique<storage::CountingStore>(vault::testutil::LocalStoreAt(root())));
  auto& store = static_cast<storage::CountingStore&>(v->store());
  // Complete, or not complete but older than the window: no request at all.
  std::vector<BackupRecord> complete = {Seen("20261201", "t1", 1, {1, 2}), Seen("20261202", "t1", 2, {1, 2})};
  for (auto& r : complete) r.started = now - 500;
  std::vector<BackupRecord> old_partial = {Seen("20261203", "t0", 1, {1, 2})};
  old_partial[0].started = now - kRunNotesWindowSeconds - 1;
  store.Reset();
  for (const auto& recs : {complete, old_partial}) {
    auto notes = RecentRunNotes(*v, SummariseCluster(recs), now);
    ASSERT_TRUE(notes.ok()) << notes.status().ToString();
    EXPECT_TRUE(notes->empty());
  }
  EXPECT_EQ(store.counts().Requests(), 0u);
  // A recent partial tag (h3 failed) and a recent one whose missing member is still running.
  std::vector<BackupRecord> recs = {Seen("20261204", "t2", 1, {1, 2, 3}),
                                    Seen("20261205", "t2", 2, {1, 2, 3}), Seen("20261206", "t3", 1, {1, 2})};
  recs[0].started = recs[1].started = now - 590;
  recs[2].started = now - 50;
  auto summary = SummariseCluster(recs);
  auto notes = RecentRunNotes(*v, summary, now);
  ASSERT_TRUE(notes.ok()) << notes.status().ToString();
  ASSERT_EQ(notes->size(), 2u);
  summary = SummariseCluster(recs, &*notes);
  ASSERT_EQ(summary.size(), 2u);
  EXPECT_EQ(summary[0].tag, "t2");
  EXPECT_EQ(summary[0].state, "partial");
  EXPECT_EQ(
      DescribeCompleteness(summary[0]),
      "dc1 2/3 missing 10.0.0.3 (host id h3; failed: cql 10.0.0.3:9042: Unavailable: connection refused)");
  EXPECT_EQ(summary[1].tag, "t3");
  EXPECT_EQ(summary[1].state, "running");
  EXPECT_EQ(DescribeCompleteness(summary[1]), "dc1 1/2 missing 10.0.0.2 (host id h2; running)");
}

}  // namespace
}  // namespace cv::ops
