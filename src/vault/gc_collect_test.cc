// Prune's garbage collection on a local store (collect_garbage.h, docs/vault-format.md "Prune: two-phase
// garbage collection"): what goes, when, what a concurrent backup keeps, the re-check of a long backup,
// repack, a kill at each crash point, dry run and the writer key. Backups are made through the real session
// (testutil::CommitTestBackup); prune's clock is GcOptions::now, the backups' is the wall clock.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <set>
#include <thread>

#include "backends/local/local_store.h"
#include "core/vault_layout.h"
#include "storage/counting_store.h"
#include "storage/forwarding_store.h"
#include "vault/backup_session.h"
#include "vault/collect_garbage.h"
#include "vault/crash_point.h"
#include "vault/gc_marks.h"
#include "vault/span_reader.h"
#include "vault/testing.h"
#include "vault/vault.h"

namespace cv::vault {
namespace {

namespace fs = std::filesystem;
using testutil::FastScrypt;

constexpr const char* kNode = "e4e4e4e4e4e4e4e4";
constexpr int64_t kGrace = 3600;
using Parts = std::vector<std::vector<uint8_t>>;

class GcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto v = Vault::Init(Store(true), crypto::PassphraseSecret("admin"), FastScrypt());
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    ASSERT_TRUE(
        (*v)->AddKeySlot(crypto::PassphraseSecret("writer"), FastScrypt(), crypto::KeyRole::kWriter).ok());
    // Prune's clock: well after the backups (an object's age never holds anything back here).
    // The first prune "runs" a grace after now, plus slack: on a loaded machine seconds pass between here and
    // the first Gc, and a pack younger than the grace at `now` is never marked (the tests failed that way).
    t1_ = static_cast<int64_t>(std::time(nullptr)) + kGrace + 300;
  }
  std::unique_ptr<storage::ObjectStore> Store(bool create = false) {
    return std::move(backends::OpenLocalStore((root_ / "vault").string(), create)).value();
  }
  std::unique_ptr<Vault> Open(const std::string& pass = "admin", const std::string& cache = {}) {
    auto v = Vault::Open(Store(), crypto::PassphraseSecret(pass));
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    EXPECT_TRUE((*v)->UsePartition(kNode).ok());
    if (!cache.empty()) (*v)->SetIndexCacheDir(cache);
    return std::move(v).value();
  }
  static std::vector<uint8_t> Part(int seed, size_t n = 3000) {
    return testutil::TestData(n, static_cast<uint8_t>(seed));
  }
  static std::string Id(int b) { return layout::MakeBackupId(1764079200 + b, "0000000e"); }
  BackupRecord Backup(int b, const Parts& parts) {
    auto v = Open();
    auto r = testutil::CommitTestBackup(*v, parts, {.backup_id = Id(b), .pack_target = 1 << 20});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    expected_[Id(b)] = parts;
    return r.ok() ? *r : BackupRecord{};
  }
  GcOptions Opts(int64_t now, bool dry_run = false) {
    return {.now = now,
            .grace_seconds = kGrace,
            .dry_run = dry_run,
            .work_dir = (root_ / "work").string(),
            .by = "gc test"};
  }
  Result<GcReport> Gc(int64_t now, const std::vector<BackupRecord>& purge = {}, bool dry_run = false,
                      std::unique_ptr<storage::ObjectStore> store = nullptr) {
    auto counting = std::make_unique<storage::CountingStore>(store ? std::move(store) : Store());
    storage::CountingStore* requests = counting.get();
    auto opened = Vault::Open(std::move(counting), crypto::PassphraseSecret("admin"));
    if (!opened.ok()) return opened.status();
    requests->Reset();
    auto r = CollectGarbage(**opened, purge, Opts(now, dry_run));
    if (r.ok()) {
      const auto c = requests->counts();
      EXPECT_FALSE(fs::exists(root_ / "work")) << "the work directory is removed at the end";
      std::cout << "gc at +" << (now - t1_) << " s: live backups " << r->live_backups << ", live blobs "
                << r->live_blobs << ", packs " << r->packs << ", dead " << r->dead_packs << ", repacked "
                << r->repacked_packs << " (" << r->repacked_bytes << " B), marked " << r->candidates_marked
                << ", deleted " << r->deleted_objects << " (" << r->deleted_bytes << " B), resurrected "
                << r->kept_resurrected << ", locked " << r->skipped_locked << "; requests " << c.Requests()
                << " (" << c.lists << " LIST, " << c.gets << " GET, " << c.puts << " PUT, " << c.deletes
                << " DELETE)\n";
    }
    return r;
  }
  // Every object's name and size.
  std::map<std::string, uint64_t> Listing() {
    std::map<std::string, uint64_t> out;
    EXPECT_TRUE(Store()->List("", [&](const storage::ObjectInfo& o) { out[o.key] = o.size; }).ok());
    return out;
  }
  std::map<std::string, uint64_t> Listing(std::string_view prefix) {
    std::map<std::string, uint64_t> out;
    for (auto& [k, s] : Listing()) {
      if (k.starts_with(prefix)) out[k] = s;
    }
    return out;
  }
  static uint64_t Bytes(const std::map<std::string, uint64_t>& objects) {
    uint64_t n = 0;
    for (const auto& [k, s] : objects) n += s;
    return n;
  }
  // The packs holding `parts` now (by the partition's index).
  std::set<std::string> PacksOf(const Parts& parts) {
    auto v = Open();
    EXPECT_TRUE(v->LoadIndex().ok());
    auto codec = v->NewCodec();
    std::set<std::string> out;
    for (const auto& p : parts) {
      auto loc = v->FindBlob(codec->BlobId(p));
      EXPECT_TRUE(loc.has_value());
      if (loc) out.insert(layout::PackKey(kNode, loc->pack_id));
    }
    return out;
  }
  // verify, the strict way: the backups listed are exactly `ids`, each restores bytes-equal through a fresh
  // index load that reports no damage, every pack the index names exists and its header lists what the index
  // says, and no pack is left that the index does not name.
  void ExpectCleanAndRestorable(const std::set<std::string>& ids) {
    auto v = Open();
    auto list = v->ListBackups();
    ASSERT_TRUE(list.ok()) << list.status().ToString();
    std::set<std::string> listed;
    for (const auto& r : *list) listed.insert(r.backup_id);
    EXPECT_EQ(listed, ids);
    ASSERT_TRUE(v->LoadIndex().ok());
    for (const auto& p : v->Problems()) EXPECT_FALSE(p.damage) << p.object << ": " << p.problem;
    auto codec = v->NewCodec();
    for (const auto& r : *list) {
      auto m = v->LoadManifest(r);
      ASSERT_TRUE(m.ok()) << m.status().ToString();
      std::vector<uint8_t> got, want, blob;
      const auto& blobs = m->tables.at(0).files.at(0).blobs;
      SpanReader reader(*v, blobs);  // as restore reads: spans of packs
      for (const auto& b : blobs) {
        Status st = reader.ReadBlob(b, *codec, &blob);
        ASSERT_TRUE(st.ok()) << r.backup_id << ": " << st.ToString();
        got.insert(got.end(), blob.begin(), blob.end());
        ASSERT_TRUE(v->ReadBlob(b, *codec, &blob).ok());
      }
      for (const auto& p : expected_.at(r.backup_id)) want.insert(want.end(), p.begin(), p.end());
      EXPECT_TRUE(got == want) << r.backup_id << " does not restore bytes-equal";
    }
    std::vector<storage::ObjectInfo> packs;
    ASSERT_TRUE(v->ListPacks(&packs).ok());
    EXPECT_TRUE(v->TakeAdopted().empty()) << "a pack no index names is left";
  }
  std::string MarkName() {
    auto marks = Listing("gc/");
    return marks.empty() ? std::string() : marks.rbegin()->first;
  }

  testutil::ScratchDir scratch_{"cv-gc", ::testing::UnitTest::GetInstance()->current_test_info()->name()};
  const fs::path& root_ = scratch_.path();
  int64_t t1_ = 0;
  std::map<std::string, Parts> expected_;
};

// The rule: forget + purge, then only a second prune at least the grace after the first deletes the
// packs no kept backup references — exactly those.
TEST_F(GcTest, PurgedBackupsPacksGoOnlyInARunAGraceAfterTheMarkAndExactlyThose) {
  const Parts a = {Part(1), Part(2)}, b = {Part(3), Part(4)}, c = {Part(3), Part(5)};
  BackupRecord ra = Backup(1, a);
  Backup(2, b);
  Backup(3, c);
  const std::set<std::string> a_packs = PacksOf(a);
  ASSERT_EQ(a_packs.size(), 1u);
  const auto packs_before = Listing("packs/");
  ASSERT_EQ(packs_before.size(), 3u);

  auto r1 = Gc(t1_, {ra});
  ASSERT_TRUE(r1.ok()) << r1.status().ToString();
  EXPECT_EQ(r1->purged_backups, 1u);
  EXPECT_EQ(r1->deleted_objects, 3u);  // A's catalog segment, manifest and reference set
  EXPECT_EQ(r1->live_backups, 2u);
  EXPECT_EQ(r1->live_blobs, 3u);
  EXPECT_EQ(r1->dead_packs, 1u);
  EXPECT_GE(r1->candidates_marked, 1u);
  EXPECT_EQ(Listing("gc/").size(), 1u);
  EXPECT_EQ(Listing("packs/"), packs_before) << "phase 1 deletes no pack";
  ExpectCleanAndRestorable({Id(2), Id(3)});

  auto r2 = Gc(t1_ + kGrace / 2);
  ASSERT_TRUE(r2.ok()) << r2.status().ToString();
  EXPECT_EQ(r2->deleted_objects, 0u) << "the mark is not due yet";
  EXPECT_EQ(Listing("packs/"), packs_before);

  auto r3 = Gc(t1_ + kGrace + 1);
  ASSERT_TRUE(r3.ok()) << r3.status().ToString();
  auto packs_after = Listing("packs/");
  std::map<std::string, uint64_t> expected_packs = packs_before;
  for (const auto& k : a_packs) expected_packs.erase(k);
  EXPECT_EQ(packs_after, expected_packs) << "exactly A's pack goes";
  EXPECT_GE(r3->deleted_objects, 2u);  // A's pack and the index objects the consolidation covers
  EXPECT_TRUE(Listing("index/" + std::string(kNode) + "/").empty()) << "covered index objects go too";
  ExpectCleanAndRestorable({Id(2), Id(3)});

  // A's content key went with its last pack: marked by the run that deleted the pack, deleted one grace on.
  const std::string a_key = layout::ContentKeyObjectKey(ra.content_key);
  EXPECT_EQ(Listing("content-keys/").count(a_key), 1u);
  ASSERT_TRUE(Gc(t1_ + 2 * kGrace + 2).ok());
  EXPECT_EQ(Listing("content-keys/").count(a_key), 0u);
  ExpectCleanAndRestorable({Id(2), Id(3)});
}

// A backup that loaded its index before phase 1 deduplicates against a pack prune then marks; it commits
// between the phases: phase 2 finds the pack live again, keeps it, and puts it back into the index view.
TEST_F(GcTest, ABackupThatLoadedBeforeTheMarkAndCommitsBeforePhaseTwoKeepsItsPack) {
  const Parts a = {Part(1), Part(2)};
  BackupRecord ra = Backup(1, a);
  const std::set<std::string> p = PacksOf(a);
  auto node = Open("writer");
  ASSERT_TRUE(node->LoadIndex().ok());  // before phase 1: sees Part(1) in A's pack
  BackupSession session(*node, 1 << 20);

  ASSERT_TRUE(Gc(t1_, {ra}).ok());
  // The backup goes on: Part(1) is found in its (older) index, so it relies on A's pack.
  const Parts d = {Part(1), Part(6)};
  auto codec = node->NewCodec();
  Manifest m;
  m.backup_id = Id(4);
  TableEntry t{"ks", "t", "", "", {}};
  FileEntry f{"nb-1-big-Data.db", 0, 0, 0644, 0, {}};
  for (const auto& part : d) {
    bool stored = false;
    auto id = session.StorePart(*codec, part, true, &stored);
    ASSERT_TRUE(id.ok());
    f.blobs.push_back(*id);
    EXPECT_EQ(stored, part != d[0]);
  }
  t.files.push_back(f);
  m.tables.push_back(t);
  BackupRecord r;
  r.backup_id = m.backup_id;
  ASSERT_TRUE(session.Commit(m, r).ok());
  expected_[Id(4)] = d;
  // Restorable at once: the hidden pack is readable (never deduplicated against).
  ExpectCleanAndRestorable({Id(4)});

  auto r2 = Gc(t1_ + kGrace + 1);
  ASSERT_TRUE(r2.ok()) << r2.status().ToString();
  EXPECT_EQ(r2->kept_resurrected, 1u);
  for (const auto& k : p) EXPECT_EQ(Listing("packs/").count(k), 1u) << k << " was deleted";
  // Back in the index view: a new backup deduplicates against it again.
  auto again = Open();
  ASSERT_TRUE(again->LoadIndex().ok());
  EXPECT_TRUE(again->FindBlob(again->NewCodec()->BlobId(Part(1))).has_value());
  ExpectCleanAndRestorable({Id(4)});
  ASSERT_TRUE(Gc(t1_ + 2 * kGrace + 2).ok());
  ASSERT_TRUE(Gc(t1_ + 3 * kGrace + 3).ok());
  ExpectCleanAndRestorable({Id(4)});
}

// A consolidation written after the mark by a node that loaded its index before it names the candidate pack
// again: a loader may deduplicate against it, so phase 2 keeps it; the next phase 1 hides it again, and it
// goes a grace later.
TEST_F(GcTest, APackAConsolidationNamesAgainAfterTheMarkIsKeptThenHiddenAgain) {
  const Parts a = {Part(1), Part(2)};
  BackupRecord ra = Backup(1, a);
  const std::string p = *PacksOf(a).begin();
  auto node = Open("writer");
  ASSERT_TRUE(node->LoadIndex().ok());
  ASSERT_TRUE(Gc(t1_, {ra}).ok());
  // Consolidations are named by the second they are written (the newest name wins): the node's comes later.
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  auto written = node->blob_index().Consolidate(node->objects());  // its view still holds A's pack
  ASSERT_TRUE(written.ok()) << written.status().ToString();
  auto r2 = Gc(t1_ + kGrace + 1);
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ(Listing("packs/").count(p), 1u) << "deleted while an index view names it";
  EXPECT_GE(r2->consolidations_written, 1u);
  auto again = Open();
  ASSERT_TRUE(again->LoadIndex().ok());
  EXPECT_FALSE(again->FindBlob(again->NewCodec()->BlobId(Part(1))).has_value()) << "hidden again";
  ASSERT_TRUE(Gc(t1_ + 2 * kGrace + 2).ok());
  EXPECT_EQ(Listing("packs/").count(p), 0u);
  ExpectCleanAndRestorable({});
}

// A backup that ran longer than half the grace and commits after phase 2 deleted a pack it deduplicated
// against is aborted by its re-check, and commits nothing.
TEST_F(GcTest, ALongBackupCommittingAfterPhaseTwoIsAbortedByTheRecheck) {
  const Parts a = {Part(1), Part(2)};
  BackupRecord ra = Backup(1, a);
  const std::set<std::string> p = PacksOf(a);
  auto node = Open("writer");
  ASSERT_TRUE(node->LoadIndex().ok());
  int64_t clock = t1_ - 10;
  BackupSession session(*node, 1 << 20);
  session.SetPruneGrace(kGrace);
  session.SetClock([&clock] { return clock; });

  ASSERT_TRUE(Gc(t1_, {ra}).ok());
  ASSERT_TRUE(Gc(t1_ + kGrace + 1).ok());
  for (const auto& k : p) EXPECT_EQ(Listing("packs/").count(k), 0u) << "phase 2 deleted A's pack";
  const std::string mark = MarkName();
  ASSERT_FALSE(mark.empty()) << "the mark stays for a second grace, for this re-check";

  auto codec = node->NewCodec();
  Manifest m;
  m.backup_id = Id(5);
  FileEntry f{"nb-1-big-Data.db", 0, 0, 0644, 0, {}};
  for (const auto& part : {Part(1), Part(7)}) {
    bool stored = false;
    auto id = session.StorePart(*codec, part, true, &stored);
    ASSERT_TRUE(id.ok());
    f.blobs.push_back(*id);
  }
  m.tables.push_back(TableEntry{"ks", "t", "", "", {f}});
  BackupRecord r;
  r.backup_id = m.backup_id;
  clock = t1_ + kGrace + 5;
  auto committed = session.Commit(m, r);
  ASSERT_FALSE(committed.ok());
  EXPECT_EQ(committed.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(
      committed.status().message(),
      "backup " + Id(5) + ": aborted after " + std::to_string(kGrace + 15) +
          " s: prune marked 1 pack(s) this backup relies on as garbage while it ran (gc mark " + mark +
          "), and may delete them before this backup's record is seen; nothing committed; run the backup "
          "again");
  ExpectCleanAndRestorable({});
}

// A backup shorter than half the grace commits without reading a gc mark (any mark written after its index
// load is due only after its record exists); one that ran longer reads them.
TEST_F(GcTest, OnlyABackupLongerThanHalfTheGraceReadsTheMarks) {
  Backup(1, {Part(1)});
  ASSERT_TRUE(Gc(t1_).ok());
  for (const int64_t elapsed : {int64_t{100}, kGrace / 2 + 1}) {
    auto counting = std::make_unique<storage::CountingStore>(Store(), /*keep_log=*/true);
    storage::CountingStore* log = counting.get();
    auto opened = Vault::Open(std::move(counting), crypto::PassphraseSecret("writer"));
    ASSERT_TRUE(opened.ok());
    Vault& v = **opened;
    ASSERT_TRUE(v.UsePartition(kNode).ok());
    ASSERT_TRUE(v.LoadIndex().ok());
    int64_t clock = t1_;
    BackupSession session(v, 1 << 20);
    session.SetPruneGrace(kGrace);
    session.SetClock([&clock] { return clock; });
    auto codec = v.NewCodec();
    bool stored = false;
    auto id = session.StorePart(*codec, Part(static_cast<int>(elapsed % 200) + 10), true, &stored);
    ASSERT_TRUE(id.ok());
    Manifest m;
    m.backup_id = Id(static_cast<int>(elapsed % 1000) + 100);
    m.tables.push_back(TableEntry{"ks", "t", "", "", {FileEntry{"nb-1-big-Data.db", 0, 0, 0644, 0, {*id}}}});
    BackupRecord r;
    r.backup_id = m.backup_id;
    clock += elapsed;
    log->Reset();
    ASSERT_TRUE(session.Commit(m, r).ok());
    size_t gc_lists = 0;
    for (const auto& q : log->Log()) gc_lists += q.op == 'L' && q.key == "gc/";
    EXPECT_EQ(gc_lists, elapsed > kGrace / 2 ? 1u : 0u) << "elapsed " << elapsed;
  }
}

// A pack whose blobs are mostly garbage: its live blob is copied into a new pack, the old one goes, the
// stored bytes shrink and the kept backup restores.
TEST_F(GcTest, RepackKeepsLiveBlobsReadableAndShrinksStoredBytes) {
  const Parts d = {Part(1, 20000), Part(2, 20000), Part(3, 20000), Part(4, 20000)};
  BackupRecord rd = Backup(1, d);
  Backup(2, {Part(1, 20000)});  // shares only Part(1)
  const auto before = Listing("packs/");
  ASSERT_EQ(before.size(), 1u);

  auto r1 = Gc(t1_, {rd});
  ASSERT_TRUE(r1.ok()) << r1.status().ToString();
  EXPECT_EQ(r1->repacked_packs, 1u);
  EXPECT_GT(r1->repacked_bytes, 20000u);
  EXPECT_LT(r1->repacked_bytes, 30000u);
  ExpectCleanAndRestorable({Id(2)});
  auto r2 = Gc(t1_ + kGrace + 1);
  ASSERT_TRUE(r2.ok()) << r2.status().ToString();
  const auto after = Listing("packs/");
  ASSERT_EQ(after.size(), 1u);
  EXPECT_NE(after.begin()->first, before.begin()->first);
  EXPECT_LT(Bytes(after) * 3, Bytes(before)) << Bytes(before) << " -> " << Bytes(after);
  std::cout << "repack: packs " << Bytes(before) << " B -> " << Bytes(after) << " B\n";
  ExpectCleanAndRestorable({Id(2)});
}

TEST_F(GcTest, DryRunChangesNothingButSaysWhatItWouldDo) {
  BackupRecord ra = Backup(1, {Part(1), Part(2)});
  Backup(2, {Part(3)});
  auto before = Listing();
  auto dry = Gc(t1_, {ra}, /*dry_run=*/true);
  ASSERT_TRUE(dry.ok()) << dry.status().ToString();
  EXPECT_EQ(Listing(), before);
  EXPECT_EQ(dry->purged_backups, 1u);
  EXPECT_EQ(dry->deleted_objects, 3u);
  EXPECT_EQ(dry->live_backups, 1u);
  EXPECT_GE(dry->candidates_marked, 2u);  // at least A's pack and the index objects
  ASSERT_TRUE(Gc(t1_, {ra}).ok());
  before = Listing();
  auto dry2 = Gc(t1_ + kGrace + 1, {}, true);
  ASSERT_TRUE(dry2.ok());
  EXPECT_EQ(Listing(), before);
  EXPECT_GE(dry2->deleted_objects, 2u) << "would delete A's pack and the covered index objects";
  EXPECT_EQ(dry2->marks_processed, 1u);
}

TEST_F(GcTest, AWriterKeyIsRefusedBeforeAnythingIsWrittenOrDeleted) {
  BackupRecord ra = Backup(1, {Part(1), Part(2)});
  ASSERT_TRUE(Gc(t1_).ok());
  const auto before = Listing();
  auto w = Open("writer");
  GcOptions o = Opts(t1_ + kGrace + 1);
  auto r = CollectGarbage(*w, std::vector<BackupRecord>{ra}, o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(r.status().message().find("needs the admin key"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("Nothing was written or deleted"), std::string::npos);
  EXPECT_EQ(Listing(), before);
  EXPECT_FALSE(fs::exists(root_ / "work"));
}

// The mark set names every live blob: it lives in a private directory prune makes (0700) and removes; a work
// directory that exists already is used as it is (its mode is not changed, nothing is left in it).
TEST_F(GcTest, TheMarkSetLivesInAPrivateDirectoryThatIsRemoved) {
  Backup(1, {Part(1)});
  const fs::path shared = root_ / "shared";
  fs::create_directories(shared);
  fs::permissions(shared, fs::perms(0755));
  auto v = Open();
  GcOptions o = Opts(t1_);
  o.work_dir = shared.string();
  auto r = CollectGarbage(*v, {}, o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(fs::status(shared).permissions(), fs::perms(0755));
  EXPECT_TRUE(fs::is_empty(shared));
  o.work_dir.clear();
  auto refused = CollectGarbage(*v, {}, o);
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
}

// Packs of the unpartitioned layout (older v2 vaults, backup --offline) cannot be hidden from loaders (their
// index objects are never consolidated): neither they nor any content key (theirs may seal blobs a kept
// backup shares) are collected; prune says so.
TEST_F(GcTest, UnpartitionedPacksAndContentKeysAreLeftAlone) {
  auto flat = Vault::Open(Store(), crypto::PassphraseSecret("admin"));
  ASSERT_TRUE(flat.ok());
  auto ru =
      testutil::CommitTestBackup(**flat, {Part(1), Part(2)}, {.backup_id = Id(1), .pack_target = 1 << 20});
  ASSERT_TRUE(ru.ok()) << ru.status().ToString();
  Backup(2, {Part(3)});
  const auto packs = Listing("packs/");
  const auto keys = Listing("content-keys/");
  auto r = Gc(t1_, {*ru});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  bool noted = false;
  for (const auto& n : r->notes) noted = noted || n.find("1 unpartitioned packs") != std::string::npos;
  EXPECT_TRUE(noted);
  ASSERT_TRUE(Gc(t1_ + kGrace + 1).ok());
  ASSERT_TRUE(Gc(t1_ + 2 * kGrace + 2).ok());
  EXPECT_EQ(Listing("packs/"), packs);
  EXPECT_EQ(Listing("content-keys/"), keys);
  ExpectCleanAndRestorable({Id(2)});
}

// A pack a kept backup needs that no index view names (its index object lost): prune's consolidation names it
// again from its header, so loaders find it without reading it whole to adopt it.
TEST_F(GcTest, ALivePackNoIndexNamesIsNamedAgainByTheConsolidation) {
  Backup(1, {Part(1)});
  const auto raw = Listing("index/" + std::string(kNode) + "/");
  ASSERT_EQ(raw.size(), 1u);
  ASSERT_TRUE(Store()->Delete(raw.begin()->first).ok());
  {
    auto v = Open();
    ASSERT_TRUE(v->LoadIndex().ok());
    EXPECT_EQ(v->TakeAdopted().size(), 1u);  // before: adopted, the pack read whole
  }
  auto r = Gc(t1_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->consolidations_written, 1u);
  EXPECT_EQ(r->candidates_marked, 0u);
  ExpectCleanAndRestorable({Id(1)});  // and no pack left that no index names
}

// A store that refuses to delete packs, as S3 Object Lock or Azure immutability does for a locked object.
class LockedPacksStore final : public storage::ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;
  Status Delete(std::string_view key) override {
    if (key.starts_with("packs/"))
      return Status::FailedPrecondition(std::string(key), "locked by the store until 2027-01-01T00:00:00Z");
    return ForwardingStore::Delete(key);
  }
};

TEST_F(GcTest, AnObjectTheStoreKeepsLockedIsSkippedCountedAndTheRestGoes) {
  BackupRecord ra = Backup(1, {Part(1), Part(2)});
  Backup(2, {Part(3)});
  const std::set<std::string> a_pack = PacksOf({Part(1)});
  ASSERT_TRUE(Gc(t1_, {ra}).ok());
  ASSERT_EQ(Listing("index/" + std::string(kNode) + "/").size(), 2u);
  auto r = Gc(t1_ + kGrace + 1, {}, false, std::make_unique<LockedPacksStore>(Store()));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->skipped_locked, 1u);
  ASSERT_FALSE(r->notes.empty());
  bool noted = false;
  for (const auto& n : r->notes)
    noted = noted || n.find("locked by the store until 2027-01-01") != std::string::npos;
  EXPECT_TRUE(noted);
  EXPECT_EQ(Listing("packs/").count(*a_pack.begin()), 1u) << "the locked pack stays";
  EXPECT_TRUE(Listing("index/" + std::string(kNode) + "/").empty()) << "what is not locked still goes";
  ExpectCleanAndRestorable({Id(2)});
  // The run that was refused marked it again: once the lock is gone, the run a grace later deletes it.
  ASSERT_TRUE(Gc(t1_ + 2 * kGrace + 2).ok());
  EXPECT_EQ(Listing("packs/").count(*a_pack.begin()), 0u);
  ExpectCleanAndRestorable({Id(2)});
}

// The node's index cache ingests a consolidation it did not write by replacing what it held: prune's
// consolidation leaves out the packs it marked, so the node stops deduplicating against them.
TEST_F(GcTest, ANodesIndexCacheDropsThePacksPrunesConsolidationLeavesOut) {
  const std::string cache = (root_ / "cache").string();
  auto node = Open("writer", cache);
  auto ra =
      testutil::CommitTestBackup(*node, {Part(1), Part(2)}, {.backup_id = Id(1), .pack_target = 1 << 20});
  ASSERT_TRUE(ra.ok());
  ASSERT_TRUE(node->LoadIndex().ok());
  ASSERT_TRUE(node->blob_index().cached());
  const ObjectId x = node->NewCodec()->BlobId(Part(1));
  ASSERT_TRUE(node->FindBlob(x).has_value());
  ASSERT_TRUE(Gc(t1_, {*ra}).ok());
  ASSERT_TRUE(node->LoadIndex().ok());
  ASSERT_TRUE(node->blob_index().cached());
  EXPECT_FALSE(node->FindBlob(x).has_value()) << "the cache still deduplicates against a marked pack";
  EXPECT_TRUE(node->blob_index().FindHidden(x).has_value());
  EXPECT_TRUE(node->TakeAdopted().empty()) << "a marked pack is never adopted";
}

// A kill at each named point, then the runs again: verify is clean and every kept backup restores.
class GcCrashTest : public GcTest, public ::testing::WithParamInterface<const char*> {};

TEST_P(GcCrashTest, AKillAtThePointThenARerunLeavesTheVaultCleanAndEveryKeptBackupReadable) {
  const std::string point = GetParam();
  BackupRecord ra = Backup(1, {Part(1), Part(2)});
  Backup(2, {Part(3), Part(4)});
  BackupRecord rd = Backup(3, {Part(5, 20000), Part(6, 20000), Part(7, 20000)});
  Backup(4, {Part(5, 20000), Part(3), Part(8)});
  const std::vector<BackupRecord> purge = {ra, rd};
  const bool in_phase_two = point == "gc-mid-delete";
  if (in_phase_two) {
    ASSERT_TRUE(Gc(t1_, purge).ok());
  }
  const int64_t when = in_phase_two ? t1_ + kGrace + 1 : t1_;
  const auto before = Listing();
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ArmCrashPointForTest(point);
    auto v = Vault::Open(Store(), crypto::PassphraseSecret("admin"));
    if (!v.ok()) ::_exit(3);
    auto r = CollectGarbage(**v, in_phase_two ? std::vector<BackupRecord>{} : purge, Opts(when));
    ::_exit(r.ok() ? 0 : 4);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << point << " was not reached: " << status;
  EXPECT_NE(Listing(), before) << "killed after it changed something";
  fs::remove_all(root_ / "work");  // a killed run leaves its mark set; the next run makes a new one

  // The runs again, as the daemon would: phase 1 (purge again), then the due phases.
  ASSERT_TRUE(Gc(when, in_phase_two ? std::vector<BackupRecord>{} : purge).ok());
  ExpectCleanAndRestorable({Id(2), Id(4)});
  ASSERT_TRUE(Gc(when + kGrace + 1).ok());
  ExpectCleanAndRestorable({Id(2), Id(4)});
  ASSERT_TRUE(Gc(when + 2 * kGrace + 2).ok());
  ExpectCleanAndRestorable({Id(2), Id(4)});
  // Only the kept backups' data is left: B's pack, C's pack and the repacked copy of Part(5).
  EXPECT_EQ(Listing("packs/").size(), 3u);
  EXPECT_TRUE(Listing("refs/").size() == 2u && Listing("manifests/").size() == 2u);
}

INSTANTIATE_TEST_SUITE_P(Points, GcCrashTest,
                         ::testing::Values("gc-after-mark", "gc-mid-delete", "gc-after-consolidate",
                                           "purge-mid"),
                         [](const auto& point) {
                           std::string n = point.param;
                           for (char& ch : n) ch = ch == '-' ? '_' : ch;
                           return n;
                         });

}  // namespace
}  // namespace cv::vault

namespace cv::vault {
namespace {

// Not run by default (minutes): prune's peak RSS and requests on a vault of 10 partitions, 200 backups and
// 1,000,000 blobs, half of the backups purged. Each step runs in its own process, so the figure is prune's
// own. Run: build/release/src/vault/gc_test --gtest_also_run_disabled_tests --gtest_filter='*Scale*'
TEST_F(GcTest, DISABLED_ScaleMemoryAndRequests) {
  constexpr int kNodes = 10, kBackups = 20, kParts = 5000;
  auto in_child = [](const std::function<int()>& body) {
    pid_t pid = ::fork();
    if (pid == 0) ::_exit(body());
    int status = 0;
    struct rusage ru {};
    ::wait4(pid, &status, 0, &ru);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
    return ru.ru_maxrss;  // KiB
  };
  std::vector<BackupRecord> purge;
  const std::string records = (root_ / "purge.txt").string();
  long build_kib = in_child([&] {
    for (int n = 0; n < kNodes; ++n) {
      char node[17];
      std::snprintf(node, sizeof node, "%016x", 0xa0000000 + n);
      auto v = Vault::Open(Store(), crypto::PassphraseSecret("admin"));
      if (!v.ok() || !(*v)->UsePartition(node).ok()) return 1;
      for (int b = 0; b < kBackups; ++b) {
        Parts parts;
        for (int i = 0; i < kParts; ++i) {
          std::vector<uint8_t> p(64, 0);
          const uint64_t tag = (uint64_t(n) << 40) | (uint64_t(b) << 20) | uint64_t(i);
          std::memcpy(p.data(), &tag, sizeof tag);
          parts.push_back(std::move(p));
        }
        auto r = testutil::CommitTestBackup(
            **v, parts,
            {.backup_id = layout::MakeBackupId(1764079200 + 1000 * n + b, std::string(node).substr(0, 8)),
             .pack_target = 1 << 20,
             .try_compress = false});
        if (!r.ok()) return 2;
      }
    }
    return 0;
  });
  auto v = Open();
  auto list = v->ListBackups();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), static_cast<size_t>(kNodes * kBackups));
  for (size_t i = 0; i < list->size(); i += 2) purge.push_back((*list)[i]);
  v.reset();
  auto run = [&](int64_t now, const std::vector<BackupRecord>& p) {
    return in_child([&, now] {
      auto start = std::chrono::steady_clock::now();
      auto counting = std::make_unique<storage::CountingStore>(Store());
      storage::CountingStore* c = counting.get();
      auto opened = Vault::Open(std::move(counting), crypto::PassphraseSecret("admin"));
      if (!opened.ok()) return 1;
      auto r = CollectGarbage(**opened, p, Opts(now));
      if (!r.ok()) {
        std::cerr << r.status().ToString() << "\n";
        return 2;
      }
      auto ms =
          std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
      std::cout << "scale gc: live blobs " << r->live_blobs << ", packs " << r->packs << ", marked "
                << r->candidates_marked << ", deleted " << r->deleted_objects << " (" << r->deleted_bytes
                << " B), repacked " << r->repacked_packs << ", requests " << c->counts().Requests() << ", "
                << ms.count() << " ms" << std::endl;  // flushed: the child leaves by _exit
      return 0;
    });
  };
  const auto before = Bytes(Listing("packs/"));
  long phase1_kib = run(t1_, purge);
  long phase2_kib = run(t1_ + kGrace + 1, {});
  std::cout << "scale: build peak " << build_kib << " KiB; prune peak RSS phase 1 " << phase1_kib
            << " KiB, phase 2 " << phase2_kib << " KiB; packs " << before << " B -> "
            << Bytes(Listing("packs/")) << " B\n";
  EXPECT_LT(phase1_kib, 128 * 1024);
  EXPECT_LT(phase2_kib, 128 * 1024);
}

}  // namespace
}  // namespace cv::vault
