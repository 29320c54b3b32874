// The on-disk index cache (vault/index_cache.h): a warm no-change start-up reads nothing but the listings;
// a cache deleted, corrupted (garbage, truncated), of another node, or stale (another host wrote to the
// partition since, or an object it read was pruned) is detected and brought back in line with the vault —
// never trusted blindly. Requests are counted with storage::CountingStore.
#include "vault/index_cache.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "backends/local/local_store.h"
#include "core/vault_layout.h"
#include "storage/counting_store.h"
#include "vault/backup_session.h"
#include "vault/index_consolidation.h"
#include "vault/testing.h"
#include "vault/vault.h"

namespace cv::vault {
namespace {

namespace fs = std::filesystem;
using testutil::FastScrypt;

constexpr const char* kNode = "0123456789abcdef";
constexpr const char* kOtherNode = "fedcba9876543210";

class IndexCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto v = Vault::Init(Store(true), crypto::PassphraseSecret("admin"), FastScrypt());
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    vault_id_ = (*v)->vault_id();
  }
  std::unique_ptr<storage::ObjectStore> Store(bool create = false) {
    return std::move(backends::OpenLocalStore((root_ / "vault").string(), create)).value();
  }
  // A host: its own cache directory. `counting` (if given) sees every request after Open.
  std::unique_ptr<Vault> Open(const fs::path& cache_dir, storage::CountingStore** counting = nullptr,
                              const char* node = kNode) {
    std::unique_ptr<storage::ObjectStore> s = Store();
    if (counting) {
      auto c = std::make_unique<storage::CountingStore>(std::move(s), true);
      *counting = c.get();
      s = std::move(c);
    }
    auto v = Vault::Open(std::move(s), crypto::PassphraseSecret("admin"));
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    EXPECT_TRUE((*v)->UsePartition(node).ok());
    (*v)->SetIndexCacheDir(cache_dir.string());
    if (counting) (*counting)->Reset();
    return std::move(v).value();
  }
  static std::vector<uint8_t> Part(int b) { return testutil::TestData(900 + b, static_cast<uint8_t>(b + 3)); }
  static std::string Id(int b) { return layout::MakeBackupId(1764079200 + b, "0000000e"); }
  Result<BackupRecord> Backup(Vault& v, const std::vector<int>& parts, int id, int* stored = nullptr) {
    std::vector<std::vector<uint8_t>> data;
    data.reserve(parts.size());
    for (int p : parts) data.push_back(Part(p));
    return testutil::CommitTestBackup(v, data, {.backup_id = Id(id), .pack_target = 1 << 16}, stored);
  }
  fs::path CacheFile(const fs::path& dir, const char* node = kNode) const {
    return dir / (vault_id_ + "-" + node + ".index.sqlite");
  }
  // Every part in `parts` is found and reads back equal.
  void ExpectFound(Vault& v, const std::vector<int>& parts) {
    auto codec = v.NewCodec();
    for (int p : parts) {
      std::vector<uint8_t> out;
      Status st = v.ReadBlob(codec->BlobId(Part(p)), *codec, &out);
      ASSERT_TRUE(st.ok()) << "part " << p << ": " << st.ToString();
      EXPECT_EQ(out, Part(p));
    }
  }
  static bool Reported(const Vault& v, std::string_view what) {
    for (const auto& p : v.Problems()) {
      if (p.problem.find(what) != std::string::npos) return true;
    }
    return false;
  }
  // Three backups by host A, each with a new part: three index objects in the partition.
  void ThreeBackups() {
    auto v = Open(host_a_);
    for (int b = 0; b < 3; ++b) ASSERT_TRUE(Backup(*v, {b}, b).ok());
  }

  testutil::ScratchDir scratch_{"cv-index-cache",
                                ::testing::UnitTest::GetInstance()->current_test_info()->name()};
  const fs::path& root_ = scratch_.path();
  const fs::path host_a_ = root_ / "host-a";
  const fs::path host_b_ = root_ / "host-b";
  std::string vault_id_;
};

TEST_F(IndexCacheTest, AWarmNoChangeStartUpReadsOnlyTheThreeListings) {
  ThreeBackups();
  storage::CountingStore* store = nullptr;
  auto v = Open(host_a_, &store);
  ASSERT_TRUE(v->LoadIndex().ok());
  EXPECT_TRUE(v->blob_index().cached());  // lookups go to SQLite
  EXPECT_EQ(store->counts().lists, 3u);   // index/<node>/, packs/<node>/, index-full/<node>/
  EXPECT_EQ(store->counts().Requests(), 3u);
  EXPECT_EQ(v->BlobCount(), 3u);
  int stored = -1;
  ASSERT_TRUE(Backup(*v, {0, 1, 2}, 10, &stored).ok());
  EXPECT_EQ(stored, 0);
  ExpectFound(*v, {0, 1, 2});
  // Owner-only, like the file cache.
  struct stat st {};
  ASSERT_EQ(::stat(CacheFile(host_a_).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(host_a_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
}

TEST_F(IndexCacheTest, ADeletedCacheIsRebuiltFromTheVault) {
  ThreeBackups();
  fs::remove_all(host_a_);
  storage::CountingStore* store = nullptr;
  auto v = Open(host_a_, &store);
  ASSERT_TRUE(v->LoadIndex().ok());
  // Cold: the three listings and each index object.
  EXPECT_EQ(store->counts().lists, 3u);
  EXPECT_EQ(store->counts().gets, 3u);
  EXPECT_TRUE(fs::exists(CacheFile(host_a_)));
  ExpectFound(*v, {0, 1, 2});
  // And warm again after.
  storage::CountingStore* again = nullptr;
  auto w = Open(host_a_, &again);
  ASSERT_TRUE(w->LoadIndex().ok());
  EXPECT_EQ(again->counts().gets, 0u);
}

TEST_F(IndexCacheTest, AGarbageCacheIsDetectedAndRebuilt) {
  ThreeBackups();
  auto garbage = testutil::TestData(8192, 42);
  std::ofstream(CacheFile(host_a_), std::ios::binary | std::ios::trunc)
      .write(reinterpret_cast<const char*>(garbage.data()), static_cast<std::streamsize>(garbage.size()));
  storage::CountingStore* store = nullptr;
  auto v = Open(host_a_, &store);
  ASSERT_TRUE(v->LoadIndex().ok());
  EXPECT_TRUE(Reported(*v, "rebuilt from the vault")) << "the garbage went unnoticed";
  EXPECT_TRUE(Reported(*v, "file is not a database"));
  EXPECT_EQ(store->counts().gets, 3u);
  EXPECT_TRUE(v->blob_index().cached());
  ExpectFound(*v, {0, 1, 2});
}

TEST_F(IndexCacheTest, ATruncatedCacheIsDetectedAndRebuilt) {
  ThreeBackups();
  const auto size = fs::file_size(CacheFile(host_a_));
  ASSERT_GT(size, 4096u);
  fs::resize_file(CacheFile(host_a_), size / 2);
  storage::CountingStore* store = nullptr;
  auto v = Open(host_a_, &store);
  ASSERT_TRUE(v->LoadIndex().ok());
  EXPECT_TRUE(Reported(*v, "rebuilt from the vault")) << "the truncation went unnoticed";
  EXPECT_TRUE(Reported(*v, "malformed"));
  EXPECT_EQ(store->counts().gets, 3u);
  ExpectFound(*v, {0, 1, 2});
}

// A cache file of another node (or vault) under this one's name: its meta row gives it away.
TEST_F(IndexCacheTest, AnotherNodesCacheIsNotTrusted) {
  {
    auto other = Open(host_a_, nullptr, kOtherNode);
    ASSERT_TRUE(Backup(*other, {7}, 7).ok());
  }
  ThreeBackups();
  fs::copy_file(CacheFile(host_a_, kOtherNode), CacheFile(host_a_), fs::copy_options::overwrite_existing);
  auto v = Open(host_a_);
  ASSERT_TRUE(v->LoadIndex().ok());
  EXPECT_TRUE(Reported(*v, "belongs to another node_id"));
  EXPECT_EQ(v->BlobCount(), 3u);
  ExpectFound(*v, {0, 1, 2});
  auto codec = v->NewCodec();
  EXPECT_FALSE(v->FindBlob(codec->BlobId(Part(7))).has_value());  // the other node's blob is not here
}

// Another host (a replacement node, or the same node's data backed up elsewhere) wrote into the partition
// since: only its new index object is read, and what it stored is found.
TEST_F(IndexCacheTest, AStaleCacheIngestsWhatAnotherHostWrote) {
  ThreeBackups();
  {
    auto b = Open(host_b_);
    ASSERT_TRUE(Backup(*b, {5}, 5).ok());
  }
  storage::CountingStore* store = nullptr;
  auto v = Open(host_a_, &store);
  ASSERT_TRUE(v->LoadIndex().ok());
  EXPECT_FALSE(Reported(*v, "rebuilt"));
  EXPECT_EQ(store->counts().lists, 3u);
  EXPECT_EQ(store->counts().gets, 1u);  // host B's index object, and nothing else
  EXPECT_EQ(v->BlobCount(), 4u);
  int stored = -1;
  ASSERT_TRUE(Backup(*v, {0, 5}, 11, &stored).ok());
  EXPECT_EQ(stored, 0);  // host B's blob is found: not stored again
  ExpectFound(*v, {0, 1, 2, 5});
}

// An index object the cache read is gone from the vault (pruned): its entries may name packs that are gone,
// so the cache starts again from the vault.
TEST_F(IndexCacheTest, APrunedIndexObjectForcesARebuild) {
  ThreeBackups();
  std::vector<std::string> index;
  ASSERT_TRUE(Store()
                  ->List("index/" + std::string(kNode) + "/",
                         [&](const storage::ObjectInfo& o) { index.push_back(o.key); })
                  .ok());
  ASSERT_EQ(index.size(), 3u);
  std::sort(index.begin(), index.end());
  ASSERT_TRUE(Store()->Delete(index[0]).ok());
  storage::CountingStore* store = nullptr;
  auto v = Open(host_a_, &store);
  ASSERT_TRUE(v->LoadIndex().ok());
  EXPECT_TRUE(Reported(*v, "is no longer in the vault"));
  // Rebuilt: the two index objects left, and the pack only the deleted one named, now unindexed (read whole
  // and adopted: its blob is still found).
  EXPECT_EQ(store->counts().gets, 3u);
  EXPECT_EQ(v->TakeAdopted().size(), 1u);
  ExpectFound(*v, {0, 1, 2});
}

// With the cache, consolidation still happens and costs nothing the next time: the cache knows its own.
TEST_F(IndexCacheTest, AConsolidationThisHostWroteIsNotReadBack) {
  auto v = Open(host_a_);
  const int n = static_cast<int>(kConsolidateAfter) + 1;
  for (int b = 0; b < n; ++b) ASSERT_TRUE(Backup(*v, {b}, b).ok());
  std::vector<std::string> full;
  ASSERT_TRUE(
      Store()->List("index-full/", [&](const storage::ObjectInfo& o) { full.push_back(o.key); }).ok());
  ASSERT_EQ(full.size(), 1u);
  EXPECT_EQ(v->blob_index().Uncovered(), 0u);
  storage::CountingStore* store = nullptr;
  auto warm = Open(host_a_, &store);
  ASSERT_TRUE(warm->LoadIndex().ok());
  EXPECT_EQ(store->counts().Requests(), 3u);
  EXPECT_EQ(warm->blob_index().Uncovered(), 0u);
  // Another host, cold: the consolidation instead of 33 index objects.
  storage::CountingStore* cold_store = nullptr;
  auto cold = Open(host_b_, &cold_store);
  ASSERT_TRUE(cold->LoadIndex().ok());
  EXPECT_EQ(cold_store->counts().gets, 1u);
  EXPECT_EQ(cold->BlobCount(), static_cast<size_t>(n));
  ExpectFound(*cold, {0, 16, n - 1});
}

}  // namespace
}  // namespace cv::vault
