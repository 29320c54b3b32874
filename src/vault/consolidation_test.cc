// A partition's consolidated index (docs/vault-format.md, "Consolidated index"): written by the backup that
// leaves more than kConsolidateAfter index objects uncovered, read instead of the objects it covers, and
// skipped for an older one (or the objects themselves) when it does not open. Requests are counted.
#include <gtest/gtest.h>

#include <algorithm>
#include <ctime>
#include <filesystem>

#include "backends/local/local_store.h"
#include "core/vault_layout.h"
#include "storage/counting_store.h"
#include "vault/backup_session.h"
#include "vault/failing_store.h"
#include "vault/index_consolidation.h"
#include "vault/testing.h"
#include "vault/vault.h"

namespace cv::vault {
namespace {

namespace fs = std::filesystem;
using testutil::FastScrypt;

constexpr const char* kNode = "d3d3d3d3d3d3d3d3";

class ConsolidationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto v = Vault::Init(Store(true), crypto::PassphraseSecret("admin"), FastScrypt());
    ASSERT_TRUE(v.ok()) << v.status().ToString();
  }
  std::unique_ptr<storage::ObjectStore> Store(bool create = false) {
    return std::move(backends::OpenLocalStore(root_.string(), create)).value();
  }
  std::unique_ptr<Vault> Open(std::unique_ptr<storage::ObjectStore> store) {
    auto v = Vault::Open(std::move(store), crypto::PassphraseSecret("admin"));
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    EXPECT_TRUE((*v)->UsePartition(kNode).ok());
    return std::move(v).value();
  }
  static std::vector<uint8_t> Part(int b) { return testutil::TestData(500 + b, static_cast<uint8_t>(b)); }
  static std::string Id(int b) { return layout::MakeBackupId(1764079200 + b, "0000000c"); }
  // Backups first..last-1, each storing one new part (so each writes one index object).
  void BackUp(Vault& v, int first, int last) {
    for (int b = first; b < last; ++b) {
      auto r = testutil::CommitTestBackup(v, {Part(b)}, {.backup_id = Id(b), .pack_target = 1 << 16});
      ASSERT_TRUE(r.ok()) << r.status().ToString();
    }
  }
  std::vector<std::string> Keys(std::string_view prefix) {
    std::vector<std::string> out;
    EXPECT_TRUE(Store()->List(prefix, [&](const storage::ObjectInfo& o) { out.push_back(o.key); }).ok());
    std::sort(out.begin(), out.end());  // a store lists in any order
    return out;
  }
  std::string FullPrefix() const { return "index-full/" + std::string(kNode) + "/"; }

  testutil::ScratchDir scratch_{"cv-consolidation",
                                ::testing::UnitTest::GetInstance()->current_test_info()->name()};
  const fs::path& root_ = scratch_.path();
};

TEST_F(ConsolidationTest, TheBackupThatLeaves33UncoveredConsolidatesAndStartUpThenCostsOneGet) {
  auto v = Open(Store());
  BackUp(*v, 0, static_cast<int>(kConsolidateAfter));
  EXPECT_TRUE(Keys(FullPrefix()).empty());  // 32 uncovered: not yet
  BackUp(*v, static_cast<int>(kConsolidateAfter), static_cast<int>(kConsolidateAfter) + 1);
  ASSERT_EQ(Keys(FullPrefix()).size(), 1u);
  EXPECT_EQ(v->blob_index().Uncovered(), 0u);

  auto counting = std::make_unique<storage::CountingStore>(Store(), true);
  storage::CountingStore* store = counting.get();
  auto fresh = Open(std::move(counting));
  store->Reset();
  ASSERT_TRUE(fresh->LoadIndex().ok());
  // LIST index/<node>/, packs/<node>/, index-full/<node>/ and one GET: the consolidation covers all 33.
  EXPECT_EQ(store->counts().lists, 3u);
  EXPECT_EQ(store->counts().gets, 1u);
  EXPECT_EQ(store->counts().Requests(), 4u);
  EXPECT_EQ(fresh->BlobCount(), kConsolidateAfter + 1);
  EXPECT_TRUE(fresh->TakeAdopted().empty());  // every pack is indexed by the consolidation
  // Two more backups: their index objects are read one by one next to the consolidation.
  BackUp(*fresh, 40, 42);
  store->Reset();
  ASSERT_TRUE(fresh->LoadIndex().ok());
  EXPECT_EQ(store->counts().gets, 3u);
  EXPECT_EQ(fresh->BlobCount(), kConsolidateAfter + 3);
  // And every blob reads back.
  auto codec = fresh->NewCodec();
  for (int b : {0, 17, 32, 40, 41}) {
    std::vector<uint8_t> out;
    auto id = codec->BlobId(Part(b));
    ASSERT_TRUE(fresh->ReadBlob(id, *codec, &out).ok()) << b;
    EXPECT_EQ(out, Part(b));
  }
}

TEST_F(ConsolidationTest, ADamagedNewestConsolidationFallsBackToTheOlderOne) {
  auto v = Open(Store());
  BackUp(*v, 0, 33);   // the first consolidation, covering 33
  BackUp(*v, 33, 66);  // the second, covering 66
  auto full = Keys(FullPrefix());
  ASSERT_EQ(full.size(), 2u);
  // Damage the newest (the store is create-only: delete and write garbage under its name).
  auto store = Store();
  ASSERT_TRUE(store->Delete(full[1]).ok());
  std::vector<uint8_t> garbage = testutil::TestData(4000, 7);
  ASSERT_TRUE(store->Put(full[1], garbage).ok());

  auto counting = std::make_unique<storage::CountingStore>(Store(), true);
  storage::CountingStore* cs = counting.get();
  auto fresh = Open(std::move(counting));
  cs->Reset();
  ASSERT_TRUE(fresh->LoadIndex().ok());
  EXPECT_EQ(fresh->BlobCount(), 66u);
  // The damaged one, the older one, and the 33 index objects only the damaged one covered.
  EXPECT_EQ(cs->counts().gets, 2u + 33u);
  bool reported = false;
  for (const auto& p : fresh->Problems()) reported |= p.object == full[1];
  EXPECT_TRUE(reported);
  // With no consolidation opening at all, every index object is read.
  ASSERT_TRUE(store->Delete(full[0]).ok());
  ASSERT_TRUE(store->Put(full[0], garbage).ok());
  auto plain = Open(Store());
  ASSERT_TRUE(plain->LoadIndex().ok());
  EXPECT_EQ(plain->BlobCount(), 66u);
}

// A consolidation naming index objects of another partition would hide them from that partition's load:
// it is skipped. (Only a key holder can write one; this is defence in depth.)
TEST_F(ConsolidationTest, AConsolidationNamingAnotherPartitionIsSkipped) {
  auto v = Open(Store());
  BackUp(*v, 0, 2);
  ConsolidatedIndex ci;
  ci.covers = Keys("index/" + std::string(kNode) + "/");
  ci.covers.push_back(layout::IndexKey("e4e4e4e4e4e4e4e4", ObjectId{}));
  ASSERT_TRUE(WriteConsolidation(v->objects(), kNode, ci).ok());
  auto fresh = Open(Store());
  ASSERT_TRUE(fresh->LoadIndex().ok());
  EXPECT_EQ(fresh->BlobCount(), 2u);  // from the index objects, not the empty consolidation
  bool reported = false;
  for (const auto& p : fresh->Problems())
    reported |= p.problem.find("another partition") != std::string::npos;
  EXPECT_TRUE(reported);
}

// A failed consolidation is the backup's warning, never its failure.
TEST_F(ConsolidationTest, AFailedConsolidationLeavesTheBackupCommitted) {
  {
    auto v = Open(Store());
    BackUp(*v, 0, 32);
  }
  auto v = Open(std::make_unique<testutil::FailingStore>(Store(), 0, "index-full/"));
  auto r = testutil::CommitTestBackup(*v, {Part(32)}, {.backup_id = Id(32), .pack_target = 1 << 16});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(Keys(FullPrefix()).empty());
  bool warned = false;
  for (const auto& p : v->Problems())
    warned |= !p.damage && p.problem.find("not consolidated") != std::string::npos;
  EXPECT_TRUE(warned);
  auto list = Open(Store())->ListBackups();
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->size(), 33u);
}

// Junk in the partition's index folder (not written with the key) is not covered by a consolidation: it
// stays reported, never silently folded in.
TEST_F(ConsolidationTest, JunkIndexObjectsStayOutsideTheConsolidation) {
  ObjectId junk_id{};
  junk_id.fill(0x5a);
  const std::string junk = layout::IndexKey(kNode, junk_id);
  ASSERT_TRUE(Store()->Put(junk, testutil::TestData(300, 1)).ok());
  auto v = Open(Store());
  BackUp(*v, 0, 33);
  ASSERT_EQ(Keys(FullPrefix()).size(), 1u);
  auto counting = std::make_unique<storage::CountingStore>(Store(), true);
  storage::CountingStore* cs = counting.get();
  auto fresh = Open(std::move(counting));
  cs->Reset();
  ASSERT_TRUE(fresh->LoadIndex().ok());
  EXPECT_EQ(cs->counts().gets, 2u);  // the consolidation, and the junk it does not cover
  bool reported = false;
  for (const auto& p : fresh->Problems()) reported |= p.object == junk && p.damage;
  EXPECT_TRUE(reported);
  EXPECT_EQ(fresh->BlobCount(), 33u);
}

// Readers take the consolidation whose name sorts last as the newest: several written within one second
// (a fast node, or a clock that went back) must still sort in the order they were written, whatever the
// random suffix of the one before.
TEST_F(ConsolidationTest, ConsolidationsWrittenInOneSecondSortInWriteOrder) {
  auto v = Open(Store());
  std::string after = layout::ConsolidatedIndexKey(kNode, std::time(nullptr) + 3600, "fffffffffffffff0");
  for (int i = 0; i < 5; ++i) {
    auto name = WriteConsolidation(v->objects(), kNode, ConsolidatedIndex{}, after);
    ASSERT_TRUE(name.ok()) << name.status().ToString();
    EXPECT_GT(*name, after) << i;
    EXPECT_TRUE(layout::IsNameOf(layout::ObjectKind::kConsolidatedIndex, *name)) << *name;
    after = *name;
  }
}

}  // namespace
}  // namespace cv::vault
