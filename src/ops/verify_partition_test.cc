// The crash test for the consolidated index: a partition's 33rd backup (the one that consolidates)
// is killed at every write in turn — before its content key, pack, index, manifest, reference set, record
// and consolidation — and after each the vault lists, backs up, restores (bytes equal) and verifies deep
// without a problem. The kill is a store that fails the N-th Put and every one after it
// (vault/failing_store.h): a store's Put is atomic, so that is what a process killed there leaves.
#include <gtest/gtest.h>

#include <ctime>
#include <filesystem>
#include <map>

#include "backends/local/local_store.h"
#include "core/consolidated_catalog.h"
#include "core/vault_layout.h"
#include "ops/verify.h"
#include "vault/failing_store.h"
#include "vault/index_cache.h"
#include "vault/index_consolidation.h"
#include "vault/testing.h"

namespace cv::ops {
namespace {

namespace fs = std::filesystem;
using vault::Vault;

constexpr const char* kNode = "f5f5f5f5f5f5f5f5";

std::vector<uint8_t> Part(int b) { return vault::testutil::TestData(700 + b, static_cast<uint8_t>(b + 1)); }
std::string Id(int b) { return layout::MakeBackupId(1764079200 + b, "0000000d"); }

std::unique_ptr<storage::ObjectStore> Store(const fs::path& root, bool create = false) {
  return std::move(backends::OpenLocalStore(root.string(), create)).value();
}

std::unique_ptr<Vault> Open(std::unique_ptr<storage::ObjectStore> store) {
  auto v = Vault::Open(std::move(store), crypto::PassphraseSecret("p"));
  EXPECT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_TRUE((*v)->UsePartition(kNode).ok());
  return std::move(v).value();
}

size_t CountKeys(const fs::path& root, std::string_view prefix) {
  size_t n = 0;
  EXPECT_TRUE(Store(root)->List(prefix, [&](const storage::ObjectInfo&) { ++n; }).ok());
  return n;
}

// Every listed backup's blobs read back as the parts it stored: backup b stored Part(b), the backup after the
// kill (`after`) Part(after - 1) and Part(after).
void ExpectEveryBackupRestores(const fs::path& root, size_t expected_backups, int after) {
  std::map<std::string, std::vector<std::vector<uint8_t>>> parts;
  for (int b = 0; b < after; ++b) parts[Id(b)] = {Part(b)};
  parts[Id(after)] = {Part(after - 1), Part(after)};
  auto v = Open(Store(root));
  auto list = v->ListBackups();
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  ASSERT_EQ(list->size(), expected_backups);
  auto codec = v->NewCodec();
  for (const auto& r : *list) {
    ASSERT_EQ(r.node_id, kNode);
    ASSERT_TRUE(v->UsePartition(r.node_id).ok());
    if (!v->blob_index().loaded()) {
      ASSERT_TRUE(v->LoadIndex().ok());
    }
    auto m = v->LoadManifest(r);
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    const auto& blobs = m->tables.at(0).files.at(0).blobs;
    const auto& expected = parts.at(r.backup_id);
    ASSERT_EQ(blobs.size(), expected.size());
    for (size_t i = 0; i < blobs.size(); ++i) {
      std::vector<uint8_t> out;
      Status st = v->ReadBlob(blobs[i], *codec, &out);
      ASSERT_TRUE(st.ok()) << r.backup_id << ": " << st.ToString();
      EXPECT_EQ(out, expected[i]) << r.backup_id;
    }
  }
}

TEST(VerifyPartitionTest, AConsolidatingBackupKilledAtEveryWriteLeavesAGoodVault) {
  vault::testutil::ScratchDir base("cv-verify-part", "base");
  {
    auto v =
        Vault::Init(Store(base.path(), true), crypto::PassphraseSecret("p"), vault::testutil::FastScrypt());
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    ASSERT_TRUE((*v)->UsePartition(kNode).ok());
    for (int b = 0; b < static_cast<int>(vault::kConsolidateAfter); ++b) {
      auto r =
          vault::testutil::CommitTestBackup(**v, {Part(b)}, {.backup_id = Id(b), .pack_target = 1 << 16});
      ASSERT_TRUE(r.ok()) << r.status().ToString();
    }
  }
  const int last = static_cast<int>(vault::kConsolidateAfter);  // the 33rd backup, which consolidates
  const std::string packs = "packs/" + std::string(kNode) + "/";
  const size_t base_packs = CountKeys(base.path(), packs);
  bool completed = false;
  uint64_t kills = 0;
  for (uint64_t n = 1; n < 30 && !completed; ++n) {
    SCOPED_TRACE("killed at write " + std::to_string(n));
    vault::testutil::ScratchDir dir("cv-verify-part", "kill-" + std::to_string(n));
    fs::copy(base.path(), dir.path(), fs::copy_options::recursive);
    bool committed = false;
    {
      auto failing = std::make_unique<vault::testutil::FailingStore>(Store(dir.path()), n);
      vault::testutil::FailingStore* fs_ptr = failing.get();
      auto v = Open(std::move(failing));
      auto r = vault::testutil::CommitTestBackup(*v, {Part(last)},
                                                 {.backup_id = Id(last), .pack_target = 1 << 16});
      committed = r.ok();
      completed = !fs_ptr->failed();
      kills += !completed;
      if (completed) {
        ASSERT_TRUE(committed);
      }
    }
    std::vector<std::string> full;
    ASSERT_TRUE(Store(dir.path())
                    ->List("index-full/", [&](const storage::ObjectInfo& o) { full.push_back(o.key); })
                    .ok());
    // A consolidation exists only if the kill came after its write: complete, never partial.
    EXPECT_EQ(full.size(), completed ? 1u : 0u);
    // Lists and restores what was committed.
    ExpectEveryBackupRestores(dir.path(), last + (committed ? 1 : 0), last + 1);
    // Backs up: the next backup (the killed one's part again, and a new one) finds the killed one's part if
    // its pack was written (indexed, or adopted), and stores it again only if not.
    const bool pack_survived = CountKeys(dir.path(), packs) > base_packs;
    {
      auto v = Open(Store(dir.path()));
      int stored = -1;
      auto r = vault::testutil::CommitTestBackup(
          *v, {Part(last), Part(last + 1)}, {.backup_id = Id(last + 1), .pack_target = 1 << 16}, &stored);
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      EXPECT_EQ(stored, pack_survived ? 1 : 2);
    }
    ExpectEveryBackupRestores(dir.path(), last + (committed ? 2 : 1), last + 1);
    // And verifies deep, clean.
    auto v = Open(Store(dir.path()));
    auto report = RunVerify(*v, "", true);
    ASSERT_TRUE(report.ok()) << report.status().ToString();
    for (const auto& p : report->problems) ADD_FAILURE() << p.object << ": " << p.problem;
    EXPECT_EQ(report->backups.size(), last + (committed ? 2u : 1u));
  }
  EXPECT_TRUE(completed) << "the backup never completed: more writes than the loop allows";
  // Content key, pack, index, manifest, reference set, record, consolidation: at least seven places to die.
  EXPECT_GE(kills, 7u);
}

// What the index cache does not check (vault/index_cache.h): a row changed in place by someone who can
// write the file. A forged row makes a backup skip a blob the vault does not hold; verify reads the vault's
// index, never the cache, and names the blob as missing.
TEST(VerifyPartitionTest, AForgedIndexCacheRowIsCaughtByVerify) {
  vault::testutil::ScratchDir dir("cv-verify-part", "forged");
  const fs::path cache_dir = dir.path() / "cache";
  std::string vault_id;
  {
    auto v = Vault::Init(Store(dir.path() / "vault", true), crypto::PassphraseSecret("p"),
                         vault::testutil::FastScrypt());
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    vault_id = (*v)->vault_id();
    ASSERT_TRUE((*v)->UsePartition(kNode).ok());
    (*v)->SetIndexCacheDir(cache_dir.string());
    ASSERT_TRUE(vault::testutil::CommitTestBackup(**v, {Part(0)}, {.backup_id = Id(0)}).ok());
  }
  auto v = Open(Store(dir.path() / "vault"));
  auto codec = v->NewCodec();
  const ObjectId forged_blob = codec->BlobId(Part(1));
  {
    std::string reset;
    auto cache = vault::IndexCache::Open(cache_dir.string(), vault_id, kNode, 2, &reset);
    ASSERT_TRUE(cache.ok()) << cache.status().ToString();
    ASSERT_TRUE(reset.empty()) << reset;
    IndexEntry row;
    row.pack_id[0] = 1;
    row.entry.blob_id = forged_blob;
    row.entry.stored_len = 100;
    ASSERT_TRUE((*cache)->Ingest({}, {}, std::vector<IndexEntry>{row}, {}).ok());
  }
  v->SetIndexCacheDir(cache_dir.string());
  int stored = -1;
  auto r = vault::testutil::CommitTestBackup(*v, {Part(1)}, {.backup_id = Id(1)}, &stored);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(stored, 0);  // the forged row was believed: the documented limit of the cache's checks
  auto report = RunVerify(*v, "", false);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  bool missing = false;
  for (const auto& p : report->problems) missing |= p.object == "blob " + IdToHex(forged_blob);
  EXPECT_TRUE(missing) << "verify trusted the cache";
}

}  // namespace
// Any key that can list may write a consolidated catalog, and `list` trusts the newest for what it covers:
// one written to leave a backup out hides it from `list`. Verify reads every record the slow way and names
// each one `list` does not show.
TEST(VerifyPartitionTest, ABackupAConsolidatedCatalogLeavesOutIsReportedByVerify) {
  vault::testutil::ScratchDir dir("cv-verify-part", "hidden");
  auto v = Open([&] {
    auto init =
        Vault::Init(Store(dir.path(), true), crypto::PassphraseSecret("p"), vault::testutil::FastScrypt());
    EXPECT_TRUE(init.ok()) << init.status().ToString();
    return Store(dir.path());
  }());
  for (int b = 0; b < 2; ++b)
    ASSERT_TRUE(vault::testutil::CommitTestBackup(*v, {Part(b)}, {.backup_id = Id(b)}).ok());
  auto clean = RunVerify(*v, "", /*deep=*/false);
  ASSERT_TRUE(clean.ok()) << clean.status().ToString();
  EXPECT_TRUE(clean->ok());
  ASSERT_EQ(clean->backups.size(), 2u);

  // A consolidation that holds only the first backup, dated now so that `list` looks no further back.
  auto every = v->catalog().ListSlow();
  ASSERT_TRUE(every.ok());
  std::vector<storage::ObjectInfo> segments;
  ASSERT_TRUE(v->objects().List(layout::ObjectKind::kCatalogSegment, &segments).ok());
  ASSERT_EQ(segments.size(), 2u);
  // Dated days ahead (with the clock moved there): list's day window then starts after both segments.
  const int64_t later = std::time(nullptr) + int64_t{5} * 86400;
  ConsolidatedCatalogWriter w(later - 86400);
  ASSERT_TRUE(w.Add(segments[0].key, BackupRecordToJson((*every)[0])).ok());
  std::vector<uint8_t> body = std::move(w).Finish();
  ASSERT_TRUE(v->objects()
                  .PutFramedAt(layout::ObjectKind::kConsolidatedCatalog,
                               layout::ConsolidatedCatalogKey(later - 86400, "00000000000000aa"), body)
                  .ok());
  v->catalog().SetClock([later] { return later; });
  auto listed = v->ListBackups();
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);  // the forged consolidation hides the second backup from `list`

  auto report = RunVerify(*v, "", /*deep=*/false);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->backups.size(), 2u);  // both are still verified
  ASSERT_EQ(report->problems.size(), 1u);
  EXPECT_EQ(report->problems[0].object, "backup " + Id(1));
  EXPECT_NE(report->problems[0].problem.find("`cassvault list` does not show it"), std::string::npos);
}

}  // namespace cv::ops
