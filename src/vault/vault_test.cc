// The vault engine over a real local store and real crypto.
#include "vault/vault.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "backends/local/local_store.h"
#include "core/vault_layout.h"
#include "storage/counting_store.h"
#include "storage/object_key.h"
#include "vault/backup_session.h"
#include "vault/span_reader.h"
#include "vault/testing.h"

namespace cv::vault {
namespace {

namespace fs = std::filesystem;

using testutil::FastScrypt;

// Every test runs on a vault of each format: v2 is what `init` makes, v1 what older releases made.
class VaultTest : public ::testing::TestWithParam<int> {
 protected:
  int format() const { return GetParam(); }
  void SetUp() override {
    auto v = Vault::Init(Store(true), crypto::PassphraseSecret("correct horse"), FastScrypt(), format());
    ASSERT_TRUE(v.ok()) << v.status().ToString();
  }
  std::unique_ptr<storage::ObjectStore> Store(bool create = false) {
    return std::move(backends::OpenLocalStore(root_.string(), create)).value();
  }
  std::unique_ptr<Vault> OpenOk() {
    auto v = Vault::Open(Store(), crypto::PassphraseSecret("correct horse"));
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    return std::move(v).value();
  }
  static std::vector<uint8_t> Data(size_t n, uint8_t seed) { return testutil::TestData(n, seed); }
  // Stores parts and commits a backup.
  BackupRecord Backup(Vault& v, const std::vector<std::vector<uint8_t>>& parts, int* stored_count) {
    EXPECT_TRUE(v.LoadIndex().ok());  // the id below counts the blobs the vault holds
    auto c = testutil::CommitTestBackup(
        v, parts,
        {.backup_id = layout::MakeBackupId(1764079200 + static_cast<int>(v.BlobCount()), "0000000a"),
         .pack_target = 1 << 16},
        stored_count);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? *c : BackupRecord{};
  }

  testutil::ScratchDir scratch_{"cv-vault", ::testing::UnitTest::GetInstance()->current_test_info()->name()};
  const fs::path& root_ = scratch_.path();
};

INSTANTIATE_TEST_SUITE_P(Formats, VaultTest, ::testing::Values(1, 2),
                         [](const ::testing::TestParamInfo<int>& i) {
                           return "v" + std::to_string(i.param);
                         });

TEST_P(VaultTest, WrongKeyMissingVaultAndDoubleInit) {
  auto wrong = Vault::Open(Store(), crypto::PassphraseSecret("wrong"));
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(wrong.status().message().find("wrong"), std::string::npos);  // no secret in messages

  auto again = Vault::Init(Store(), crypto::PassphraseSecret("x"), FastScrypt());
  EXPECT_EQ(again.status().code(), StatusCode::kFailedPrecondition);

  fs::create_directories(root_ / "empty");
  auto empty = Vault::Open(std::move(backends::OpenLocalStore((root_ / "empty").string(), false)).value(),
                           crypto::PassphraseSecret("x"));
  EXPECT_TRUE(empty.status().IsNotFound());
  EXPECT_NE(empty.status().message().find("cassvault init"), std::string::npos);
}

TEST_P(VaultTest, RoundTripAndDedup) {
  auto v = OpenOk();
  std::vector<std::vector<uint8_t>> parts = {Data(70000, 1), Data(100, 2), std::vector<uint8_t>(50000, 'a')};
  int stored = 0;
  BackupRecord r1 = Backup(*v, parts, &stored);
  EXPECT_EQ(stored, 3);

  auto v2 = OpenOk();
  auto list = v2->ListBackups();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  auto m = v2->LoadManifest((*list)[0]);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  ASSERT_TRUE(v2->LoadIndex().ok());
  auto codec = v2->NewCodec();
  std::vector<uint8_t> out;
  for (size_t i = 0; i < parts.size(); ++i) {
    ASSERT_TRUE(v2->ReadBlob(m->tables[0].files[0].blobs[i], *codec, &out).ok());
    EXPECT_EQ(out, parts[i]);
  }
  // The same content again stores nothing.
  BackupRecord r2 = Backup(*v2, parts, &stored);
  EXPECT_EQ(stored, 0);
  EXPECT_EQ(r2.stored_bytes, 0u);
}

TEST_P(VaultTest, OrphanPacksAreAdoptedNotUploadedAgain) {
  {
    auto v = OpenOk();
    ASSERT_TRUE(v->LoadIndex().ok());
    BackupSession s(*v, 1 << 10);  // tiny packs: every part fills one
    auto codec = v->NewCodec();
    bool stored = false;
    ASSERT_TRUE(s.StorePart(*codec, Data(5000, 9), true, &stored).ok());
    EXPECT_TRUE(stored);
    // No commit: as if killed after the pack upload.
  }
  auto v = OpenOk();
  ASSERT_TRUE(v->LoadIndex().ok());
  EXPECT_EQ(v->BlobCount(), 1u);
  int stored = 0;
  Backup(*v, {Data(5000, 9)}, &stored);
  EXPECT_EQ(stored, 0);
  // The adopted pack is now named by a committed index.
  auto v3 = OpenOk();
  ASSERT_TRUE(v3->LoadIndex().ok());
  EXPECT_TRUE(v3->TakeAdopted().empty());
}

// A store whose pack uploads fail, as a full disk or a revoked credential would make them.
class FailingPacks final : public storage::ObjectStore {
 public:
  explicit FailingPacks(std::unique_ptr<storage::ObjectStore> inner) : inner_(std::move(inner)) {}
  std::string Describe() const override { return inner_->Describe(); }
  storage::StoreProperties Properties() const override { return inner_->Properties(); }
  Status Put(std::string_view k, std::span<const uint8_t> d) override {
    if (k.rfind("packs/", 0) == 0)
      return Status::PermissionDenied("PUT " + std::string(k), "403 AuthorizationFailure");
    return inner_->Put(k, d);
  }
  Status Get(std::string_view k, uint64_t o, uint64_t l, std::vector<uint8_t>* out) override {
    return inner_->Get(k, o, l, out);
  }
  Result<storage::ObjectInfo> Stat(std::string_view k) override { return inner_->Stat(k); }
  Status List(std::string_view p, const std::function<void(const storage::ObjectInfo&)>& fn) override {
    return inner_->List(p, fn);
  }
  Status Delete(std::string_view k) override { return inner_->Delete(k); }

 private:
  std::unique_ptr<storage::ObjectStore> inner_;
};

TEST_P(VaultTest, AFailedBackgroundUploadFailsTheBackupAndCommitsNothing) {
  auto v = Vault::Open(std::make_unique<FailingPacks>(Store()), crypto::PassphraseSecret("correct horse"));
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  ASSERT_TRUE((*v)->LoadIndex().ok());
  Status first_failure;
  {
    BackupSession s(**v, 1 << 10);  // tiny packs: every part fills one, so uploads run in the background
    auto codec = (*v)->NewCodec();
    Manifest m;
    m.backup_id = layout::MakeBackupId(1764079200, "0000000b");
    for (uint8_t i = 0; i < 8 && first_failure.ok(); ++i) {
      bool stored = false;
      first_failure = s.StorePart(*codec, Data(3000, i), false, &stored).status();
    }
    BackupRecord r;
    r.backup_id = m.backup_id;
    if (first_failure.ok()) first_failure = s.Commit(m, r).status();
  }
  EXPECT_EQ(first_failure.code(), StatusCode::kPermissionDenied) << first_failure.ToString();
  EXPECT_NE(first_failure.message().find("403 AuthorizationFailure"), std::string::npos);
  EXPECT_FALSE(fs::exists(root_ / "backups")) << "a backup whose packs failed must not be committed";
}

TEST_P(VaultTest, SpanReaderFetchesNeighboursOnceAndChecksEveryBlob) {
  auto v = OpenOk();
  std::vector<std::vector<uint8_t>> parts;
  for (uint8_t i = 0; i < 20; ++i) parts.push_back(Data(1000 + i * 37, i));
  int stored = 0;
  BackupRecord rec = Backup(*v, parts, &stored);
  ASSERT_EQ(stored, 20);
  auto v2 = OpenOk();
  ASSERT_TRUE(v2->LoadIndex().ok());
  auto codec = v2->NewCodec();
  std::vector<ObjectId> ids;
  ids.reserve(parts.size());
  for (const auto& p : parts) ids.push_back(codec->BlobId(p));
  // 64 KiB packs hold all twenty: one span, fetched once, every blob still opened and checked.
  SpanReader reader(*v2, ids);
  for (size_t i = 0; i < parts.size(); ++i) {
    std::vector<uint8_t> out;
    ASSERT_TRUE(reader.ReadBlob(ids[i], *codec, &out).ok()) << i;
    EXPECT_EQ(out, parts[i]) << i;
  }
  EXPECT_EQ(reader.spans_fetched(), 1u);
  // A blob nobody announced is read on its own; an unknown one is NotFound, as from the vault.
  SpanReader partial(*v2, {ids[3], ids[4]});
  std::vector<uint8_t> out;
  ASSERT_TRUE(partial.ReadBlob(ids[10], *codec, &out).ok());
  EXPECT_EQ(out, parts[10]);
  EXPECT_EQ(partial.spans_fetched(), 0u);
  ObjectId unknown{};
  EXPECT_TRUE(partial.ReadBlob(unknown, *codec, &out).IsNotFound());
  // With a gap too small to bridge, two blobs far apart are two requests.
  SpanReader apart(*v2, {ids[0], ids[19]}, {.max_gap = 0, .max_span = 2 << 20, .cache_spans = 4});
  ASSERT_TRUE(apart.ReadBlob(ids[0], *codec, &out).ok());
  ASSERT_TRUE(apart.ReadBlob(ids[19], *codec, &out).ok());
  EXPECT_EQ(apart.spans_fetched(), 0u);  // each its own span of one blob: read directly
  (void)rec;
}

TEST_P(VaultTest, FlippedBitIsCorruption) {
  auto v = OpenOk();
  int stored = 0;
  BackupRecord r = Backup(*v, {Data(30000, 3)}, &stored);
  std::vector<storage::ObjectInfo> packs;
  ASSERT_TRUE(v->ListPacks(&packs).ok());
  ASSERT_EQ(packs.size(), 1u);
  fs::path p = root_ / packs[0].key;
  fs::permissions(p, fs::perms::owner_write, fs::perm_options::add);
  {
    std::fstream f(p, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(100);
    char c;
    f.seekg(100);
    f.get(c);
    f.seekp(100);
    f.put(static_cast<char>(c ^ 0x10));
  }
  auto v2 = OpenOk();
  ASSERT_TRUE(v2->LoadIndex().ok());
  auto m = v2->LoadManifest(r);
  ASSERT_TRUE(m.ok());
  auto codec = v2->NewCodec();
  std::vector<uint8_t> out;
  Status st = v2->ReadBlob(m->tables[0].files[0].blobs[0], *codec, &out);
  EXPECT_TRUE(st.IsCorruption()) << st.ToString();
}

TEST_P(VaultTest, TamperedManifestIsDetected) {
  auto v = OpenOk();
  int stored = 0;
  BackupRecord r = Backup(*v, {Data(100, 4)}, &stored);
  fs::path p = root_ / layout::ManifestKey(r.manifest_id);
  std::string bytes;
  {
    std::ifstream in(p, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  bytes[bytes.size() / 2] ^= 1;
  fs::remove(p);
  std::ofstream(p, std::ios::binary) << bytes;
  auto m = OpenOk()->LoadManifest(r);
  ASSERT_FALSE(m.ok());
  EXPECT_TRUE(m.status().IsCorruption()) << m.status().ToString();
}

// --- the review's attacks by a writer without the key ----------------------------------------------

std::vector<uint8_t> ReadAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

void WriteNew(const fs::path& p, std::span<const uint8_t> bytes) {
  fs::create_directories(p.parent_path());
  ASSERT_FALSE(fs::exists(p)) << p;
  std::ofstream(p, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

bool Names(const std::vector<VaultProblem>& problems, const std::string& object) {
  for (const auto& p : problems) {
    if (p.object == object) return true;
  }
  return false;
}

TEST_P(VaultTest, AHeaderTransplantedOntoJunkIsNotAdoptedAndTheGenuineOrphanIs) {
  {
    auto v = OpenOk();
    ASSERT_TRUE(v->LoadIndex().ok());
    BackupSession s(*v, 1 << 10);  // tiny packs: the part fills one, which is uploaded
    auto codec = v->NewCodec();
    bool stored = false;
    ASSERT_TRUE(s.StorePart(*codec, Data(5000, 1), true, &stored).ok());
    // No commit: as if killed before the index (CASSVAULT_TEST_CRASH_AT=before-index), as the review did.
  }
  std::vector<storage::ObjectInfo> packs;
  ASSERT_TRUE(OpenOk()->ListPacks(&packs).ok());
  ASSERT_EQ(packs.size(), 1u);
  std::vector<uint8_t> orphan = ReadAll(root_ / packs[0].key);
  uint32_t hlen;
  std::memcpy(&hlen, orphan.data() + orphan.size() - kPackTrailerSize, 4);
  size_t region = orphan.size() - kPackTrailerSize - hlen;
  std::vector<std::string> junk_keys;
  for (uint8_t seed = 10; seed < 14; ++seed) {
    std::vector<uint8_t> junk = Data(region, seed);
    junk.insert(junk.end(), orphan.begin() + static_cast<std::ptrdiff_t>(region), orphan.end());
    junk_keys.push_back(layout::PackKey(crypto::Sha256(junk)));
    WriteNew(root_ / junk_keys.back(), junk);
  }
  auto v = OpenOk();
  ASSERT_TRUE(v->LoadIndex().ok());
  EXPECT_EQ(v->BlobCount(), 1u);
  for (const auto& e : v->TakeAdopted()) EXPECT_EQ(layout::PackKey(e.pack_id), packs[0].key);
  for (const auto& k : junk_keys) EXPECT_TRUE(Names(v->Problems(), k)) << k;
  ASSERT_TRUE(v->LoadIndex().ok());
  int stored = 0;
  Backup(*v, {Data(5000, 1)}, &stored);
  EXPECT_EQ(stored, 0);  // the genuine orphan's blobs, adopted: nothing uploaded twice
  auto v2 = OpenOk();
  ASSERT_TRUE(v2->LoadIndex().ok());
  auto codec = v2->NewCodec();
  std::vector<uint8_t> out;
  ASSERT_TRUE(v2->ReadBlob(codec->BlobId(Data(5000, 1)), *codec, &out).ok());
  EXPECT_EQ(out, Data(5000, 1));
}

TEST_P(VaultTest, JunkIndexRecordAndKeySlotsAreSkippedAndNamed) {
  auto v = OpenOk();
  int stored = 0;
  BackupRecord good = Backup(*v, {Data(300, 3)}, &stored);
  const std::string junk = "junk";
  std::string index_key = layout::IndexKey(crypto::Sha256(crypto::AsBytes(junk)));
  WriteNew(root_ / index_key, crypto::AsBytes(junk));
  WriteNew(root_ / "backups/20300101T000000Z-deadbeef", crypto::AsBytes(junk));
  WriteNew(root_ / "keys/0000junk", crypto::AsBytes(junk));
  WriteNew(
      root_ / "keys/0000slow",
      crypto::AsBytes(R"({"version":1,"id":"0000slow","kind":"passphrase","kdf":{"name":"scrypt",)"
                      R"("log2_n":20,"r":8,"p":2,"salt":"AAAAAAAAAAAAAAAAAAAAAA=="},"sealed_master_key":")" +
                      std::string(123, 'A') + "=\"}"));
  auto v2 = OpenOk();
  EXPECT_TRUE(Names(v2->Problems(), "keys/0000junk"));
  EXPECT_TRUE(Names(v2->Problems(), "keys/0000slow"));
  auto list = v2->ListBackups();
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].backup_id, good.backup_id);
  EXPECT_TRUE(Names(v2->Problems(), "backups/20300101T000000Z-deadbeef"));
  ASSERT_TRUE(v2->LoadIndex().ok());
  EXPECT_TRUE(Names(v2->Problems(), index_key));
  EXPECT_TRUE(v2->FindBlob(v2->NewCodec()->BlobId(Data(300, 3))).has_value());
}

// Objects found by a listing are read with the listed size: one request each, not a Stat and a Get (the
// index of a vault with a year of hourly backups is tens of thousands of objects).
TEST_P(VaultTest, MetadataFoundByAListingCostsOneRequestEach) {
  {
    auto v = OpenOk();
    int stored = 0;
    for (uint8_t i = 0; i < 3; ++i) Backup(*v, {Data(1000, i)}, &stored);
  }
  auto opened = Vault::Open(std::make_unique<storage::CountingStore>(Store()),
                            crypto::PassphraseSecret("correct horse"));
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  Vault& v = **opened;
  auto& store = static_cast<storage::CountingStore&>(v.store());
  // Open: one Get of config (nothing lists it; no Stat first), one Get per key slot and (v1) per config seal.
  EXPECT_EQ(store.counts().stats, 0u);
  EXPECT_EQ(store.counts().gets, format() == 1 ? 3u : 2u);
  store.Reset();
  auto list = v.ListBackups();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 3u);
  // v2: catalog-full/ (no consolidation yet), catalog/ and backups/ (vault/catalog.h); v1: backups/.
  EXPECT_EQ(store.counts().lists, format() == 1 ? 1u : 3u);
  EXPECT_EQ(store.counts().stats, 0u);
  EXPECT_EQ(store.counts().gets, 3u);
  store.Reset();
  ASSERT_TRUE(v.LoadIndex().ok());
  EXPECT_EQ(v.BlobCount(), 3u);
  EXPECT_EQ(store.counts().lists, 2u);  // index/ and packs/
  EXPECT_EQ(store.counts().stats, 0u);
  EXPECT_EQ(store.counts().gets, 3u);  // three index objects; every pack is indexed, so none is read
  // A manifest is named by its record, not found by a listing: still one request, a Get of at most a
  // manifest's bound (v2: and one for its content key, the first time).
  store.Reset();
  ASSERT_TRUE(v.LoadManifest((*list)[0]).ok());
  EXPECT_EQ(store.counts().stats, 0u);
  EXPECT_EQ(store.counts().gets, static_cast<uint64_t>(format()));
}

// Forgetting LoadIndex would make a backup store everything again and adopt nothing: it is refused.
TEST_P(VaultTest, StoringOrReadingBeforeLoadIndexIsRefused) {
  auto v = OpenOk();
  BackupSession s(*v, 1 << 16);
  auto codec = v->NewCodec();
  bool stored = true;
  auto id = s.StorePart(*codec, Data(100, 1), false, &stored);
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.status().code(), StatusCode::kInternal);
  EXPECT_NE(id.status().message().find("LoadIndex"), std::string::npos) << id.status().ToString();
  EXPECT_FALSE(stored);
  std::vector<uint8_t> out;
  EXPECT_EQ(v->ReadBlob(codec->BlobId(Data(100, 1)), *codec, &out).code(), StatusCode::kInternal);
  std::vector<storage::ObjectInfo> packs;
  ASSERT_TRUE(v->ListPacks(&packs).ok());
  EXPECT_TRUE(packs.empty());  // nothing was uploaded
  ASSERT_TRUE(v->LoadIndex().ok());
  EXPECT_TRUE(s.StorePart(*codec, Data(100, 1), false, &stored).ok());
  EXPECT_TRUE(stored);
}

// Every name the kind table can produce passes the one key rule every backend applies
// (storage/object_key.h): no kind is named in a way a backend would refuse or normalise.
TEST(ObjectKindTest, EveryKindsNamesAreValidObjectKeys) {
  ObjectId id{};
  id[0] = 0x5a;
  for (const auto& k : layout::kObjectKinds) {
    std::string sample;
    switch (k.naming) {
      case layout::Naming::kFixed:
        sample = std::string(k.prefix);
        break;
      case layout::Naming::kContentHash:
      case layout::Naming::kShardedHash:
        sample = layout::ContentKey(k.kind, id);
        break;
      case layout::Naming::kSlotId:
        sample = layout::KeySlotKey("a_B-9");
        break;
      case layout::Naming::kBackupId:
        sample = std::string(k.prefix) + layout::MakeBackupId(1764079200, "0a0b0c0d");
        break;
      case layout::Naming::kProbeId:
        sample = std::string(k.prefix) + "doctor-0123456789abcdef0123456789abcdef";
        break;
      case layout::Naming::kPartitionedHash:
        sample = layout::IndexKey("0123456789abcdef", id);
        break;
      case layout::Naming::kPartitionedShardedHash:
        sample = layout::PackKey("0123456789abcdef", id);
        break;
      case layout::Naming::kNodeStamped:
        sample = layout::ConsolidatedIndexKey("0123456789abcdef", 1764079200, "0123456789abcdef");
        break;
      case layout::Naming::kStamped:  // several kinds: catalog-full/, marks/, gc/
        sample = std::string(k.prefix) + layout::TimeStamp(1764079200) + "-0123456789abcdef";
        break;
      case layout::Naming::kDayBackupId:
        sample = layout::CatalogSegmentKey(1764079200, layout::MakeBackupId(1764079100, "0a0b0c0d"));
        break;
      case layout::Naming::kAliasId:
        sample = std::string(k.prefix) + "0123456789abcdef0123456789abcdef";
        break;
      case layout::Naming::kNameVersion:
        sample = layout::NameVersionKey(k.kind, "nightly_B-9", 12);  // policies/, settings/
        break;
      case layout::Naming::kDayRunSeq:
        sample = layout::RunRecordKey(1764079200, "0123456789abcdef", 1);
        break;
      case layout::Naming::kNameStamped:
        sample = layout::LockKey("maintenance", 1764079200, "0123456789abcdef");
        break;
      case layout::Naming::kWriterSeq:
        sample = layout::AuditRecordKey("0123456789abcdef", 7);
        break;
      case layout::Naming::kNotAssigned:
        sample = std::string(k.prefix) + "x";
        break;
    }
    EXPECT_TRUE(storage::IsValidObjectKey(sample)) << k.name << ": " << sample;
    EXPECT_EQ(layout::KindOfKey(sample), &k) << sample;
    EXPECT_EQ(layout::IsNameOf(k.kind, sample), !k.reserved) << sample;
  }
}

TEST_P(VaultTest, OversizedObjectsAreRefusedBeforeAnyByteIsRead) {
  // Sparse files: 2 GiB on paper, nothing on disk. Reading either whole would take 2 GiB of memory.
  {
    std::ofstream(root_ / "keys/0000big").put('{');
    fs::resize_file(root_ / "keys/0000big", uint64_t{2} << 30);
  }
  auto v = OpenOk();
  EXPECT_TRUE(Names(v->Problems(), "keys/0000big"));
  fs::resize_file(root_ / "config", uint64_t{2} << 30);
  auto open = Vault::Open(Store(), crypto::PassphraseSecret("correct horse"));
  ASSERT_FALSE(open.ok());
  EXPECT_TRUE(open.status().IsCorruption()) << open.status().ToString();
  EXPECT_NE(open.status().message().find("more than a config can be"), std::string::npos);
}

TEST_P(VaultTest, ConfigIsCheckedAfterUnlockAndItsIdBeforeAnyUse) {
  std::string original;
  {
    std::ifstream in(root_ / "config");
    original.assign(std::istreambuf_iterator<char>(in), {});
  }
  auto replace = [&](const std::string& text) {
    fs::remove(root_ / "config");
    std::ofstream(root_ / "config") << text;
  };
  if (format() == 1) {
    replace(R"({"format":"cassvault","version":1,"vault_id":"00000000000000000000000000000000"})");
    auto swapped = Vault::Open(Store(), crypto::PassphraseSecret("correct horse"));
    ASSERT_FALSE(swapped.ok());
    EXPECT_NE(swapped.status().message().find("differs from the copy sealed"), std::string::npos)
        << swapped.status().ToString();
  } else {
    // v2: the line is signed by the admin key. The same line with another signature is refused...
    std::string line = original.substr(0, original.find('\n'));
    std::string other_sig = crypto::Base64Encode(std::vector<uint8_t>(64, 7));
    replace(line + "\n" + other_sig + "\n");
    auto forged = Vault::Open(Store(), crypto::PassphraseSecret("correct horse"));
    ASSERT_FALSE(forged.ok());
    EXPECT_TRUE(forged.status().IsCorruption()) << forged.status().ToString();
    EXPECT_NE(forged.status().message().find("not signed by this vault's admin key"), std::string::npos)
        << forged.status().ToString();
    // ... another vault id opens no slot (each is bound to its vault id) ...
    std::string other_id = line;
    other_id.replace(other_id.find("\"vault_id\":\"") + 12, 32, std::string(32, '0'));
    replace(other_id + original.substr(line.size()));
    EXPECT_EQ(Vault::Open(Store(), crypto::PassphraseSecret("correct horse")).status().code(),
              StatusCode::kPermissionDenied);
    // ... and a downgrade to version 1 finds no v1 slot.
    replace(R"({"format":"cassvault","version":1,"vault_id":")" +
            line.substr(line.find("\"vault_id\":\"") + 12, 32) + R"("})");
    EXPECT_EQ(Vault::Open(Store(), crypto::PassphraseSecret("correct horse")).status().code(),
              StatusCode::kPermissionDenied);
  }
  replace(R"({"format":"cassvault","version":1,"vault_id":"../../x"})");
  auto path = Vault::Open(Store(), crypto::PassphraseSecret("correct horse"));
  ASSERT_FALSE(path.ok());
  EXPECT_NE(path.status().message().find("not 32 lowercase hex"), std::string::npos);
  replace("\"SECRET-FIRST-LINE\n");
  auto echo = Vault::Open(Store(), crypto::PassphraseSecret("correct horse"));
  ASSERT_FALSE(echo.ok());
  EXPECT_NE(echo.status().message().find("config is not valid JSON (offset"), std::string::npos);
  EXPECT_EQ(echo.status().message().find("SECRET"), std::string::npos) << echo.status().message();
  replace(original);
  OpenOk();
}

TEST_P(VaultTest, SlotsAreTriedCheapestFirstWhateverTheirNames) {
  // A slot within the caps but costly (256 MiB), named to sort first: were slots tried by name, every
  // unlock would pay for it. The genuine slot is cheaper, so it is tried first and opens; a wrong
  // passphrase tries both. Compared with each other, not with a fixed time: the machine may be busy.
  if (format() == 1) {
    WriteNew(root_ / "keys/0000costly",
             crypto::AsBytes(
                 R"({"version":1,"id":"0000costly","kind":"passphrase","kdf":{"name":"scrypt",)"
                 R"("log2_n":18,"r":8,"p":1,"salt":"AAAAAAAAAAAAAAAAAAAAAA=="},"sealed_master_key":")" +
                 std::string(123, 'A') + "=\"}"));
  } else {
    auto v = OpenOk();
    auto slot = crypto::WrapKeyBundle(*v->keys().bundle(), crypto::PassphraseSecret("another"), "0000costly",
                                      v->vault_id(), {.log2_n = 18, .r = 8, .p = 1});
    ASSERT_TRUE(slot.ok()) << slot.status().ToString();
    WriteNew(root_ / "keys/0000costly", crypto::AsBytes(*slot));
  }
  auto timed = [&](const char* pass) {
    auto start = std::chrono::steady_clock::now();
    auto v = Vault::Open(Store(), crypto::PassphraseSecret(pass));
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return std::make_pair(v.status().code(), s);
  };
  auto [wrong_code, wrong_s] = timed("wrong");
  auto [ok_code, ok_s] = timed("correct horse");
  EXPECT_EQ(wrong_code, StatusCode::kPermissionDenied);
  EXPECT_EQ(ok_code, StatusCode::kOk);
  EXPECT_LT(ok_s * 4, wrong_s) << ok_s << " s to open, " << wrong_s << " s to try every slot";
}

// Found by fuzz/vault_config: a float "version" was cast to int unchecked (undefined behaviour).
TEST_P(VaultTest, ConfigVersionThatIsNotAnIntegerIsCorruption) {
  fs::remove(root_ / "config");
  std::ofstream(root_ / "config")
      << R"({"format":"cassvault","version":1e300,"vault_id":"0123456789abcdef0123456789abcdef"})";
  auto v = Vault::Open(Store(), crypto::PassphraseSecret("correct horse"));
  ASSERT_FALSE(v.ok());
  EXPECT_TRUE(v.status().IsCorruption()) << v.status().ToString();
}

// Found by fuzz/vault_objects: an index frame claiming 12 GB made the reader allocate 12 GB before zstd
// read a byte. Now the claim is refused first.
TEST_P(VaultTest, MetadataFrameClaimingGigabytesIsRefusedBeforeAllocating) {
  auto v = OpenOk();
  std::vector<uint8_t> frame = {1};  // zstd
  uint64_t claimed = 12ull << 30;
  frame.insert(frame.end(), reinterpret_cast<uint8_t*>(&claimed), reinterpret_cast<uint8_t*>(&claimed) + 8);
  frame.insert(frame.end(), {0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0, 0});
  ObjectId id{};
  id[0] = 7;
  std::string name = layout::IndexKey(id);
  auto sealed = v->keys().Seal(layout::ObjectKind::kIndex, name, frame);
  ASSERT_TRUE(sealed.ok());
  if (v->format() == 1) name = layout::IndexKey(crypto::Sha256(*sealed));  // v1 names it by its hash
  ASSERT_TRUE(v->store().Put(name, *sealed).ok());
  // A junk index object is skipped and named (it does not stop the backup), never allocated.
  ASSERT_TRUE(v->LoadIndex().ok());
  auto problems = v->Problems();
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].problem.find("implausible size"), std::string::npos) << problems[0].problem;
}

}  // namespace
}  // namespace cv::vault
