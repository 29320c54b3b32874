// The catalog of a partitioned v2 vault (vault/catalog.h): segments as the commit point, the consolidated
// catalog, and what `list` costs. Local store; three Vault instances play three nodes sharing one vault.
#include "vault/catalog.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <random>

#include "backends/local/local_store.h"
#include "core/vault_layout.h"
#include "storage/counting_store.h"
#include "vault/catalog_test_util.h"
#include "vault/vault.h"

namespace cv::vault {
namespace {

namespace fs = std::filesystem;
using testutil::CommitNodeBackup;
using testutil::FastScrypt;
using testutil::HookStore;
using testutil::NodeBackup;

constexpr int64_t kHour = 3600;
constexpr int64_t kT0 = 1764979200;  // 2025-12-06T00:00:00Z

const char* const kNodeIds[3] = {"00000000000000a1", "00000000000000b2", "00000000000000c3"};
const char* const kHostIds[3] = {"11111111-0000-0000-0000-000000000001",
                                 "22222222-0000-0000-0000-000000000002",
                                 "33333333-0000-0000-0000-000000000003"};

std::unique_ptr<storage::ObjectStore> LocalStore(const fs::path& root, bool create = false) {
  return std::move(backends::OpenLocalStore(root.string(), create)).value();
}

std::map<std::string, std::string> ById(const std::vector<BackupRecord>& records) {
  std::map<std::string, std::string> out;
  for (const auto& r : records) out[r.backup_id] = BackupRecordToJson(r);
  return out;
}

class CatalogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto v = Vault::Init(LocalStore(root(), true), crypto::PassphraseSecret("admin"), FastScrypt());
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    ASSERT_EQ((*v)->format(), 2);
  }
  const fs::path& root() const { return scratch_.path(); }
  std::unique_ptr<Vault> Open(std::unique_ptr<storage::ObjectStore> store) {
    auto v = Vault::Open(std::move(store), crypto::PassphraseSecret("admin"));
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    auto out = std::move(v).value();
    out->catalog().SetClock([this] { return now_; });
    return out;
  }
  std::unique_ptr<Vault> Open() { return Open(LocalStore(root())); }
  // A vault instance on node i's partition, whose clock is `skew` seconds off the test's.
  std::unique_ptr<Vault> OpenNode(int i, int64_t skew = 0) {
    auto v = Open();
    EXPECT_TRUE(v->UsePartition(kNodeIds[i]).ok());
    v->catalog().SetClock([this, skew] { return now_ + skew; });
    return v;
  }
  Result<BackupRecord> Backup(Vault& v, int node, uint8_t seed) {
    char rnd[9];
    std::snprintf(rnd, sizeof rnd, "%08x", ++serial_);
    NodeBackup b;
    b.started = now_;
    b.backup_id = layout::MakeBackupId(now_, rnd);
    b.tag = "tag-" + std::to_string(seed % 4);
    b.host_id = kHostIds[node];
    auto rec = CommitNodeBackup(v, {testutil::TestData(300, seed)}, b);
    if (rec.ok()) committed_[rec->backup_id] = BackupRecordToJson(*rec);
    return rec;
  }
  // List (the fast way) equals every committed record read the slow way, and the records the test committed.
  void ExpectListIsComplete(Vault& v, const std::string& when) {
    auto fast = v.catalog().List();
    ASSERT_TRUE(fast.ok()) << when << ": " << fast.status().ToString();
    auto slow = v.catalog().ListSlow();
    ASSERT_TRUE(slow.ok()) << when << ": " << slow.status().ToString();
    EXPECT_EQ(ById(*fast), ById(*slow)) << when;
    EXPECT_EQ(ById(*fast), committed_) << when;
    EXPECT_TRUE(std::is_sorted(fast->begin(), fast->end(), [](const BackupRecord& a, const BackupRecord& b) {
      return a.backup_id < b.backup_id;
    })) << when;
    EXPECT_TRUE(v.Problems().empty()) << when << ": " << v.Problems().front().problem;
  }

  testutil::ScratchDir scratch_{"cv-catalog",
                                ::testing::UnitTest::GetInstance()->current_test_info()->name()};
  int64_t now_ = kT0 + 10 * kHour;
  uint32_t serial_ = 0;
  std::map<std::string, std::string> committed_;
};

TEST_F(CatalogTest, PartitionedBackupCommitsItsSegmentUnderTheDayItIsWritten) {
  auto v = OpenNode(0);
  auto rec = Backup(*v, 0, 1);
  ASSERT_TRUE(rec.ok()) << rec.status().ToString();
  EXPECT_EQ(rec->node_id, kNodeIds[0]);
  std::string segment = layout::CatalogSegmentKey(now_, rec->backup_id);
  EXPECT_TRUE(fs::exists(root() / segment)) << segment;
  EXPECT_FALSE(fs::exists(root() / layout::BackupKey(rec->backup_id)));
  // Load finds it by id, also from another instance; Resolve by tag too.
  auto other = Open();
  auto loaded = other->catalog().Load(rec->backup_id);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(BackupRecordToJson(*loaded), BackupRecordToJson(*rec));
  auto resolved = other->catalog().Resolve(rec->tag, "", "");
  ASSERT_TRUE(resolved.ok()) << resolved.status().ToString();
  EXPECT_EQ(resolved->backup_id, rec->backup_id);
  // An unpartitioned record (an older v2 vault's) still commits under backups/ and lists with the rest.
  auto legacy = Open();
  now_ += kHour;
  auto old = Backup(*legacy, 1, 2);
  ASSERT_TRUE(old.ok());
  EXPECT_TRUE(fs::exists(root() / layout::BackupKey(old->backup_id)));
  ExpectListIsComplete(*other, "segment and backups/ record");
}

// A segment written days after its backup started (a long backup) is still found by Load.
TEST_F(CatalogTest, LoadFindsASegmentWrittenDaysAfterTheBackupStarted) {
  auto v = OpenNode(0, int64_t{3} * 24 * kHour);  // the commit's clock is three days on
  auto rec = Backup(*v, 0, 1);
  ASSERT_TRUE(rec.ok());
  EXPECT_TRUE(fs::exists(root() / layout::CatalogSegmentKey(now_ + int64_t{3} * 24 * kHour, rec->backup_id)));
  auto loaded = Open()->catalog().Load(rec->backup_id);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->backup_id, rec->backup_id);
  auto missing = Open()->catalog().Load(layout::MakeBackupId(now_, "deadbeef"));
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
}

// Catalog consistency (issue 11): random interleavings of backups on three nodes (clocks up to 36 h behind
// or 20 h ahead), consolidations, a consolidation a backup races (committed between its listing and its
// Put) and a consolidation killed before its Put. After every step, List equals the committed records.
TEST_F(CatalogTest, RandomInterleavingsListEveryCommittedRecord) {
  uint32_t seed = static_cast<uint32_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  if (const char* s = std::getenv("CASSVAULT_TEST_SEED"))
    seed = static_cast<uint32_t>(std::strtoul(s, nullptr, 10));
  std::cout << "seed " << seed << " (CASSVAULT_TEST_SEED=" << seed << " repeats this run)\n";
  std::mt19937 rng(seed);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<uint32_t>(n)); };
  std::vector<std::unique_ptr<Vault>> nodes;
  nodes.reserve(3);
  for (int i = 0; i < 3; ++i) nodes.push_back(OpenNode(i, int64_t{pick(57) - 36} * kHour));
  auto hook_owner = std::make_unique<HookStore>(LocalStore(root()));
  HookStore* hook = hook_owner.get();
  auto maintainer = Open(std::move(hook_owner));
  auto reader = Open();
  int consolidations = 0, races = 0, kills = 0;
  for (int step = 0; step < 60; ++step) {
    now_ += pick(20) * kHour + pick(3600);
    std::string what;
    switch (pick(6)) {
      case 0: {
        what = "consolidation";
        auto r = maintainer->catalog().Consolidate();
        ASSERT_TRUE(r.ok()) << r.status().ToString();
        consolidations += !r->key.empty();
        break;
      }
      case 1: {
        what = "consolidation raced by a backup";
        int node = pick(3);
        hook->before_put = [&, node](std::string_view key) {
          if (!key.starts_with("catalog-full/")) return Status::OK();
          hook->before_put = nullptr;
          return Backup(*nodes[node], node, static_cast<uint8_t>(pick(256))).status();
        };
        auto r = maintainer->catalog().Consolidate();
        hook->before_put = nullptr;
        ASSERT_TRUE(r.ok()) << r.status().ToString();
        races += !r->key.empty();
        break;
      }
      case 2: {
        what = "consolidation killed before its Put";
        hook->before_put = [](std::string_view key) {
          return key.starts_with("catalog-full/") ? Status::Unavailable(key, "killed") : Status::OK();
        };
        auto r = maintainer->catalog().Consolidate();
        hook->before_put = nullptr;
        if (!r.ok()) {
          EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
          ++kills;
        }
        break;
      }
      default: {
        int node = pick(3);
        what = "backup on node " + std::to_string(node);
        auto r = Backup(*nodes[node], node, static_cast<uint8_t>(pick(256)));
        ASSERT_TRUE(r.ok()) << r.status().ToString();
      }
    }
    ExpectListIsComplete(
        *reader, "seed " + std::to_string(seed) + ", step " + std::to_string(step) + " (" + what + ")");
    if (HasFatalFailure() || HasNonfatalFailure()) return;
  }
  std::cout << committed_.size() << " backups, " << consolidations << " consolidations, " << races
            << " raced, " << kills << " killed\n";
}

// Issue 11's request bar, at unit scale: after a consolidation, `list` of N records costs one LIST of
// catalog-full/, one GET, one LIST per day from (listed_at - 2 days) to (now + 1 day) and one LIST of
// backups/, whatever N is; records committed since cost one GET each.
TEST_F(CatalogTest, ListAfterConsolidationCostsTheSameForAnyNumberOfRecords) {
  std::map<size_t, storage::CountingStore::Counts> by_n;
  for (size_t n : {5u, 40u}) {
    auto node = OpenNode(0);
    while (committed_.size() < n) {
      now_ += int64_t{5} * 60;
      ASSERT_TRUE(Backup(*node, 0, static_cast<uint8_t>(committed_.size())).ok());
    }
    auto c = Open()->catalog().Consolidate();
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    EXPECT_EQ(c->records, n);
    auto counted = Open(std::make_unique<storage::CountingStore>(LocalStore(root()), true));
    auto& store = static_cast<storage::CountingStore&>(counted->store());
    store.Reset();
    auto list = counted->catalog().List();
    ASSERT_TRUE(list.ok());
    EXPECT_EQ(ById(*list), committed_);
    auto counts = store.counts();
    // Same clock: the window is 4 days (listed_at - 2 days .. now + 1 day).
    EXPECT_EQ(counts.lists, 1u + 4u + 1u) << "n=" << n;
    EXPECT_EQ(counts.gets, 1u) << "n=" << n;
    EXPECT_EQ(counts.stats + counts.puts + counts.deletes, 0u);
    std::vector<std::string> lists;
    for (const auto& r : store.Log()) {
      if (r.op == 'L') lists.push_back(r.key);
    }
    ASSERT_EQ(lists.size(), 6u);
    EXPECT_EQ(lists.front(), "catalog-full/");
    EXPECT_EQ(lists[1], layout::CatalogDayPrefix(now_ - int64_t{2} * 24 * kHour));
    EXPECT_EQ(lists[4], layout::CatalogDayPrefix(now_ + 24 * kHour));
    EXPECT_EQ(lists.back(), "backups/");
    EXPECT_EQ(counted->catalog().last_list().from_consolidation, n);
    EXPECT_EQ(counted->catalog().last_list().one_by_one, 0u);
    std::cout << "list of " << n << " records after consolidation: " << counts.Requests() << " requests ("
              << counts.lists << " LIST, " << counts.gets << " GET)\n";
    by_n[n] = counts;
    // Two more backups: two GETs more, nothing else.
    for (int i = 0; i < 2; ++i) {
      now_ += 60;
      ASSERT_TRUE(Backup(*node, 0, static_cast<uint8_t>(200 + i)).ok());
    }
    store.Reset();
    ASSERT_TRUE(counted->catalog().List().ok());
    EXPECT_EQ(store.counts().lists, 6u);
    EXPECT_EQ(store.counts().gets, 3u);
    EXPECT_EQ(counted->catalog().last_list().one_by_one, 2u);
  }
  EXPECT_EQ(by_n[5].Requests(), by_n[40].Requests());
}

// Without a consolidation: one LIST of catalog-full/, one of catalog/ whole, one of backups/, a GET each.
TEST_F(CatalogTest, ListWithoutConsolidationReadsEachRecord) {
  auto node = OpenNode(1);
  for (int i = 0; i < 3; ++i) {
    now_ += 30 * kHour;
    ASSERT_TRUE(Backup(*node, 1, static_cast<uint8_t>(i)).ok());
  }
  auto counted = Open(std::make_unique<storage::CountingStore>(LocalStore(root())));
  auto& store = static_cast<storage::CountingStore&>(counted->store());
  store.Reset();
  auto list = counted->catalog().List();
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(ById(*list), committed_);
  EXPECT_EQ(store.counts().lists, 3u);
  EXPECT_EQ(store.counts().gets, 3u);
}

// A consolidation killed before its Put (the Put fails) leaves no object, and list is as before; the next
// consolidation completes it. A damaged newest consolidation is passed over for the one before.
TEST_F(CatalogTest, KilledOrDamagedConsolidationLeavesListCorrect) {
  auto node = OpenNode(2);
  for (int i = 0; i < 4; ++i) {
    now_ += kHour;
    ASSERT_TRUE(Backup(*node, 2, static_cast<uint8_t>(i)).ok());
  }
  auto first = Open()->catalog().Consolidate();
  ASSERT_TRUE(first.ok());
  now_ += int64_t{2} * 24 * kHour;
  ASSERT_TRUE(Backup(*node, 2, 9).ok());
  auto hook_owner = std::make_unique<HookStore>(LocalStore(root()));
  hook_owner->before_put = [](std::string_view key) {
    return key.starts_with("catalog-full/") ? Status::Unavailable(key, "killed") : Status::OK();
  };
  auto killed = Open(std::move(hook_owner))->catalog().Consolidate();
  EXPECT_EQ(killed.status().code(), StatusCode::kUnavailable);
  size_t fulls = 0;
  for (const auto& e : fs::recursive_directory_iterator(root() / "catalog-full"))
    fulls += e.is_regular_file();
  EXPECT_EQ(fulls, 1u);  // only the first: the killed one left nothing
  auto reader = Open();
  ExpectListIsComplete(*reader, "after a killed consolidation");
  EXPECT_EQ(reader->catalog().last_list().consolidation, first->key);
  // A newer consolidation that does not open (damaged) is passed over, reported, and list stays complete.
  now_ += kHour;
  auto second = Open()->catalog().Consolidate();
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->superseded, first->key);
  EXPECT_EQ(second->reused, 4u);
  EXPECT_EQ(second->fetched, 1u);
  {
    fs::path p = root() / second->key;
    auto size = fs::file_size(p);
    fs::permissions(p, fs::perms::owner_all, fs::perm_options::add);
    std::FILE* f = std::fopen(p.c_str(), "r+b");
    ASSERT_NE(f, nullptr);
    std::fseek(f, static_cast<long>(size / 2), SEEK_SET);
    std::fputc(0x5a ^ std::fgetc(f), f);
    std::fclose(f);
  }
  auto after = Open();
  auto list = after->catalog().List();
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(ById(*list), committed_);
  EXPECT_EQ(after->catalog().last_list().consolidation, first->key);
  ASSERT_FALSE(after->Problems().empty());
  EXPECT_EQ(after->Problems().front().object, second->key);
}

// A consolidation dated after tomorrow (a clock far ahead, or a writer key hiding what follows) is passed
// over: list reads the records one by one and names it.
TEST_F(CatalogTest, ConsolidationDatedInTheFutureIsPassedOver) {
  auto node = OpenNode(0);
  ASSERT_TRUE(Backup(*node, 0, 1).ok());
  auto ahead = Open();
  ahead->catalog().SetClock([this] { return now_ + int64_t{3} * 24 * kHour; });
  auto c = ahead->catalog().Consolidate();
  ASSERT_TRUE(c.ok());
  now_ += kHour;
  ASSERT_TRUE(Backup(*node, 0, 2).ok());
  auto reader = Open();
  auto list = reader->catalog().List();
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(ById(*list), committed_);
  EXPECT_EQ(reader->catalog().last_list().consolidation, "");
  ASSERT_EQ(reader->Problems().size(), 1u);
  EXPECT_EQ(reader->Problems()[0].object, c->key);
}

// Up to date: a second maintain in the same day with nothing new writes nothing.
TEST_F(CatalogTest, ConsolidateWritesNothingWhenUpToDate) {
  auto node = OpenNode(0);
  ASSERT_TRUE(Backup(*node, 0, 1).ok());
  auto first = Open()->catalog().Consolidate();
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(first->key.empty());
  now_ += kHour;
  auto again = Open()->catalog().Consolidate();
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->key.empty());
  EXPECT_EQ(again->superseded, first->key);
  EXPECT_EQ(again->records, 1u);
}

// A record that does not open is skipped and reported by list and by consolidation, hiding no other.
TEST_F(CatalogTest, ARecordThatDoesNotOpenIsSkippedAndReported) {
  auto node = OpenNode(0);
  auto good = Backup(*node, 0, 1);
  ASSERT_TRUE(good.ok());
  now_ += kHour;
  auto bad = Backup(*node, 0, 2);
  ASSERT_TRUE(bad.ok());
  committed_.erase(bad->backup_id);
  fs::path p = root() / layout::CatalogSegmentKey(now_, bad->backup_id);
  fs::permissions(p, fs::perms::owner_all, fs::perm_options::add);
  {
    std::FILE* f = std::fopen(p.c_str(), "r+b");
    ASSERT_NE(f, nullptr);
    std::fputc(0, f);
    std::fclose(f);
  }
  auto v = Open();
  auto c = v->catalog().Consolidate();
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->records, 1u);
  EXPECT_EQ(c->skipped, 1u);
  auto list = v->catalog().List();
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(ById(*list), committed_);
  ASSERT_FALSE(v->Problems().empty());
  EXPECT_EQ(v->Problems().front().object, p.lexically_relative(root()).string());
}

}  // namespace
}  // namespace cv::vault

namespace cv::vault {
namespace {

// By hand, for the shape (50,000 records of 100 nodes): time and peak RSS of each step, one process
// per step so that each peak is its own.
//   CASSVAULT_SCALE_DIR=/tmp/x CASSVAULT_SCALE_OP=write|consolidate|list /usr/bin/time -v catalog_test
//   --gtest_also_run_disabled_tests --gtest_filter='*DISABLED_Scale*'
TEST(CatalogScale, DISABLED_Scale) {
  const char* dir = std::getenv("CASSVAULT_SCALE_DIR");
  const char* op = std::getenv("CASSVAULT_SCALE_OP");
  ASSERT_TRUE(dir && op);
  const char* scale_n = std::getenv("CASSVAULT_SCALE_N");
  const int n = scale_n != nullptr ? std::atoi(scale_n) : 50000;
  fs::path root(dir);
  auto t0 = std::chrono::steady_clock::now();
  if (std::string(op) == "write") {
    ASSERT_TRUE(Vault::Init(LocalStore(root, true), crypto::PassphraseSecret("admin"), FastScrypt()).ok());
    auto v = std::move(Vault::Open(LocalStore(root), crypto::PassphraseSecret("admin"))).value();
    int64_t t = 1764979200;
    for (int i = 0; i < n; ++i) {
      BackupRecord r;
      r.version = 2;
      char rnd[9];
      std::snprintf(rnd, sizeof rnd, "%08x", i);
      t += 630;  // 50,000 over a year
      r.backup_id = layout::MakeBackupId(t, rnd);
      r.tag = "hourly-" + std::to_string(i / 100);
      r.mode = "snapshot";
      r.cluster_name = "prod";
      r.host_id = "6f1c2a4e-1111-4a8b-9c0d-0000000" + std::to_string(10000 + i % 100);
      r.address = "10.0.1." + std::to_string(i % 100);
      r.data_center = "dc" + std::to_string(i % 3);
      r.rack = "r1";
      r.started = t;
      r.finished = t + 300;
      r.files = 4000;
      r.bytes = uint64_t{4} << 40;
      r.tables = 40;
      r.new_files = 12;
      r.new_bytes = 1 << 30;
      r.stored_bytes = 1 << 29;
      r.manifest_id[0] = static_cast<uint8_t>(i);
      r.index_ids.push_back(r.manifest_id);
      r.node_id = "00000000000000" + std::string(rnd).substr(6, 2);
      v->catalog().SetClock([t] { return t; });
      ASSERT_TRUE(v->catalog().Commit(r).ok());
    }
  } else {
    auto counted = std::make_unique<storage::CountingStore>(LocalStore(root));
    auto* store = counted.get();
    auto v = std::move(Vault::Open(std::move(counted), crypto::PassphraseSecret("admin"))).value();
    store->Reset();
    if (std::string(op) == "consolidate") {
      auto r = v->catalog().Consolidate();
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      std::cout << "consolidated " << r->records << " records, " << r->bytes << " bytes\n";
    } else {
      auto l = v->catalog().List();
      ASSERT_TRUE(l.ok());
      std::cout << "listed " << l->size() << " records\n";
    }
    auto c = store->counts();
    std::cout << "requests " << c.Requests() << " (" << c.lists << " LIST, " << c.gets << " GET, " << c.puts
              << " PUT)\n";
  }
  std::cout << op << ": " << std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()
            << " s\n";
}

}  // namespace
}  // namespace cv::vault
