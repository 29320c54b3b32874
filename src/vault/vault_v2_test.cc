// Format v2's properties at the engine's level (docs/vault-format.md, "Version 2"): budgets, binding, the
// write-only role and adoption without content keys. The command-line view is integration.vault_v2.
#include <gtest/gtest.h>

#include <filesystem>

#include "backends/local/local_store.h"
#include "core/vault_layout.h"
#include "vault/backup_session.h"
#include "vault/testing.h"
#include "vault/vault.h"

namespace cv::vault {
namespace {

namespace fs = std::filesystem;
using layout::ObjectKind;
using testutil::FastScrypt;

class VaultV2Test : public ::testing::Test {
 protected:
  void SetUp() override {
    auto v = Vault::Init(Store(root_, true), crypto::PassphraseSecret("admin"), FastScrypt());
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    ASSERT_EQ((*v)->format(), 2);
    // A writer slot, as `init --write-only` adds for the nodes.
    ASSERT_TRUE(
        (*v)->AddKeySlot(crypto::PassphraseSecret("writer"), FastScrypt(), crypto::KeyRole::kWriter).ok());
  }
  static std::unique_ptr<storage::ObjectStore> Store(const fs::path& root, bool create = false) {
    return std::move(backends::OpenLocalStore(root.string(), create)).value();
  }
  std::unique_ptr<Vault> Open(const char* pass, const fs::path& root) {
    auto v = Vault::Open(Store(root), crypto::PassphraseSecret(pass));
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    return std::move(v).value();
  }
  std::unique_ptr<Vault> Open(const char* pass) { return Open(pass, root_); }
  static std::vector<uint8_t> Data(size_t n, uint8_t seed) { return testutil::TestData(n, seed); }
  static std::string Id(int n) { return layout::MakeBackupId(1764079200 + n, "0000000a"); }

  testutil::ScratchDir scratch_{"cv-vault-v2",
                                ::testing::UnitTest::GetInstance()->current_test_info()->name()};
  const fs::path& root_ = scratch_.path();
};

TEST_F(VaultV2Test, AContentKeyRefusesToSealPastItsBudget) {
  auto v = Open("admin");
  ASSERT_TRUE(v->LoadIndex().ok());
  BackupSession s(*v, 1 << 16);
  s.set_content_key_budget(3);
  auto codec = v->NewCodec();
  bool stored = false;
  for (uint8_t i = 0; i < 3; ++i) ASSERT_TRUE(s.StorePart(*codec, Data(100, i), false, &stored).ok());
  auto past = s.StorePart(*codec, Data(100, 9), false, &stored);
  ASSERT_FALSE(past.ok());
  EXPECT_EQ(past.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(past.status().message().find("budget of 3 blobs"), std::string::npos) << past.status().ToString();
  // A part already stored is still found (nothing is sealed for it).
  EXPECT_TRUE(s.StorePart(*codec, Data(100, 1), false, &stored).ok());
}

TEST_F(VaultV2Test, EachBackupSealsUnderItsOwnContentKey) {
  auto v = Open("admin");
  auto a = testutil::CommitTestBackup(*v, {Data(1000, 1)}, {.backup_id = Id(1)});
  auto b = testutil::CommitTestBackup(*v, {Data(1000, 2)}, {.backup_id = Id(2)});
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->version, 2);
  EXPECT_NE(a->content_key, b->content_key);
  std::vector<storage::ObjectInfo> keys;
  ASSERT_TRUE(v->objects().List(ObjectKind::kContentKey, &keys).ok());
  EXPECT_EQ(keys.size(), 2u);
  // Both read back through a fresh open (each key opened from its object).
  auto r = Open("admin");
  ASSERT_TRUE(r->LoadIndex().ok());
  auto codec = r->NewCodec();
  for (const auto& [rec, seed] : {std::pair{*a, 1}, std::pair{*b, 2}}) {
    auto m = r->LoadManifest(rec);
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    std::vector<uint8_t> out;
    ASSERT_TRUE(r->ReadBlob(m->tables[0].files[0].blobs[0], *codec, &out).ok());
    EXPECT_EQ(out, Data(1000, static_cast<uint8_t>(seed)));
  }
}

TEST_F(VaultV2Test, AWriterBacksUpButOpensNoManifestBlobOrContentKey) {
  auto w = Open("writer");
  EXPECT_FALSE(w->CanReadBackups());
  auto rec = testutil::CommitTestBackup(*w, {Data(5000, 1), Data(70000, 2)}, {.backup_id = Id(1)});
  ASSERT_TRUE(rec.ok()) << rec.status().ToString();
  auto listed = w->ListBackups();
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  auto refs = w->LoadReferenceSet(rec->backup_id);
  ASSERT_TRUE(refs.ok()) << refs.status().ToString();
  EXPECT_EQ(refs->size(), 2u);

  auto m = w->LoadManifest(*rec);
  EXPECT_EQ(m.status().code(), StatusCode::kPermissionDenied) << m.status().ToString();
  auto codec = w->NewCodec();
  std::vector<uint8_t> out;
  Status blob = w->ReadBlob((*refs)[0], *codec, &out);
  EXPECT_EQ(blob.code(), StatusCode::kPermissionDenied) << blob.ToString();
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(w->content_keys().Get(rec->content_key).status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(w->RequireReader("restore").code(), StatusCode::kPermissionDenied);
  // The admin reads it all.
  auto a = Open("admin");
  auto am = a->LoadManifest(*rec);
  ASSERT_TRUE(am.ok()) << am.status().ToString();
  EXPECT_EQ(am->tables[0].files[0].size, 75000u);
}

TEST_F(VaultV2Test, AWriterAdoptsTheOrphanPacksOfItsKilledBackupWithoutAContentKey) {
  {
    auto w = Open("writer");
    ASSERT_TRUE(w->LoadIndex().ok());
    BackupSession s(*w, 1 << 10);  // tiny packs: each part fills one, uploaded at once
    auto codec = w->NewCodec();
    bool stored = false;
    for (uint8_t i = 0; i < 3; ++i) ASSERT_TRUE(s.StorePart(*codec, Data(2000, i), false, &stored).ok());
    // Killed before its commit: packs and a content key, no index, no record.
  }
  auto w = Open("writer");
  ASSERT_TRUE(w->LoadIndex().ok());
  EXPECT_TRUE(w->Problems().empty());
  EXPECT_EQ(w->BlobCount(), 3u);
  int stored = 0;
  auto rec = testutil::CommitTestBackup(*w, {Data(2000, 0), Data(2000, 1), Data(2000, 2)},
                                        {.backup_id = Id(1)}, &stored);
  ASSERT_TRUE(rec.ok()) << rec.status().ToString();
  EXPECT_EQ(stored, 0);  // adopted: nothing uploaded twice
  // The adopted packs' blobs were sealed under the killed session's key; the index names it, so a reader
  // opens them.
  auto a = Open("admin");
  ASSERT_TRUE(a->LoadIndex().ok());
  auto m = a->LoadManifest(*rec);
  ASSERT_TRUE(m.ok());
  auto codec = a->NewCodec();
  std::vector<uint8_t> out;
  ASSERT_TRUE(a->ReadBlob(m->tables[0].files[0].blobs[2], *codec, &out).ok());
  EXPECT_EQ(out, Data(2000, 2));
}

TEST_F(VaultV2Test, ObjectsUnderAnotherNameKindOrVaultDoNotOpen) {
  auto v = Open("admin");
  auto rec = testutil::CommitTestBackup(*v, {Data(1000, 1)}, {.backup_id = Id(1)});
  ASSERT_TRUE(rec.ok());
  storage::ObjectStore& store = v->store();
  auto copy = [&](const std::string& from, const std::string& to) {
    std::vector<uint8_t> bytes;
    ASSERT_TRUE(store.Get(from, 0, 0, &bytes).ok());
    ASSERT_TRUE(store.Put(to, bytes).ok());
  };
  // A record under another backup's name.
  copy(layout::BackupKey(rec->backup_id), layout::BackupKey(Id(2)));
  auto moved = v->LoadRecord(Id(2));
  EXPECT_TRUE(moved.status().IsCorruption()) << moved.status().ToString();
  // An index object under another index name, and read as another kind.
  ASSERT_EQ(rec->index_ids.size(), 1u);
  ObjectId other{};
  other[0] = 1;
  copy(layout::IndexKey(rec->index_ids[0]), layout::IndexKey(other));
  auto index = v->objects().GetContent(ObjectKind::kIndex, layout::IndexKey(other));
  EXPECT_TRUE(index.status().IsCorruption()) << index.status().ToString();
  EXPECT_NE(index.status().message().find(layout::IndexKey(other)), std::string::npos);
  copy(layout::IndexKey(rec->index_ids[0]), layout::ManifestKey(other));
  auto as_manifest = v->objects().GetContent(ObjectKind::kManifest, layout::ManifestKey(other));
  EXPECT_TRUE(as_manifest.status().IsCorruption());
  // The genuine objects still open where they are.
  EXPECT_TRUE(v->objects().GetContent(ObjectKind::kIndex, layout::IndexKey(rec->index_ids[0])).ok());

  // Another vault with the same passphrase: its objects do not open here, even under the names they had.
  testutil::ScratchDir other_dir{"cv-vault-v2", "other"};
  ASSERT_TRUE(
      Vault::Init(Store(other_dir.path(), true), crypto::PassphraseSecret("admin"), FastScrypt()).ok());
  auto o = Open("admin", other_dir.path());
  auto orec = testutil::CommitTestBackup(*o, {Data(1000, 1)}, {.backup_id = Id(3)});
  ASSERT_TRUE(orec.ok());
  std::vector<uint8_t> bytes;
  ASSERT_TRUE(o->store().Get(layout::BackupKey(Id(3)), 0, 0, &bytes).ok());
  ASSERT_TRUE(store.Put(layout::BackupKey(Id(3)), bytes).ok());
  EXPECT_TRUE(v->LoadRecord(Id(3)).status().IsCorruption());
  ASSERT_TRUE(o->store().Get(layout::IndexKey(orec->index_ids[0]), 0, 0, &bytes).ok());
  ASSERT_TRUE(store.Put(layout::IndexKey(orec->index_ids[0]), bytes).ok());
  EXPECT_TRUE(v->objects()
                  .GetContent(ObjectKind::kIndex, layout::IndexKey(orec->index_ids[0]))
                  .status()
                  .IsCorruption());
  // The vault's own backup is untouched by all of it.
  ASSERT_TRUE(v->LoadIndex().ok());
  auto m = v->LoadManifest(*rec);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
}

// A geo-replica is the same vault (same id) in another store: its objects are bound to the vault and their
// names, not to where they are kept, so a copy of every object byte for byte opens and restores there.
TEST_F(VaultV2Test, AReplicaInAnotherStoreHoldsTheSameObjectsUnchanged) {
  auto v = Open("admin");
  auto rec = testutil::CommitTestBackup(*v, {Data(3000, 1), Data(70000, 2)}, {.backup_id = Id(1)});
  ASSERT_TRUE(rec.ok());
  testutil::ScratchDir replica{"cv-vault-v2", "replica"};
  fs::copy(root_, replica.path(), fs::copy_options::recursive);
  auto r = Open("writer", replica.path());
  EXPECT_EQ(r->vault_id(), v->vault_id());
  auto a = Open("admin", replica.path());
  ASSERT_TRUE(a->LoadIndex().ok());
  EXPECT_TRUE(a->Problems().empty());
  auto m = a->LoadManifest(*rec);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  auto codec = a->NewCodec();
  std::vector<uint8_t> out;
  ASSERT_TRUE(a->ReadBlob(m->tables[0].files[0].blobs[1], *codec, &out).ok());
  EXPECT_EQ(out, Data(70000, 2));
}

// A sealed blob names its blob id and vault in its AAD: read as another blob, or by another vault holding the
// same content key, it does not open.
TEST_F(VaultV2Test, ABlobOpensOnlyAsItselfInItsVault) {
  auto v = Open("admin");
  auto codec = v->NewCodec();
  ContentKey key;
  key.key = crypto::SecretBytes(32);
  key.key.data()[0] = 1;
  const auto a = Data(500, 1), b = Data(500, 2);
  const ObjectId id_a = codec->BlobId(a), id_b = codec->BlobId(b);
  std::span<const uint8_t> view;
  ASSERT_TRUE(codec->Seal(id_a, a, false, &key, &view).ok());
  const std::vector<uint8_t> sealed(view.begin(), view.end());
  PackEntry e{id_a, 0, static_cast<uint32_t>(sealed.size()), 500, Compression::kNone};
  std::vector<uint8_t> out;
  ASSERT_TRUE(codec->Open(e, sealed, &key, &out).ok());
  EXPECT_EQ(out, a);
  e.blob_id = id_b;  // the same bytes claimed as another blob
  EXPECT_TRUE(codec->Open(e, sealed, &key, &out).IsCorruption());
  testutil::ScratchDir other_dir{"cv-vault-v2", "blob-other"};
  ASSERT_TRUE(
      Vault::Init(Store(other_dir.path(), true), crypto::PassphraseSecret("admin"), FastScrypt()).ok());
  auto o = Open("admin", other_dir.path());
  auto other_codec = o->NewCodec();
  e.blob_id = id_a;
  Status st = other_codec->Open(e, sealed, &key, &out);
  EXPECT_TRUE(st.IsCorruption()) << st.ToString();  // another vault: even its blob-id key differs
}

TEST_F(VaultV2Test, AContentKeyObjectMovedOrRelabelledDoesNotOpen) {
  auto v = Open("admin");
  auto rec = testutil::CommitTestBackup(*v, {Data(1000, 1)}, {.backup_id = Id(1)});
  ASSERT_TRUE(rec.ok());
  std::vector<uint8_t> bytes;
  ASSERT_TRUE(v->store().Get(layout::ContentKeyObjectKey(rec->content_key), 0, 0, &bytes).ok());
  ObjectId other{};
  other[0] = 9;
  ASSERT_TRUE(v->store().Put(layout::ContentKeyObjectKey(other), bytes).ok());
  auto fresh = Open("admin");
  EXPECT_TRUE(fresh->content_keys().Get(other).status().IsCorruption());
  // The reader key id it names is bound too: relabelled to key 2, it names a key the slot does not hold.
  bytes[0] = 2;
  ObjectId third{};
  third[0] = 10;
  ASSERT_TRUE(v->store().Put(layout::ContentKeyObjectKey(third), bytes).ok());
  EXPECT_FALSE(fresh->content_keys().Get(third).ok());
  EXPECT_TRUE(fresh->content_keys().Get(rec->content_key).ok());
}

}  // namespace
}  // namespace cv::vault
