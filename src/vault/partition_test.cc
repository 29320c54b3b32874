// Format v2 partitions at the engine's level (docs/vault-format.md, "Partitions"): a node's packs and index
// objects live under its node id, its backups load only its own partition, and what is read is counted
// (storage::CountingStore with its request log).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <set>

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
using layout::ObjectKind;
using testutil::FastScrypt;

constexpr const char* kNodes[] = {"a0a0a0a0a0a0a0a0", "b1b1b1b1b1b1b1b1", "c2c2c2c2c2c2c2c2"};

class PartitionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto v = Vault::Init(Store(), crypto::PassphraseSecret("admin"), FastScrypt());
    ASSERT_TRUE(v.ok()) << v.status().ToString();
  }
  std::unique_ptr<storage::ObjectStore> Store(bool create = true) {
    return std::move(backends::OpenLocalStore(root_.string(), create)).value();
  }
  std::unique_ptr<Vault> Open(const std::string& node, storage::CountingStore** counting = nullptr) {
    std::unique_ptr<storage::ObjectStore> s = Store(false);
    if (counting) {
      auto c = std::make_unique<storage::CountingStore>(std::move(s), /*keep_log=*/true);
      *counting = c.get();
      s = std::move(c);
    }
    auto v = Vault::Open(std::move(s), crypto::PassphraseSecret("admin"));
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    EXPECT_TRUE((*v)->UsePartition(node).ok());
    return std::move(v).value();
  }
  // Node n's parts of backup b: one shared by all its backups, one new each time.
  static std::vector<std::vector<uint8_t>> Parts(int n, int b) {
    return {testutil::TestData(3000, static_cast<uint8_t>(10 * n)),
            testutil::TestData(2000 + b, static_cast<uint8_t>(10 * n + b + 1))};
  }
  static std::string Id(int n, int b) {
    return layout::MakeBackupId(1764079200 + 100 * n + b, "0000000" + std::to_string(n));
  }
  Result<BackupRecord> Backup(Vault& v, int n, int b, int* stored = nullptr) {
    return testutil::CommitTestBackup(v, Parts(n, b), {.backup_id = Id(n, b), .pack_target = 1 << 16},
                                      stored);
  }
  // Two backups into each of the three partitions.
  void BackUpThreeNodes() {
    for (int n = 0; n < 3; ++n) {
      auto v = Open(kNodes[n]);
      for (int b = 0; b < 2; ++b) {
        auto r = Backup(*v, n, b);
        ASSERT_TRUE(r.ok()) << r.status().ToString();
        EXPECT_EQ(r->node_id, kNodes[n]);
      }
    }
  }
  std::vector<std::string> Keys(std::string_view prefix) {
    std::vector<std::string> out;
    EXPECT_TRUE(Store(false)->List(prefix, [&](const storage::ObjectInfo& o) { out.push_back(o.key); }).ok());
    std::sort(out.begin(), out.end());  // a store lists in any order
    return out;
  }

  testutil::ScratchDir scratch_{"cv-partition",
                                ::testing::UnitTest::GetInstance()->current_test_info()->name()};
  const fs::path& root_ = scratch_.path();
};

TEST_F(PartitionTest, PacksAndIndexObjectsLiveUnderTheirNode) {
  BackUpThreeNodes();
  for (const char* prefix : {"packs/", "index/"}) {
    auto keys = Keys(prefix);
    ASSERT_FALSE(keys.empty());
    std::map<std::string, int> per_node;
    for (const auto& k : keys) {
      auto name = std::string(prefix) == "packs/" ? layout::ParsePartitionedPackKey(k)
                                                  : layout::ParsePartitionedIndexKey(k);
      ASSERT_TRUE(name.has_value()) << k;
      ++per_node[name->node_id];
    }
    // Every object is in one of the three partitions, none in the unpartitioned space.
    EXPECT_EQ(per_node.size(), 3u) << prefix;
    EXPECT_EQ(per_node.count(""), 0u) << prefix;
  }
  EXPECT_EQ(Keys("index/" + std::string(kNodes[1]) + "/").size(), 2u);  // one per backup
}

// The test: a node's backup neither lists nor reads another node's index objects or packs.
TEST_F(PartitionTest, ANodesBackupTouchesOnlyItsOwnPartition) {
  BackUpThreeNodes();
  storage::CountingStore* store = nullptr;
  auto v = Open(kNodes[1], &store);
  store->Reset();
  ASSERT_TRUE(v->LoadIndex().ok());
  // The no-change start-up, exactly: LIST index/<node>/, packs/<node>/, index-full/<node>/, and a GET of each
  // of its two index objects. Nothing else.
  auto c = store->counts();
  EXPECT_EQ(c.lists, 3u);
  EXPECT_EQ(c.gets, 2u);
  EXPECT_EQ(c.stats + c.puts + c.deletes, 0u);
  EXPECT_EQ(v->BlobCount(), 3u);  // the shared part and one new part per backup
  int stored = -1;
  // The same parts again: a no-change backup.
  auto r =
      testutil::CommitTestBackup(*v, Parts(1, 1), {.backup_id = Id(1, 5), .pack_target = 1 << 16}, &stored);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(stored, 0);
  const std::string own(kNodes[1]);
  std::set<char> ops;
  for (const auto& req : store->Log()) {
    ops.insert(req.op);
    for (const char* prefix : {"index/", "packs/", "index-full/"}) {
      if (req.key.rfind(prefix, 0) != 0) continue;
      EXPECT_EQ(req.key.substr(std::string(prefix).size(), 17), own + "/") << req.op << " " << req.key;
    }
    for (int n : {0, 2}) EXPECT_EQ(req.key.find(kNodes[n]), std::string::npos) << req.op << " " << req.key;
  }
  EXPECT_TRUE(ops.count('L') && ops.count('G') && ops.count('P'));  // the log saw every kind it checks
}

TEST_F(PartitionTest, ARestoreReadsTheRecordsPartitionAndNoOther) {
  BackUpThreeNodes();
  auto v = Open("");
  auto rec = v->LoadRecord(Id(2, 1));
  ASSERT_TRUE(rec.ok()) << rec.status().ToString();
  EXPECT_EQ(rec->node_id, kNodes[2]);
  ASSERT_TRUE(v->UsePartition(rec->node_id).ok());
  ASSERT_TRUE(v->LoadIndex().ok());
  auto m = v->LoadManifest(*rec);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  auto codec = v->NewCodec();
  const auto& blobs = m->tables.at(0).files.at(0).blobs;
  auto parts = Parts(2, 1);
  ASSERT_EQ(blobs.size(), parts.size());
  for (size_t i = 0; i < blobs.size(); ++i) {
    std::vector<uint8_t> out;
    ASSERT_TRUE(v->ReadBlob(blobs[i], *codec, &out).ok());
    EXPECT_EQ(out, parts[i]);
  }
  // Another node's blob is not in this partition.
  auto other = v->LoadManifest(*v->LoadRecord(Id(0, 0)));
  ASSERT_TRUE(other.ok());
  std::vector<uint8_t> out;
  EXPECT_TRUE(v->ReadBlob(other->tables[0].files[0].blobs[0], *codec, &out).IsNotFound());
  // Moving to another partition unloads the index: nothing is read from the wrong partition's packs.
  ASSERT_TRUE(v->UsePartition(kNodes[0]).ok());
  EXPECT_EQ(v->ReadBlob(other->tables[0].files[0].blobs[0], *codec, &out).code(), StatusCode::kInternal);
}

TEST_F(PartitionTest, SeveralPartitionsLoadTogetherEachPackUnderItsOwnName) {
  BackUpThreeNodes();
  auto v = Open("");
  ASSERT_TRUE(v->LoadIndexOf({kNodes[0], kNodes[2]}).ok());
  EXPECT_EQ(v->BlobCount(), 6u);
  auto codec = v->NewCodec();
  for (int n : {0, 2}) {
    auto m = v->LoadManifest(*v->LoadRecord(Id(n, 1)));
    ASSERT_TRUE(m.ok());
    auto parts = Parts(n, 1);
    for (size_t i = 0; i < parts.size(); ++i) {
      std::vector<uint8_t> out;
      Status st = v->ReadBlob(m->tables[0].files[0].blobs[i], *codec, &out);
      ASSERT_TRUE(st.ok()) << st.ToString();
      EXPECT_EQ(out, parts[i]);
    }
  }
}

// The unpartitioned load of an older vault's readers sees the old layout only: partitioned objects are
// neither indexed nor taken for orphans (which would read them under the wrong name).
TEST_F(PartitionTest, TheUnpartitionedLoadIgnoresPartitions) {
  BackUpThreeNodes();
  auto v = Open("");
  ASSERT_TRUE(v->LoadIndex().ok());
  EXPECT_EQ(v->BlobCount(), 0u);
  EXPECT_TRUE(v->Problems().empty());
  EXPECT_TRUE(v->TakeAdopted().empty());
}

// A pack's header binds its whole name, partition included: a pack copied into another partition is not
// adopted there (a node cannot be made to trust another partition's blobs).
TEST_F(PartitionTest, APackCopiedIntoAnotherPartitionIsNotAdopted) {
  BackUpThreeNodes();
  auto packs = Keys("packs/" + std::string(kNodes[0]) + "/");
  ASSERT_FALSE(packs.empty());
  auto name = layout::ParsePartitionedPackKey(packs[0]);
  auto store = Store(false);
  auto info = store->Stat(packs[0]);
  std::vector<uint8_t> bytes;
  ASSERT_TRUE(store->Get(packs[0], 0, info->size, &bytes).ok());
  const std::string copy = layout::PackKey(kNodes[1], name->id);
  ASSERT_TRUE(store->Put(copy, bytes).ok());
  auto v = Open(kNodes[1]);
  ASSERT_TRUE(v->LoadIndex().ok());
  EXPECT_TRUE(v->TakeAdopted().empty());
  bool reported = false;
  for (const auto& p : v->Problems())
    reported |= p.object == copy && p.problem.find("not adopted") != std::string::npos;
  EXPECT_TRUE(reported);
}

// A killed backup's packs are adopted by the next backup of the same node, and only there.
TEST_F(PartitionTest, OrphanPacksAreAdoptedInTheirOwnPartitionOnly) {
  BackUpThreeNodes();
  {
    // Killed before its index: its pack is uploaded, nothing names it.
    auto v = Vault::Open(std::make_unique<testutil::FailingStore>(Store(false), 0, "index/"),
                         crypto::PassphraseSecret("admin"));
    ASSERT_TRUE(v.ok());
    ASSERT_TRUE((*v)->UsePartition(kNodes[0]).ok());
    auto r = testutil::CommitTestBackup(**v, {testutil::TestData(5000, 99)}, {.backup_id = Id(0, 7)});
    ASSERT_FALSE(r.ok());
  }
  for (int n : {1, 2}) {
    auto v = Open(kNodes[n]);
    ASSERT_TRUE(v->LoadIndex().ok());
    EXPECT_TRUE(v->TakeAdopted().empty()) << kNodes[n];
  }
  auto v = Open(kNodes[0]);
  int stored = -1;
  auto r = testutil::CommitTestBackup(*v, {testutil::TestData(5000, 99)}, {.backup_id = Id(0, 8)}, &stored);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(stored, 0);  // found in the adopted pack: not uploaded again
  EXPECT_EQ(Keys("index/" + std::string(kNodes[0]) + "/").size(), 3u);
}

}  // namespace
}  // namespace cv::vault
