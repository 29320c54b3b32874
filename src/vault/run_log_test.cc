// Run records (vault/run_log.h): a run's final record replaces its started one, a listing reads only the
// day folders of its range, malformed records are refused on write and skipped (named) on read.
#include "vault/run_log.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "storage/counting_store.h"
#include "vault/vault_objects_test_util.h"

namespace cv::vault {
namespace {

namespace fs = std::filesystem;
using testutil::FastScrypt;
using testutil::FilesUnder;
using testutil::LocalStoreAt;
using RunLogTest = testutil::TwoKeyVaultTest;
using layout::ObjectKind;

constexpr int64_t kDay = 86400;
constexpr int64_t kDay1 = 1764979200;  // 2025-12-06T00:00:00Z

RunRecord Started(const std::string& id, int64_t started) {
  RunRecord r;
  r.run_id = id;
  r.policy = "nightly";
  r.policy_version = 3;
  r.slot = started - 30;
  r.tag = "nightly-20251206T0100Z";
  r.host_id = "6f1c2a4e-1111-4a8b-9c0d-000000000001";
  r.address = "10.0.0.7";
  r.data_center = "dc1";
  r.node_id = "0123456789abcdef";
  r.state = "started";
  r.attempts = 1;
  r.started = started;
  return r;
}

TEST_F(RunLogTest, StartedAndFinalRecordsMerge) {
  auto w = Open("writer");  // nodes write with their writer key
  auto id_a = RunLog::NewRunId(), id_b = RunLog::NewRunId();
  ASSERT_TRUE(id_a.ok() && id_b.ok());
  EXPECT_TRUE(layout::IsValidRunId(*id_a));
  EXPECT_NE(*id_a, *id_b);
  RunRecord a = Started(*id_a, kDay1 + 3600);
  RunRecord b = Started(*id_b, kDay1 + 3700);
  ASSERT_TRUE(w->runs().Write(a, 0).ok());
  ASSERT_TRUE(w->runs().Write(b, 0).ok());
  RunRecord b_final = b;
  b_final.state = "succeeded";
  b_final.attempts = 2;
  b_final.finished = b.started + 95;
  b_final.backup_id = layout::MakeBackupId(b.started, "0a0b0c0d");
  ASSERT_TRUE(w->runs().Write(b_final, 1).ok());
  std::vector<std::string> expected = {"runs/20251206/" + *id_a + "-0", "runs/20251206/" + *id_b + "-0",
                                       "runs/20251206/" + *id_b + "-1"};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(FilesUnder(root(), "runs"), expected);
  EXPECT_TRUE(fs::exists(root() / ("runs/20251206/" + *id_b + "-1")));
  // Create-only: the final record is written once.
  EXPECT_EQ(w->runs().Write(b_final, 1).code(), StatusCode::kAlreadyExists);

  auto admin = Open();
  auto runs = admin->runs().List(kDay1, kDay1 + kDay - 1);
  ASSERT_TRUE(runs.ok()) << runs.status().ToString();
  ASSERT_EQ(runs->size(), 2u);
  EXPECT_EQ((*runs)[0].run_id, *id_a);
  EXPECT_EQ((*runs)[0].state, "started");  // running, or died: no final record
  EXPECT_EQ((*runs)[0].finished, 0);
  EXPECT_EQ((*runs)[1].run_id, *id_b);
  EXPECT_EQ((*runs)[1].state, "succeeded");
  EXPECT_EQ((*runs)[1].attempts, 2u);
  EXPECT_EQ((*runs)[1].backup_id, b_final.backup_id);
  EXPECT_EQ((*runs)[1].tag, "nightly-20251206T0100Z");
  EXPECT_EQ((*runs)[1].address, "10.0.0.7");
  EXPECT_EQ((*runs)[1].policy_version, 3u);
  // The range is by start time: [since, until].
  EXPECT_EQ(admin->runs().List(kDay1 + 3601, kDay1 + 3700)->size(), 1u);
  EXPECT_TRUE(admin->runs().List(kDay1 + 3701, kDay1 + 3600)->empty());
}

TEST_F(RunLogTest, ListingReadsOnlyTheDaysInRange) {
  auto w = Open("writer");
  std::vector<std::string> ids;
  for (int64_t day : {0, 1, 1, 4}) {
    auto id = RunLog::NewRunId();
    ASSERT_TRUE(id.ok());
    ids.push_back(*id);
    RunRecord r = Started(*id, kDay1 + day * kDay + 100);
    ASSERT_TRUE(w->runs().Write(r, 0).ok());
    r.state = "failed";
    r.error = "backup: Cassandra at 10.0.0.7:9042 is unreachable";
    r.finished = r.started + 10;
    ASSERT_TRUE(w->runs().Write(r, 1).ok());
  }
  auto counted = Open("writer", std::make_unique<storage::CountingStore>(LocalStoreAt(root()), true));
  auto& store = static_cast<storage::CountingStore&>(counted->store());
  store.Reset();
  auto day2 = counted->runs().List(kDay1 + kDay, kDay1 + 2 * kDay - 1);
  ASSERT_TRUE(day2.ok());
  ASSERT_EQ(day2->size(), 2u);
  EXPECT_EQ((*day2)[0].state, "failed");
  EXPECT_EQ((*day2)[0].error, "backup: Cassandra at 10.0.0.7:9042 is unreachable");
  // One listing of runs/20251207/, and one read per run (its final record; the started one is not read).
  EXPECT_EQ(store.counts().lists, 1u);
  EXPECT_EQ(store.counts().gets, 2u);
  for (const auto& req : store.Log()) {
    if (req.op == 'L') {
      EXPECT_EQ(req.key, "runs/20251207/");
    }
    if (req.op == 'G') {
      EXPECT_TRUE(req.key.starts_with("runs/20251207/") && req.key.ends_with("-1")) << req.key;
    }
  }
  store.Reset();
  auto five = counted->runs().List(kDay1, kDay1 + 4 * kDay + 200);
  ASSERT_TRUE(five.ok());
  EXPECT_EQ(five->size(), 4u);
  EXPECT_EQ(store.counts().lists, 5u);  // five day folders
  EXPECT_EQ(store.counts().gets, 4u);
  // A long range: one listing of runs/ instead of a listing per day.
  store.Reset();
  auto year = counted->runs().List(kDay1 - 300 * kDay, kDay1 + 60 * kDay);
  ASSERT_TRUE(year.ok());
  EXPECT_EQ(year->size(), 4u);
  EXPECT_EQ(store.counts().lists, 1u);
  store.Reset();
  auto later = counted->runs().List(kDay1 + 2 * kDay, kDay1 + 100 * kDay);
  ASSERT_TRUE(later.ok());
  ASSERT_EQ(later->size(), 1u);
  EXPECT_EQ((*later)[0].run_id, ids[3]);
}

TEST_F(RunLogTest, MalformedRecordsRefusedAndNothingWritten) {
  auto w = Open("writer");
  RunRecord r = Started("0123456789abcdef", kDay1);
  RunRecord bad = r;
  bad.run_id = "../../x";
  EXPECT_EQ(w->runs().Write(bad, 0).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(w->runs().Write(r, 1).code(), StatusCode::kInvalidArgument);  // "started" as a final record
  EXPECT_EQ(w->runs().Write(r, 2).code(), StatusCode::kInvalidArgument);
  bad = r;
  bad.state = "succeeded";
  Status st = w->runs().Write(bad, 0);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("seq 0 is \"started\""), std::string::npos) << st.message();
  bad = r;
  bad.policy = "a/b";
  EXPECT_EQ(w->runs().Write(bad, 0).code(), StatusCode::kInvalidArgument);
  bad = r;
  bad.tag = std::string(9000, 't');  // would be written past the kind's read bound, unreadable
  st = w->runs().Write(bad, 0);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("more than a run record can hold"), std::string::npos) << st.message();
  EXPECT_FALSE(fs::exists(root() / "runs"));
  // An error longer than 1 KiB is cut, not refused.
  r.state = "failed";
  r.error = std::string(3000, 'e');
  ASSERT_TRUE(w->runs().Write(r, 1).ok());
  auto runs = w->runs().List(kDay1, kDay1);
  ASSERT_TRUE(runs.ok());
  ASSERT_EQ(runs->size(), 1u);
  EXPECT_EQ((*runs)[0].error, std::string(1024, 'e'));
}

// A final record that does not open (damage, or junk someone wrote) is skipped and named; the run's started
// record is used instead. A record moved to another run's name does not open (the name is in the AAD).
TEST_F(RunLogTest, DamagedFinalRecordFallsBackToStartedAndIsNamed) {
  auto w = Open("writer");
  RunRecord r = Started("0123456789abcdef", kDay1 + 10);
  ASSERT_TRUE(w->runs().Write(r, 0).ok());
  const std::string final_key = layout::RunRecordKey(r.started, r.run_id, 1);
  ASSERT_TRUE(w->store().Put(final_key, std::vector<uint8_t>(100, 9)).ok());
  std::vector<uint8_t> raw;
  ASSERT_TRUE(
      w->objects()
          .Read(ObjectKind::kRunRecord, layout::RunRecordKey(r.started, r.run_id, 0), std::nullopt, &raw)
          .ok());
  const std::string moved = layout::RunRecordKey(r.started, "fedcba9876543210", 0);
  ASSERT_TRUE(w->store().Put(moved, raw).ok());
  auto reader = Open();
  auto runs = reader->runs().List(kDay1, kDay1 + kDay);
  ASSERT_TRUE(runs.ok());
  ASSERT_EQ(runs->size(), 1u);
  EXPECT_EQ((*runs)[0].state, "started");
  std::set<std::string> named;
  for (const auto& p : reader->Problems()) named.insert(p.object);
  EXPECT_TRUE(named.contains(final_key));
  EXPECT_TRUE(named.contains(moved));
}

TEST(RunLogV1Test, FormatOneVaultNotSupported) {
  testutil::ScratchDir dir{"cv-vobj-runs-v1", "x"};
  auto v = Vault::Init(LocalStoreAt(dir.path(), true), crypto::PassphraseSecret("p"), FastScrypt(), 1);
  ASSERT_TRUE(v.ok());
  Status st = (*v)->runs().Write(Started("0123456789abcdef", kDay1), 0);
  EXPECT_EQ(st.code(), StatusCode::kNotSupported);
  EXPECT_NE(st.message().find("a format 1 vault keeps no run records"), std::string::npos);
  EXPECT_EQ((*v)->runs().List(0, kDay1).status().code(), StatusCode::kNotSupported);
  EXPECT_FALSE(fs::exists(dir.path() / "runs"));
}

}  // namespace
}  // namespace cv::vault
